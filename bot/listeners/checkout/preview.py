"""The preview of an invoice in words, and its buttons carrying the draft."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from bot import messages
from bot.limits import BUTTON_VALUE
from bot.listeners.checkout.draft import SLACK_LINES, Draft
from bot.listeners.checkout.ids import CheckoutAction
from bot.mrkdwn import escape
from bot.ui.buttons import actions, button
from core.checkout import flows
from core.checkout.benefits import Breakdown, Kind, Order
from core.checkout.flows import fingerprint
from core.kernel import formats
from core.kernel.errors import InvalidInput

REMOVE_BUTTONS = 23  # an actions block holds 25 elements: Post, the monetary credit, the removals


def preview_message(draft: Draft, shown: flows.Preview, *, said: str = "") -> dict[str, Any]:
    """The breakdown, with Post and (discounts first) Remove discount buttons carrying the draft."""
    breakdown = shown.breakdown
    draft = replace(draft, seen=fingerprint(breakdown))
    text = messages.say(
        "checkout_preview",
        said=said,
        breakdown=breakdown_text(shown.currency, breakdown, draft.reference, shown.customer, shown.location),
        manual=breakdown.order is Order.MANUAL,  # choosing benefits by hand is not offered in Slack yet
    )
    reply = messages.message(text)
    encoded = draft.encoded()
    buttons = [
        draft_button(CheckoutAction.POST, messages.say("checkout_post_button"), encoded, style="primary")
    ]
    if not draft.money or breakdown.total(Kind.MONEY) + breakdown.total(Kind.CARD) > 0:
        label = messages.say("checkout_money_button", keep=draft.money)
        buttons.append(draft_button(CheckoutAction.MONEY, label, {**encoded, "m": int(not draft.money)}))
    if breakdown.order is Order.DISCOUNTS_FIRST:
        for result in breakdown.lines:
            for a in result.applied:
                if a.discount_id is not None and len(buttons) <= REMOVE_BUTTONS:
                    label = messages.say("checkout_remove_button", n=result.line.number)
                    buttons.append(
                        draft_button(
                            f"{CheckoutAction.REMOVE_DISCOUNT}-{result.line.number}",
                            label,
                            {**encoded, "x": [result.line.number, a.discount_id]},
                        )
                    )
    reply["blocks"].append(actions(buttons, block_id="checkout"))
    return reply


def draft_button(
    action_id: str, label: str, value: dict[str, Any], *, style: str | None = None
) -> dict[str, Any]:
    """A button carrying the draft (or a points conversion): refused when it outgrows Slack's value."""
    encoded = json.dumps(value, separators=(",", ":"))
    if len(encoded) > BUTTON_VALUE:
        raise InvalidInput.single("lines", messages.say("checkout_too_many_lines", most=SLACK_LINES))
    return button(action_id, label, encoded, style=style)


def breakdown_text(
    currency: str, b: Breakdown, reference: str, customer: str = "", location: str = "", *, status: str = ""
) -> str:
    """The breakdown in words (customer and location when the invoice is being checked out)."""

    def money(value: Decimal) -> str:
        return formats.money(value, currency)

    lines = [
        messages.say(
            "checkout_line",
            number=r.line.number,
            name=escape(r.line.name),
            quantity=r.line.quantity,
            unit_price=money(r.line.unit_price),
            gross=money(r.line.gross),
            benefits=[
                messages.say(
                    "checkout_applied",
                    kind=a.kind.value,
                    amount=money(a.amount),
                    units=a.units,
                    rule=escape(a.rule),
                )
                for a in r.applied
            ],
            removed=bool(r.removed),
            due=money(r.due),
        )
        for r in b.lines
    ]
    return messages.say(
        "checkout_breakdown",
        reference=reference,
        status=status,
        customer=escape(customer),
        location=escape(location),
        order=b.order.label,
        lines=lines,
        gross=b.gross,
        benefits=b.gross - b.due,
        due=b.due,
        points=b.points,
        points_rule=escape(b.points_rule),
        notes=[escape(n) for n in b.notes],
        currency=currency,
    )
