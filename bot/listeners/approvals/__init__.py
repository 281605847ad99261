"""Changes held by an approval policy (core/approvals/policy.py): the request is posted with
Approve and Reject; a manager or admin other than the requester decides (core decides who)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.approvals import actions, forms


def register(app: AsyncApp, deps: Deps) -> None:
    actions.register(app, deps)
    forms.register(app, deps)
