"""The App Home: published when opened, and again for the managers when what waits for them
changes (bot.listeners.memberships calls `refresh_approvers`); its buttons open the common forms."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.home import actions, events
from bot.listeners.home.view import publish, refresh_approvers

__all__ = ["publish", "refresh_approvers", "register"]


def register(app: AsyncApp, deps: Deps) -> None:
    events.register(app, deps)
    actions.register(app, deps)
