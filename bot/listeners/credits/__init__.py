"""/credits: a customer's balance, redemption, transfer, history, the Excel export and manual
grants. Anything that changes the ledger is previewed first and done by a Confirm button (or a
form's confirmation) carrying the nonce of an idempotency key, which bot/keys.py binds to the
person pressing: pressing twice, or Slack retrying, changes the ledger once."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.credits import actions, commands, forms


def register(app: AsyncApp, deps: Deps) -> None:
    actions.register(app, deps)
    forms.register(app, deps)
    commands.register(app, deps)
