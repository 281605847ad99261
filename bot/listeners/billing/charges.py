"""A page of a membership's (or a customer's) charges, with Paid and Failed buttons for those who
may record payments, and recording one (core makes it idempotent)."""

from __future__ import annotations

import json
import re
from typing import Any

from bot import messages, views
from bot.deps import Deps
from bot.listeners.billing.ids import BillingAction
from bot.mrkdwn import escape
from bot.pagination import more_button, page
from bot.ui.buttons import actions, button
from core.billing import flows as billing
from core.billing.service import UNPAID, ChargeStatus, ChargeView
from core.customers.lookup import the_customer
from core.kernel.money import display

CHARGES_PAGE = 10  # a section and a row of buttons each, with headings: well under 50 blocks
_MEMBERSHIP = re.compile(r"^M-(\d+)$", re.IGNORECASE)
TEXT_MAX = 40_000  # a message's text fallback
_KINDS = {"freeze": "freeze fee", "lock-in": "lock-in fee"}


def record(deps: Deps, team: str, user: str, charge_id: int, to: ChargeStatus, note: str) -> str:
    """Mark the charge paid or failed; what was done, or that it was so already."""
    done = deps.write(team, user, billing.record_payment, charge_id, to, note)
    return messages.say(
        "charge_recorded",
        reference=done.charge.reference,
        membership=f"M-{done.charge.contract_id}",
        amount=display(done.charge.amount, done.currency),
        status=done.charge.status.value,
        already=done.already,
    )


def charges_page(
    deps: Deps, team: str, user: str, query: str, offset: int, *, said: str = ""
) -> dict[str, Any]:
    """The charges of the membership (M-12) or of every membership of the customer, oldest first
    within each membership; unpaid ones with Paid (and, while due, Failed) buttons."""
    found = _MEMBERSHIP.match(query)
    if found:
        charges = deps.read(team, user, billing.membership_charges, int(found.group(1)))
    else:
        # The buttons carry the customer found ("#7"), not the words typed: short, and exact.
        customer_id = deps.read(team, user, the_customer, query).id
        charges, query = deps.read(team, user, billing.customer_charges, customer_id), f"#{customer_id}"
    shown, next_offset = page(charges.rows, offset, CHARGES_PAGE)
    title = messages.say(
        "charges_title",
        customer=escape(charges.whose),
        count=len(charges.rows),
        memberships=charges.memberships,
        offset=offset,
    )
    lines = [said, title] if said else [title]
    blocks = [views.section(line) for line in lines]
    heading = None
    for m, charge in shown:
        if m.id != heading:
            heading = m.id
            text = messages.say(
                "charges_heading", reference=m.reference, plan=escape(m.plan), status=m.status.label
            )
            lines.append(text)
            blocks.append(views.section(text))
        line = _line(charge, charges.currency)
        lines.append(line)
        blocks.append(views.section(line))
        if charges.may_record and charge.status in UNPAID:
            blocks.append(_buttons(charge, query, offset))
    if next_offset is not None:
        blocks.append(more_button(BillingAction.CHARGES_MORE, next_offset, {"q": query}))
    return {"text": "\n".join(lines)[:TEXT_MAX], "blocks": blocks}


def _line(c: ChargeView, currency: str) -> str:
    return messages.say(
        "charge_line",
        reference=c.reference,
        kind=_KINDS.get(c.kind, ""),
        start=c.period_start,
        end=c.period_end,
        amount=display(c.amount, currency),
        setup_fee=display(c.setup_fee, currency) if c.setup_fee > 0 else "",
        due=c.due_on,
        status=c.status.value,
        overdue=c.overdue,
        note=escape(c.note),
    )


def _buttons(c: ChargeView, query: str, offset: int) -> dict[str, Any]:
    value = json.dumps({"charge": c.id, "q": query, "o": offset}, separators=(",", ":"), ensure_ascii=False)
    elements = [button(f"{BillingAction.MARK_PAID}:{c.id}", f"Paid {c.reference}", value, style="primary")]
    if c.status is ChargeStatus.DUE:  # a failed charge has failed already; it can still be paid
        elements.append(button(f"{BillingAction.MARK_FAILED}:{c.id}", "Failed", value))
    return actions(elements, block_id=f"charge-{c.id}")
