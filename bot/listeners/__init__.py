"""Every listener, registered by surface. Each parses the request, calls core, renders the answer."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners import credits


def register_listeners(app: AsyncApp, deps: Deps) -> None:
    credits.register(app, deps)
