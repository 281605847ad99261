"""/classes: the classes running and their next sessions, setting one up (managers, with a form),
booking a member in, cancelling a booking, the roster with attendance buttons, and a member's
bookings. Core decides everything — who may book, with which membership, what a cancellation
costs — and a refusal is an ephemeral reply that writes nothing."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.classes import actions, commands, forms


def register(app: AsyncApp, deps: Deps) -> None:
    commands.register(app, deps)
    forms.register(app, deps)
    actions.register(app, deps)
