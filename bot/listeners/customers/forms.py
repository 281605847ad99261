"""The add-a-customer form, opened from /customers add or the App Home; core checks every field."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import views
from bot.deps import Deps
from bot.listeners.customers.ids import CustomerForm
from bot.listeners.replies import form_submitted
from core.customers import flows
from core.customers import service as customers


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CustomerForm.ADD.value)(form_submitted(deps, customer_submitted))


def customer_form(deps: Deps, team: str, user: str, company: str = "") -> dict[str, Any]:
    locations = [(name, name) for name in deps.read(team, user, flows.new_customer_locations)]
    blocks = [
        views.text_input("company", "Company", initial=company, optional=True, max_length=200),
        views.text_input("contact", "Contact person", optional=True, max_length=200),
        views.text_input("email", "Email", optional=True, max_length=254),
        views.text_input("phone", "Phone", optional=True, max_length=40),
    ]
    if locations:
        blocks.append(views.select("location", "Location", locations, optional=True))
    blocks.append(views.text_input("notes", "Notes", multiline=True, optional=True, max_length=2000))
    return views.modal(CustomerForm.ADD, "Add a customer", blocks, submit="Add")


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
