"""Visit notifications: the next day's service visits, to the operations channel."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot import messages
from bot.notifications.said import Said, named


def services_tomorrow(data: dict[str, Any]) -> Said:
    shown = [
        {
            "starts_at": datetime.fromisoformat(v["starts_at"]),
            "customer": named(v["customer"]),
            "job": named(v["job"]),
            "task": named(v["task"]),
        }
        for v in data["visits"]
    ]
    text = messages.render(
        "services_tomorrow", day=date.fromisoformat(data["day"]), visits=shown, count=data["count"]
    )
    return Said(text)
