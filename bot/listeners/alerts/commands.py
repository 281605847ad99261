"""`/credits followups` (dispatched from the /credits command): who is above the balance-alert
threshold, the longest without a follow-up first."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot import messages
from bot.deps import Deps
from bot.mrkdwn import escape
from core.credits import alerts as balance_alerts

SHOWN = 40


def follow_ups(deps: Deps, team: str, user: str) -> dict[str, Any]:
    report = deps.read(team, user, balance_alerts.follow_ups)
    rows = [
        {
            **asdict(r),
            "customer": escape(r.customer),
            "balance": f"{r.balance.normalize():f}",
            "note": escape(r.note),
        }
        for r in report.rows[:SHOWN]
    ]
    return messages.message(
        messages.say("follow_ups", rows=rows, currency=report.currency, today=report.today)
    )
