"""/customers: search (a page at a time, an Edit button per customer), help, add and edit (the
form), merge (its preview: bot/listeners/customers/merge.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages, views
from bot.deps import Deps
from bot.listeners.customers import forms, merge
from bot.listeners.customers.ids import CustomerAction
from bot.listeners.picker import choices
from bot.listeners.replies import Modal, channel_command
from bot.mrkdwn import escape
from bot.pagination import more_button, page
from bot.ui.buttons import button
from core.customers import flows
from core.customers.lookup import Lookup
from core.workspace import roles
from core.workspace.roles import Action

CUSTOMERS_PAGE = 20  # with the heading and the More button, 22 of a message's 50 blocks
SEARCHED = 100  # customers a search lists at most (core caps it), a page at a time


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/customers")(channel_command(deps, "/customers", customers_reply))


def customers_reply(deps: Deps, team: str, user: str, channel: str, text: str) -> dict[str, Any] | Modal:
    if not text or text.lower() == "help":
        return messages.message(messages.render("customers_help"))
    verb, _, rest = text.partition(" ")
    if verb.lower() == "add":
        deps.read(team, user, roles.require, Action.MANAGE_CUSTOMERS)  # refuse before the modal opens
        return Modal("Add a customer", lambda: forms.customer_form(deps, team, user, rest.strip()))
    if verb.lower() == "edit":
        if not rest.strip():
            return messages.message(messages.say("say_which_customer", verb="edit"))
        # Found (or refused) before the modal opens: none or several are answered here.
        form = deps.read(team, user, flows.customer_to_edit, rest.strip())
        if isinstance(form, Lookup):
            return choose_to_edit(form)
        return Modal(forms.EDIT_TITLE, lambda: forms.edit_form(form, channel))
    if verb.lower() == "merge":
        return merge.merge_preview(deps, team, user, rest)
    return customers_page(deps, team, user, text, 0)


def customers_page(deps: Deps, team: str, user: str, query: str, offset: int) -> dict[str, Any]:
    found = deps.read(team, user, flows.customers_found, query, SEARCHED)
    labels = [f"{escape(c.label)}{' — ' + escape(c.email) if c.email else ''}" for c in found.customers]
    shown, next_offset = page(labels, offset, CUSTOMERS_PAGE)
    reply = messages.message(
        messages.render(
            "customers", customers=shown, query=escape(query), first=offset + 1, total=len(labels)
        )
    )
    if found.editable and shown:
        # The heading, then each customer beside its Edit button (the text fallback is unchanged).
        heading = str(reply["text"]).split("\n", 1)[0]
        listed = found.customers[offset : offset + len(shown)]
        reply["blocks"] = [views.section(heading)] + [
            _with_edit(line, customer.id) for line, customer in zip(shown, listed, strict=True)
        ]
    if next_offset is not None:
        reply["blocks"].append(more_button(CustomerAction.MORE, next_offset, {"q": query[:500]}))
    return reply


def choose_to_edit(found: Lookup) -> dict[str, Any]:
    """None matched: say so. Several: the picker, which runs `/customers edit #<id>` again."""
    if not found.matches:
        return messages.message(messages.say("no_customer", query=escape(found.query)))
    raise choices.several(found)


def _with_edit(line: str, customer_id: int) -> dict[str, Any]:
    block = views.section(f"• {line}")
    block["accessory"] = button(f"{CustomerAction.EDIT}:{customer_id}", "Edit", str(customer_id))
    return block
