"""Workflow Builder custom steps: "Sell a membership", "Grant credits" and "Check a customer's
credits" in the workflows admins build. Each runs the same core flow as its command, for the
person the workflow names as running it (the `actor` input), so roles and approvals hold as they
do in /membership and /credits.

A step completes with outputs later steps can use, or fails with the refusal in words (a missing
role, a customer who cannot be found). Slack delivers `function_executed` again when it believes a
delivery failed; the writes are keyed by the function execution (bot/once.py), so a retry sells
or grants nothing twice and completes with the first answer."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.workflows import steps


def register(app: AsyncApp, deps: Deps) -> None:
    steps.register(app, deps)
