"""The catalogue in Slack: /services (list, add, edit, disable, enable, price, templates), its More
button, and the service and equality-template forms."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.catalog import actions, commands, forms


def register(app: AsyncApp, deps: Deps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    forms.register(app, deps)
