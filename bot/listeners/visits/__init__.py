"""/visits: the dated services memberships include, and the buttons that complete, skip or move
them (core/visits)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.replies import slash_command
from bot.listeners.visits import actions, commands


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/visits")(slash_command(deps, "/visits", commands.visits_reply))
    actions.register(app, deps)
