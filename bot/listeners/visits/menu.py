"""A visit on the App Home: its line, with a menu to complete, skip, reschedule or assign it (the
same forms as the buttons of /visits)."""

from __future__ import annotations

from typing import Any

from bot import views
from bot.listeners.visits.ids import Action
from bot.mrkdwn import escape
from core.kernel import formats
from core.visits.service import VisitView

CHOICES = (
    (Action.COMPLETE, "Complete"),
    (Action.SKIP, "Skip"),
    (Action.RESCHEDULE, "Reschedule"),
    (Action.ASSIGN, "Assign"),
)


def home_line(v: VisitView) -> str:
    line = f"{formats.moment(v.starts_at)} {escape(v.customer)}: {escape(v.job)} / {escape(v.task)}"
    return line + (f" — <@{v.assignee}>" if v.assignee else "")


def visit_menu(v: VisitView) -> dict[str, Any]:
    options = [views.option(do.value, label) for do, label in CHOICES]  # the visit is in the action id
    return {
        "type": "section",
        "block_id": f"home-visit-{v.id}",
        "text": {"type": "mrkdwn", "text": f"• {home_line(v)}"},
        "accessory": {"type": "overflow", "action_id": f"{Action.MENU}_{v.id}", "options": options},
    }
