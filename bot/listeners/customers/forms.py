"""The customer form: adding one (from /customers add or the App Home) and correcting one (from
/customers edit or a search's Edit button), the same fields either way; core checks every field."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners.customers.ids import CustomerForm
from bot.listeners.replies import form_submitted, submission
from bot.mrkdwn import escape
from core.customers import flows
from core.customers import service as customers
from core.customers.flows import CustomerChanges, CustomerEdited, CustomerToEdit

EDIT_TITLE = "Edit a customer"
NO_LOCATION = "-"  # the option clearing a customer's location (a location named just "-" could not be chosen)


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CustomerForm.ADD.value)(form_submitted(deps, customer_submitted))

    @app.view(CustomerForm.EDIT.value)
    async def edit_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        said: dict[str, Any] = {}

        def work() -> None:
            said.update(edit_saved(deps, team, user, view))

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
        channel = str(views.metadata(view).get("channel", ""))
        if said and channel:
            await client.chat_postEphemeral(channel=channel, user=user, **said)


def customer_form(deps: Deps, team: str, user: str, company: str = "") -> dict[str, Any]:
    locations = deps.read(team, user, flows.new_customer_locations)
    blocks = customer_fields(locations, company=company)
    return views.modal(CustomerForm.ADD, "Add a customer", blocks, submit="Add")


def edit_form(form: CustomerToEdit, channel: str) -> dict[str, Any]:
    """The form filled in with the customer's details; the confirmation goes to `channel`."""
    blocks = customer_fields(form.locations, form.customer)
    metadata = {"customer": form.customer.id, "channel": channel}
    return views.modal(CustomerForm.EDIT, EDIT_TITLE, blocks, submit="Save", metadata=metadata)


def customer_fields(
    locations: list[str], shown: customers.CustomerView | None = None, *, company: str = ""
) -> list[dict[str, Any]]:
    """The form's inputs, their block ids core's field names and their lengths core's, pre-filled
    with `shown`'s details. Correcting a customer also offers "No location" (Slack's menus cannot
    be emptied once chosen)."""
    blocks = [
        _text("company", "Company", shown.company if shown else company, customers.COMPANY_MAX),
        _text("contact", "Contact person", _given(shown, "contact"), customers.CONTACT_MAX),
        _text("email", "Email", _given(shown, "email"), customers.EMAIL_MAX),
        _text("phone", "Phone", _given(shown, "phone"), customers.PHONE_MAX),
    ]
    if locations:
        options = [(name, name) for name in locations]
        initial = _given(shown, "location")
        if shown:
            options.insert(0, (NO_LOCATION, "No location"))
            initial = initial or NO_LOCATION
        blocks.append(views.select("location", "Location", options, initial=initial, optional=True))
    blocks.append(
        views.text_input(
            "notes",
            "Notes",
            initial=_given(shown, "notes"),
            multiline=True,
            optional=True,
            max_length=customers.NOTES_MAX,
        )
    )
    blocks.append(
        views.checkboxes(
            "unsubscribed",
            "Member e-mail",
            [("yes", "Unsubscribed: send this member no e-mail")],
            initial=["yes"] if shown and shown.unsubscribed else [],
        )
    )
    return blocks


def customer_submitted(deps: Deps, team: str, user: str, chosen: dict[str, Any]) -> None:
    data = customers.CustomerInput(
        company=chosen.get("company", ""),
        contact=chosen.get("contact", ""),
        email=chosen.get("email", ""),
        phone=chosen.get("phone", ""),
        location=chosen.get("location") or None,
        notes=chosen.get("notes", ""),
        unsubscribed=bool(chosen.get("unsubscribed")),
    )
    deps.write(team, user, customers.add_customer, data)


def edit_saved(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """Save the form through core; the confirmation to post (core's errors propagate to the fields)."""
    chosen = views.values(view)
    # A field the form does not show (no locations to choose from) stays as it is.
    given = {name: chosen.get(name) for name in flows.EDITABLE}
    if given["location"] == NO_LOCATION:
        given["location"] = ""
    changes = CustomerChanges(**given, unsubscribed=bool(chosen.get("unsubscribed")))
    edited = deps.write(team, user, flows.edit_customer, int(views.metadata(view)["customer"]), changes)
    return messages.message(edited_text(edited))


def edited_text(edited: CustomerEdited) -> str:
    changes = [(c.field, escape(c.before), escape(c.after)) for c in edited.changes]
    return messages.say("customer_edited", name=escape(edited.customer.name), changes=changes)


def _text(block_id: str, label: str, initial: str | None, max_length: int) -> dict[str, Any]:
    return views.text_input(block_id, label, initial=initial, optional=True, max_length=max_length)


def _given(shown: customers.CustomerView | None, name: str) -> str | None:
    return str(getattr(shown, name)) or None if shown else None
