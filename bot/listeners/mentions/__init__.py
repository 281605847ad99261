"""Mentions and DMs: `@memberbot credits Café Müller`, or the same words in a DM to the app,
answered in the thread as the command with those words would answer."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.mentions import events


def register(app: AsyncApp, deps: Deps) -> None:
    events.register(app, deps)
