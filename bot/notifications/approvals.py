"""A request for a decision once it is decided — a sale (M-12) or a held change (A-3): its message
updated in place with the decision and no buttons, and the line kept in its thread. One wording,
whether it was decided on the message itself or anywhere else (the outbox then updates it:
core/approvals/posts.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import messages
from bot.mrkdwn import escape
from bot.notifications.said import Said
from core.memberships.lifecycle import Status


def decided_message(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The request's message as decided, and the line for its thread. `data` is plain: the
    reference, the outcome (approved or rejected), who decided and the reason; a sale's customer,
    plan, dates and status, or a held change's summary and requester."""
    reason = escape(data.get("reason") or "")
    outcome, by = str(data["outcome"]), str(data["decided_by"])
    audit = messages.say("decided", reference=data["reference"], outcome=outcome, by=by, reason=reason)
    if "status" in data:  # a sale
        end = data.get("end")
        text = messages.render(
            "approval_outcome",
            reference=data["reference"],
            customer=escape(data["customer"]),
            plan=escape(data["plan"]),
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(end) if end else None,
            status=Status(data["status"]).label,
            outcome=outcome.capitalize(),
            by=by,
            reason=reason,
        )
    else:
        text = messages.say(
            "approval_decided",
            reference=data["reference"],
            summary=escape(data["summary"]),
            by=data["requested_by"],
            audit=audit,
        )
    return messages.message(text), audit


def decided(data: dict[str, Any]) -> Said:
    """The outbox's update of the request's message (`data["ts"]`, in the channel it is sent to)."""
    message, audit = decided_message(data)
    return Said(message["text"], message["blocks"], update=str(data["ts"]), thread=audit)
