"""Shortcuts: the global ones open the forms of their commands; the message ones find the customer
a message names and answer as the command would for that customer."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.shortcuts import listeners


def register(app: AsyncApp, deps: Deps) -> None:
    listeners.register(app, deps)
