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
    """The form's inputs, their block ids core's field names, pre-filled with `shown`'s details."""
    blocks = [
        views.text_input(
            "company", "Company", initial=shown.company if shown else company, optional=True, max_length=200
        ),
        views.text_input(
            "contact", "Contact person", initial=_given(shown, "contact"), optional=True, max_length=200
        ),
        views.text_input("email", "Email", initial=_given(shown, "email"), optional=True, max_length=254),
        views.text_input("phone", "Phone", initial=_given(shown, "phone"), optional=True, max_length=40),
    ]
    if locations:
        options = [(name, name) for name in locations]
        blocks.append(
            views.select("location", "Location", options, initial=_given(shown, "location"), optional=True)
        )
    blocks.append(
        views.text_input(
            "notes", "Notes", initial=_given(shown, "notes"), multiline=True, optional=True, max_length=2000
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
    )
    deps.write(team, user, customers.add_customer, data)


def edit_saved(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """Save the form through core; the confirmation to post (core's errors propagate to the fields)."""
    chosen = views.values(view)
    # A field the form does not show (no locations to choose from) stays as it is.
    changes = CustomerChanges(**{name: chosen.get(name) for name in flows.EDITABLE})
    edited = deps.write(team, user, flows.edit_customer, int(views.metadata(view)["customer"]), changes)
    return messages.message(edited_text(edited))


def edited_text(edited: CustomerEdited) -> str:
    changes = [(c.field, escape(c.before), escape(c.after)) for c in edited.changes]
    return messages.say("customer_edited", name=escape(edited.customer.name), changes=changes)


def _given(shown: customers.CustomerView | None, name: str) -> str | None:
    return str(getattr(shown, name)) or None if shown else None
