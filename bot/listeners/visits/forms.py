"""The form behind each visit's buttons: a note to complete it, a reason to skip it, a new day to
reschedule it, the person to assign it to. The answer goes to whoever pressed, where they pressed it."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import messages, views
from bot.deps import Deps
from bot.listeners.visits.ids import Action, Form
from core.kernel.errors import InvalidInput
from core.visits import service as visits
from core.visits.service import VisitView

TITLES = {
    Action.COMPLETE: "Complete a visit",
    Action.SKIP: "Skip a visit",
    Action.RESCHEDULE: "Reschedule",
    Action.ASSIGN: "Assign a visit",
}
SUBMITS = {
    Action.COMPLETE: "Complete",
    Action.SKIP: "Skip",
    Action.RESCHEDULE: "Move",
    Action.ASSIGN: "Assign",
}


def form(deps: Deps, team: str, user: str, do: Action, visit_id: int, channel: str) -> dict[str, Any]:
    v = deps.read(team, user, visits.get, visit_id)
    blocks = [views.section(messages.say("visit_summary", v=v))]
    if do is Action.COMPLETE:
        blocks.append(views.text_input("note", "Note", multiline=True, optional=True, max_length=1000))
    elif do is Action.SKIP:
        blocks.append(views.text_input("note", "Reason", multiline=True, max_length=1000))
    elif do is Action.ASSIGN:
        label = "Technician or staff member (empty: nobody)"
        blocks.append(views.picker("assignee", label, "users_select", initial=v.assignee, optional=True))
    else:
        blocks.append(views.date_input("date", "New day", initial=v.due_on))
    metadata = {"visit": visit_id, "do": do.value, "channel": channel}
    return views.modal(Form.CLOSE, TITLES[do], blocks, submit=SUBMITS[do], metadata=metadata)


def submitted(deps: Deps, team: str, user: str, view: dict[str, Any]) -> str:
    """Does what the form asks; returns what to tell the person."""
    meta, typed = views.metadata(view), views.values(view)
    do, visit_id = Action(meta["do"]), int(meta["visit"])
    if do is Action.COMPLETE:
        done = deps.write(team, user, visits.complete, visit_id, typed["note"])
        return messages.say("visit_completed", v=done)
    if do is Action.SKIP:
        return messages.say("visit_skipped", v=deps.write(team, user, visits.skip, visit_id, typed["note"]))
    if do is Action.ASSIGN:
        chosen = str(typed.get("assignee") or "") or None
        return messages.say("visit_assigned", v=deps.write(team, user, visits.assign, visit_id, chosen))
    moved: VisitView = deps.write(team, user, visits.reschedule, visit_id, _day(typed.get("date", "")))
    return messages.say("visit_rescheduled", v=moved)


def _day(chosen: str) -> date:
    if not chosen:
        raise InvalidInput.single("date", "Choose the day the visit moves to.")
    return date.fromisoformat(chosen)
