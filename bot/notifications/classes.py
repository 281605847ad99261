"""Class notifications: a place freed in a full session went to the first in line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import messages
from bot.notifications.said import Said, named


def waitlist_booked(data: dict[str, Any]) -> Said:
    text = messages.render(
        "class_waitlist_booked",
        customer=named(data["customer"]),
        series=named(data["series"]),
        starts_at=datetime.fromisoformat(data["starts_at"]),
        booking_id=data["booking_id"],
        membership_id=data["membership_id"],
        credit_spent=bool(data["credit_spent"]),
        skipped=[{"customer": named(s["customer"]), "reason": named(s["reason"])} for s in data["skipped"]],
    )
    return Said(text)
