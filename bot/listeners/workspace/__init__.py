"""The workspace in Slack: its settings and staff roles, forms for admins opened from the App Home."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.workspace import forms


def register(app: AsyncApp, deps: Deps) -> None:
    forms.register(app, deps)
