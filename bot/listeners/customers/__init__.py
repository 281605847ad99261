"""Customers in Slack: /customers (search, add, edit, merge), its buttons, the customer forms."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.customers import actions, commands, forms, merge


def register(app: AsyncApp, deps: Deps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    forms.register(app, deps)
    merge.register(app, deps)
