"""/checkout's form, for a command that says too little: its preview is posted ephemerally where
the command was typed, or its field errors (each bad line named under the lines field)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import keys, messages, views
from bot.deps import Deps
from bot.listeners.checkout.draft import Draft, new_reference
from bot.listeners.checkout.ids import CheckoutView
from bot.listeners.checkout.lines import SEPARATORS, numbered_lines, parse_lines
from bot.listeners.checkout.preview import preview_message
from bot.listeners.replies import Modal, submission
from core.checkout import flows
from core.customers.lookup import find_customer
from core.kernel.errors import Conflict, FieldError, InvalidInput


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(CheckoutView.FORM)
    async def form_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        shown: dict[str, Any] = {}

        def work() -> None:
            shown.update(form_preview(deps, team, user, view))

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
        if shown:
            channel = str(views.metadata(view).get("channel", ""))
            await client.chat_postEphemeral(channel=channel, user=user, **shown)


def form_for(
    deps: Deps,
    team: str,
    user: str,
    channel: str,
    who: str,
    where: str | None,
    typed: str,
    problems: list[FieldError],
    customer_id: int | None = None,
) -> Modal:
    """The form, filled in with what the command said (the customer found, the lines typed, and
    what was wrong with them)."""
    lines = "\n".join(p.strip() for p in SEPARATORS.split(typed) if p.strip())

    def build() -> dict[str, Any]:
        chosen = customer_id
        if chosen is None and who:
            meant = deps.read(team, user, find_customer, who).customer
            chosen = meant.id if meant else None
        return _form(deps.read(team, user, flows.form_choices, chosen, where), channel, lines, problems)

    return Modal("Checkout", build)


def form_view(deps: Deps, team: str, user: str, channel: str) -> dict[str, Any]:
    return _form(deps.read(team, user, flows.form_choices, None, None), channel, "", [])


def _form(choices: flows.FormChoices, channel: str, lines: str, problems: list[FieldError]) -> dict[str, Any]:
    places = [(str(ident), name) for ident, name in choices.locations]
    if not places:
        raise Conflict(messages.say("checkout_no_locations"), "location")
    chosen = (str(choices.customer[0]), choices.customer[1]) if choices.customer else None
    initial = str(choices.location) if choices.location else None
    blocks: list[dict[str, Any]] = []
    if problems:
        blocks.append(
            views.section(messages.say("checkout_form_problems", problems=[p.message for p in problems]))
        )
    blocks += [
        views.external_select("customer", "Customer", initial=chosen),
        views.select("location", "Location", places, initial=initial),
        views.text_input(
            "lines",
            "Lines, one a line",
            initial=lines or None,
            multiline=True,
            hint=messages.say("checkout_lines_hint"),
            max_length=2000,
        ),
    ]
    return views.modal(CheckoutView.FORM, "Checkout", blocks, submit="Preview", metadata={"channel": channel})


def form_preview(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """The submitted form's preview (posted ephemerally where the command was typed), or its field
    errors: each bad line named under the lines field."""
    chosen = views.values(view)
    problems: list[FieldError] = []
    if not chosen.get("customer"):
        problems.append(FieldError("customer", "Choose the customer."))
    if not chosen.get("location"):
        problems.append(FieldError("location", "Choose the location."))
    items, bad = parse_lines(deps, team, user, str(chosen.get("lines", "")))
    problems += bad
    if problems:
        raise InvalidInput(problems)
    draft = Draft(
        new_reference(), int(chosen["customer"]), int(chosen["location"]), tuple(items), keys.new_nonce()
    )
    with numbered_lines():
        shown = deps.read(team, user, flows.preview, draft.invoice())
    return preview_message(replace(draft, items=shown.invoice.items), shown)  # with the catalogue's prices
