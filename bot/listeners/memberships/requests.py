"""A sale as Slack shows it: the request for approval posted with Approve and Reject (where core
says: the approvals channel, or where it was sold), and the message once it is decided."""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.listeners.approvals import decisions
from bot.listeners.memberships.ids import MembershipAction
from bot.mrkdwn import escape
from core.memberships.flows import Decided, Sale


def sale_request(sale: Sale, here: str) -> dict[str, Any]:
    """The message asking for a decision (posted in core's channel for it, or `here`)."""
    m, plan = sale.membership, sale.plan
    post = messages.message(
        messages.render(
            "approval_request",
            m=m,
            customer=escape(sale.customer),
            plan=escape(plan.name),
            price=plan.terms.price,
            currency=sale.currency,
            billing=plan.terms.billing_type.value,
        )
    )
    buttons = decisions.buttons(MembershipAction.APPROVE, MembershipAction.REJECT, m.id)
    post["blocks"].append({"type": "actions", "block_id": f"approval-{m.id}", "elements": buttons})
    return {"channel": sale.channel or here, **post}


def decided(done: Decided, by: str) -> dict[str, Any]:
    """The request updated in place, the line for its thread, and whom to tell (the seller)."""
    m, reason = done.membership, escape(done.reason)
    outcome = "Approved" if done.approved else "Rejected"
    message = messages.message(
        messages.render(
            "approval_outcome",
            m=m,
            customer=escape(m.customer),
            plan=escape(done.plan),
            outcome=outcome,
            by=by,
            reason=reason,
        )
    )
    audit = messages.say("decided", reference=m.reference, outcome=outcome.lower(), by=by, reason=reason)
    return {"message": message, "tell": m.seller, "reference": m.reference, "audit": audit}
