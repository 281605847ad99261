"""`/credits followups` (dispatched from the /credits command): who is above the balance-alert
threshold, the longest without a follow-up first."""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.deps import Deps
from bot.mrkdwn import escape, escape_controls
from core.credits import alerts as balance_alerts

SHOWN = 40


def follow_ups(deps: Deps, team: str, user: str) -> dict[str, Any]:
    report = deps.read(team, user, balance_alerts.follow_ups)
    lines = []
    for r in report.rows[:SHOWN]:
        last = (
            f"last follow-up {r.followed_up_at:%d %b} by <@{r.followed_up_by}>: {escape(r.note)}"
            if r.followed_up_at
            else "no follow-up yet"
        )
        snoozed = ""
        if r.snoozed_until and r.snoozed_until > report.today:
            snoozed = f" (snoozed until {r.snoozed_until:%d %b})"
        amount = f"{r.balance.normalize():f} {report.currency}"
        lines.append(f"*{escape_controls(r.customer)}*: {amount} since {r.opened_on:%d %b} — {last}{snoozed}")
    return messages.message(messages.say("follow_ups", rows=lines))
