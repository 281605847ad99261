"""/checkout: what a member pays for a visit. The command previews the invoice (core/checkout:
credits, discount, monetary credit and points, each with the rule that produced it) and writes
nothing; its Post button posts it once however often it is pressed; "Remove discount" (where the
location applies discounts first) takes a discount off a line for good; "Keep monetary credit"
previews it again with the member's monetary credit kept for later. A line may leave out its
price (the catalogue's) and sell a prepaid card (`prepaid card @ 225`). Also: void, show, points
conversion, the location's order of benefits, and a form when the command says too little. Not
yet: choosing benefits by hand in a manual-order location (the preview says so).

The buttons carry the draft itself (draft.py): an ephemeral message has no metadata Slack sends
back."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.checkout import actions, commands, forms


def register(app: AsyncApp, deps: Deps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    forms.register(app, deps)
