"""/credits' forms: redeem (also opened by an expiry reminder's Redeem button) and transfer. As the
commands do, a form previews before it writes: its submission is checked (field errors, nothing
written) and the modal becomes the confirmation showing the preview; Confirm does it with the key
the form was opened with, so a double click or Slack retrying changes the ledger once; Cancel writes
nothing. The outcome is told where the form was opened (ephemeral), or in the app's DM."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import keys, messages, views
from bot.deps import Deps
from bot.listeners.credits import previews
from bot.listeners.credits.actions import redeem_confirmed, transfer_confirmed
from bot.listeners.credits.ids import CreditsView
from bot.listeners.replies import Modal, open_modal, submission
from bot.notifications.ids import ReminderAction
from core.credits import flows as credits
from core.kernel.errors import InvalidInput
from core.workspace import roles
from core.workspace.roles import Action

# What a form's submission shows (the confirmation view), and what its confirmation does (the reply).
Confirmation = Callable[[Deps, str, str, dict[str, Any], dict[str, Any]], dict[str, Any]]
Confirmed = Callable[[Deps, str, str, dict[str, Any]], dict[str, Any]]
Listener = Callable[..., Awaitable[None]]

TITLES = {CreditsView.REDEEM_CONFIRM: "Redeem credits", CreditsView.TRANSFER_CONFIRM: "Transfer credits"}


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(ReminderAction.REDEEM)
    async def redeem_from_reminder(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The Redeem button of an expiry reminder: the redeem form, with the customer chosen; or,
        when the credits have expired or been used since, the reminder says so and loses its button."""
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        customer_id = int(body["actions"][0]["value"])
        channel = str((body.get("channel") or {}).get("id") or "")
        offered = await asyncio.to_thread(deps.read, team, user, credits.redeem_form, customer_id)
        message = body.get("message") or {}
        if offered.available == 0 and channel and message.get("ts"):
            text = f"{message.get('text', '')}\n{messages.say('reminder_nothing_left')}"
            await client.chat_update(channel=channel, ts=message["ts"], **messages.message(text))  # no button
            return
        modal = Modal("Redeem credits", lambda: redeem_form(deps, team, user, customer_id, channel))
        await open_modal(client, body["trigger_id"], modal)

    app.view(CreditsView.REDEEM_FORM)(_previewed(deps, redeem_confirmation))
    app.view(CreditsView.TRANSFER_FORM)(_previewed(deps, transfer_confirmation))
    app.view(CreditsView.REDEEM_CONFIRM)(_confirmed(deps, redeem_confirmed))
    app.view(CreditsView.TRANSFER_CONFIRM)(_confirmed(deps, transfer_confirmed))


def _previewed(deps: Deps, confirmation: Confirmation) -> Listener:
    """A form's submission: its fields checked, then the modal updated to the confirmation."""

    async def handle(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        chosen, meta = views.values(view), views.metadata(view)
        shown = await asyncio.to_thread(
            submission,
            lambda: {"response_action": "update", "view": confirmation(deps, team, user, chosen, meta)},
            view,
        )
        await ack(**(shown or {}))

    return handle


def redeem_confirmation(
    deps: Deps, team: str, user: str, chosen: dict[str, Any], meta: dict[str, Any]
) -> dict[str, Any]:
    if not chosen.get("customer"):
        raise InvalidInput.single("customer", "Choose the customer.")
    quantity = credit_quantity(chosen.get("quantity", ""))
    service = int(chosen["service"]) if chosen.get("service") else None
    planned = deps.read(
        team, user, credits.preview_redemption_for, int(chosen["customer"]), quantity, service
    )
    request = {"customer": planned.customer.id, "quantity": str(quantity), "service": service}
    return _confirmation(
        CreditsView.REDEEM_CONFIRM, previews.redeem_preview(planned), "Redeem", request, meta
    )


def transfer_confirmation(
    deps: Deps, team: str, user: str, chosen: dict[str, Any], meta: dict[str, Any]
) -> dict[str, Any]:
    if not chosen.get("customer"):
        raise InvalidInput.single("customer", "Choose who gives the credits.")
    if not chosen.get("to_customer"):
        raise InvalidInput.single("to_customer", "Choose who receives the credits.")
    quantity = credit_quantity(chosen.get("quantity", ""))
    planned = deps.read(
        team,
        user,
        credits.preview_transfer_between,
        int(chosen["customer"]),
        int(chosen["to_customer"]),
        quantity,
    )
    request = {"from": planned.giver.id, "to": planned.receiver.id, "quantity": str(quantity)}
    text = previews.transfer_preview(planned)
    return _confirmation(CreditsView.TRANSFER_CONFIRM, text, "Transfer", request, meta)


def _confirmation(
    callback_id: CreditsView, text: str, submit: str, request: dict[str, Any], meta: dict[str, Any]
) -> dict[str, Any]:
    """The preview, carrying the request and the form's key and channel to Confirm."""
    carried = {**request, "key": meta["key"], "channel": meta.get("channel", "")}
    return views.modal(
        callback_id, TITLES[callback_id], [views.section(text)], submit=submit, metadata=carried
    )


def _confirmed(deps: Deps, work: Confirmed) -> Listener:
    """Confirm: the ledger changes once per key; the modal closes and the outcome is told. A
    refusal (credits used meanwhile, a crafted request) replaces the confirmation, nothing written."""

    async def handle(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        request = views.metadata(view)
        told: list[dict[str, Any]] = []

        def run() -> None:
            told.append(work(deps, team, user, request))

        refused = await asyncio.to_thread(submission, run, view)
        await ack(**(refused or {}))
        if not told:
            return
        channel = str(request.get("channel") or "")
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, **told[0])
        else:  # opened where there is no conversation to answer in (the Home): the app's DM
            await client.chat_postMessage(channel=user, **told[0])

    return handle


def redeem_form(
    deps: Deps, team: str, user: str, customer_id: int | None = None, channel: str = ""
) -> dict[str, Any]:
    offered = deps.read(team, user, credits.redeem_form, customer_id)
    listed = [(str(s.id), s.name) for s in offered.services]
    chosen = (str(offered.customer.id), offered.customer.label) if offered.customer else None
    blocks = [
        views.external_select("customer", "Customer", initial=chosen),
        views.text_input("quantity", "Credits to redeem", initial="1", max_length=10),
    ]
    if listed:
        blocks.append(views.select("service", "For the service", listed, optional=True))
    return _form(CreditsView.REDEEM_FORM, "Redeem credits", blocks, channel)


def transfer_form(deps: Deps, team: str, user: str, channel: str = "") -> dict[str, Any]:
    deps.read(team, user, roles.require, Action.REDEEM)
    blocks = [
        views.external_select("customer", "From"),
        views.external_select("to_customer", "To"),
        views.text_input("quantity", "Credits to transfer", initial="1", max_length=10),
        views.context(messages.say("transfer_form_hint")),
    ]
    return _form(CreditsView.TRANSFER_FORM, "Transfer credits", blocks, channel)


def _form(callback_id: str, title: str, blocks: list[dict[str, Any]], channel: str) -> dict[str, Any]:
    """The form, opened with the nonce its confirmation's idempotency key is made of (bot/keys.py)."""
    metadata = {"key": keys.new_nonce(), "channel": channel}
    return views.modal(callback_id, title, blocks, submit="Next", metadata=metadata)


def credit_quantity(text: str) -> Decimal:
    if not text.strip().isdigit() or int(text) < 1:
        raise InvalidInput.single("quantity", f"“{text}” is not a number of credits such as 2.")
    return Decimal(int(text))
