"""Customers in Slack: /customers (search, add), its More button, the add-a-customer form."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.customers import actions, commands, forms


def register(app: AsyncApp, deps: Deps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    forms.register(app, deps)
