"""A sale as Slack shows it: the request for approval posted with Approve and Reject (where core
says: the approvals channel, or where it was sold), and the message once it is decided."""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.listeners.approvals import decisions
from bot.listeners.memberships.ids import MembershipAction
from bot.mrkdwn import escape
from bot.notifications.approvals import decided_message
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
            billing=plan.terms.billing_type.label,
        )
    )
    buttons = decisions.buttons(MembershipAction.APPROVE, MembershipAction.REJECT, m.id)
    post["blocks"].append({"type": "actions", "block_id": f"approval-{m.id}", "elements": buttons})
    return {"channel": sale.channel or here, "reference": m.reference, **post}


def decided(done: Decided, by: str) -> dict[str, Any]:
    """The request updated in place, the line for its thread, and whom to tell (the seller)."""
    m = done.membership
    message, audit = decided_message(
        {
            "reference": m.reference,
            "customer": m.customer,
            "plan": done.plan,
            "start": m.start.isoformat(),
            "end": m.end.isoformat() if m.end else None,
            "status": m.status.value,
            "outcome": "approved" if done.approved else "rejected",
            "decided_by": by,
            "reason": done.reason,
        }
    )
    return {
        "message": message,
        "tell": m.seller,
        "reference": m.reference,
        "audit": audit,
        "posted": done.posted,
    }
