"""/billing: a membership's charges, and recording a payment or a failed one.

`/billing <customer or M-12>` lists the charges (a page at a time) with Paid and Failed buttons for
those who may record payments; `/billing pay C-12 [note]` and `/billing fail C-12 [note]` record by
command. Recording is idempotent in core: marking a paid charge paid again changes nothing, and the
answer says it was already so."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.billing import actions, commands


def register(app: AsyncApp, deps: Deps) -> None:
    actions.register(app, deps)
    commands.register(app, deps)
