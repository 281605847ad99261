"""Membership notifications: one nearing its end, with the command that renews it."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import messages
from bot.notifications.said import Said, named


def ending(data: dict[str, Any]) -> Said:
    text = messages.render(
        "membership_ending",
        customer=named(data["customer"]),
        contract_id=data["contract_id"],
        ends_on=date.fromisoformat(data["ends_on"]),
    )
    return Said(text)
