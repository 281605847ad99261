"""Balance alerts (core/credits/alerts.py, worded in bot/notifications/credits.py): the alert's
buttons (actions.py), the follow-up form (forms.py) and the `/credits followups` report
(commands.py, answered from the /credits command)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.alerts import actions, forms


def register(app: AsyncApp, deps: Deps) -> None:
    actions.register(app, deps)
    forms.register(app, deps)
