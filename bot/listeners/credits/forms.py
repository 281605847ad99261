"""/credits' forms: redeem (also opened by an expiry reminder's Redeem button) and transfer. A
submission does what the Confirm button would, with the key the form was opened with."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import views
from bot.deps import Deps
from bot.listeners.credits.actions import redeem_confirmed, transfer_confirmed
from bot.listeners.credits.ids import CreditsView
from bot.listeners.replies import Modal, open_modal, submission
from bot.notifications.ids import ReminderAction
from core.credits import flows as credits
from core.kernel.errors import InvalidInput
from core.workspace import roles
from core.workspace.roles import Action


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(ReminderAction.REDEEM)
    async def redeem_from_reminder(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The Redeem button of an expiry reminder: the redeem form, with the customer chosen."""
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        customer_id = int(body["actions"][0]["value"])
        modal = Modal("Redeem credits", lambda: redeem_form(deps, team, user, customer_id))
        await open_modal(client, body["trigger_id"], modal)

    for callback_id in (CreditsView.REDEEM_FORM, CreditsView.TRANSFER_FORM):
        app.view(callback_id)(_form_submitted(deps, callback_id))


def _form_submitted(deps: Deps, callback_id: str) -> Any:
    async def handle(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        chosen, key = views.values(view), views.metadata(view)["key"]

        def work() -> dict[str, Any] | None:
            if not chosen.get("customer"):
                raise InvalidInput.single("customer", "Choose the customer.")
            quantity = credit_quantity(chosen.get("quantity", ""))
            if callback_id == CreditsView.REDEEM_FORM:
                request = {"customer": chosen["customer"], "quantity": str(quantity), "key": key}
                if chosen.get("service"):
                    request["service"] = int(chosen["service"])
                redeem_confirmed(deps, team, user, request)
            else:
                if not chosen.get("to_customer"):
                    raise InvalidInput.single("to_customer", "Choose who receives the credits.")
                request = {"from": chosen["customer"], "to": chosen["to_customer"], "quantity": str(quantity)}
                transfer_confirmed(deps, team, user, {**request, "key": key})
            return None

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))

    return handle


def redeem_form(deps: Deps, team: str, user: str, customer_id: int | None = None) -> dict[str, Any]:
    offered = deps.read(team, user, credits.redeem_form, customer_id)
    listed = [(str(s.id), s.name) for s in offered.services]
    chosen = (str(offered.customer.id), offered.customer.label) if offered.customer else None
    blocks = [
        views.external_select("customer", "Customer", initial=chosen),
        views.text_input("quantity", "Credits to redeem", initial="1", max_length=10),
    ]
    if listed:
        blocks.append(views.select("service", "For the service", listed, optional=True))
    return _form(CreditsView.REDEEM_FORM, "Redeem credits", blocks, "Redeem", "redeem")


def transfer_form(deps: Deps, team: str, user: str) -> dict[str, Any]:
    deps.read(team, user, roles.require, Action.REDEEM)
    blocks = [
        views.external_select("customer", "From"),
        views.external_select("to_customer", "To"),
        views.text_input("quantity", "Credits to transfer", initial="1", max_length=10),
    ]
    return _form(CreditsView.TRANSFER_FORM, "Transfer credits", blocks, "Transfer", "transfer")


def _form(
    callback_id: str, title: str, blocks: list[dict[str, Any]], submit: str, kind: str
) -> dict[str, Any]:
    """The form, opened with the idempotency key its submission changes the ledger with."""
    return views.modal(callback_id, title, blocks, submit=submit, metadata={"key": new_key(kind)})


def new_key(kind: str) -> str:
    """An idempotency key for one request ("redeem", "transfer", "grant"): pressing twice, or
    Slack retrying, changes the ledger once."""
    return f"slack-{kind}-{uuid.uuid4().hex}"


def credit_quantity(text: str) -> Decimal:
    if not text.strip().isdigit() or int(text) < 1:
        raise InvalidInput.single("quantity", f"“{text}” is not a number of credits such as 2.")
    return Decimal(int(text))
