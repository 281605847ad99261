"""/revenue: the deferred revenue report (a command only)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.revenue import commands


def register(app: AsyncApp, deps: Deps) -> None:
    commands.register(app, deps)
