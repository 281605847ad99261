"""/customers: search (a page at a time), help, and add (the form)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages
from bot.deps import Deps
from bot.listeners.customers import forms
from bot.listeners.customers.ids import CustomerAction
from bot.listeners.replies import Modal, slash_command
from bot.mrkdwn import escape
from bot.pagination import more_button, page
from core.customers import service as customers
from core.workspace import roles
from core.workspace.roles import Action

CUSTOMERS_PAGE = 20
SEARCHED = 100  # customers a search lists at most (core caps it), a page at a time


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/customers")(slash_command(deps, "/customers", customers_reply))


def customers_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal:
    if not text or text.lower() == "help":
        return messages.message(messages.render("customers_help"))
    verb, _, rest = text.partition(" ")
    if verb.lower() == "add":
        deps.read(team, user, roles.require, Action.MANAGE_CUSTOMERS)  # refuse before the modal opens
        return Modal("Add a customer", lambda: forms.customer_form(deps, team, user, rest.strip()))
    return customers_page(deps, team, user, text, 0)


def customers_page(deps: Deps, team: str, user: str, query: str, offset: int) -> dict[str, Any]:
    found = deps.read(team, user, customers.search_customers, query, limit=SEARCHED)
    labels = [f"{escape(c.label)}{' — ' + escape(c.email) if c.email else ''}" for c in found]
    shown, next_offset = page(labels, offset, CUSTOMERS_PAGE)
    reply = messages.message(
        messages.render(
            "customers", customers=shown, query=escape(query), first=offset + 1, total=len(labels)
        )
    )
    if next_offset is not None:
        reply["blocks"].append(more_button(CustomerAction.MORE, next_offset, {"q": query[:500]}))
    return reply
