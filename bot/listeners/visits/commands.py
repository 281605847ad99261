"""`/visits [mine] [customer] [from <date>] [to <date>]`: the visits still to do (`mine`: those
assigned to the person asking), a page at a time, each with Complete, Skip, Reschedule and Assign."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from bot import messages, pagination, views
from bot.dates import parse_date
from bot.deps import Deps
from bot.listeners.visits.ids import Action
from core.kernel.errors import InvalidInput
from core.visits.flows import VisitList, visit_list, workspace_today

PAGE = 15  # two blocks a visit: the line and its buttons, within 50 blocks a message
_HELP = frozenset({"help", "?"})


def visits_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    if text.lower() in _HELP:
        return messages.message(messages.say("visits_help"))
    today = deps.read(team, user, workspace_today)
    first, _, rest = text.strip().partition(" ")
    mine = first.lower() == "mine"
    customer, from_day, until = parse(rest if mine else text, today)
    assignee = user if mine else None
    found = deps.read(team, user, visit_list, customer, from_day=from_day, until=until, assignee=assignee)
    return listed(found, 0)


def more(deps: Deps, team: str, user: str, offset: int, state: dict[str, Any]) -> dict[str, Any]:
    """The next page: the list is read again from what the More button carried."""
    from_day = date.fromisoformat(state["from"]) if state.get("from") else None
    until = date.fromisoformat(state["to"])
    customer = f"#{state['customer']}" if state.get("customer") else ""
    assignee = user if state.get("mine") else None  # the list of whoever presses More
    found = deps.read(team, user, visit_list, customer, from_day=from_day, until=until, assignee=assignee)
    return listed(found, offset)


def parse(text: str, today: date) -> tuple[str, date | None, date | None]:
    """The customer words and the range: "Acme from tomorrow to in 2 weeks". A trailing "to …" or
    "from …" that is not a date stays part of the name ("Back to Basics")."""
    rest, until = _trailing(text.strip(), "to", today)
    rest, from_day = _trailing(rest, "from", today)
    return rest, from_day, until


def _trailing(text: str, word: str, today: date) -> tuple[str, date | None]:
    found = list(re.finditer(rf"(?:^|\s){word}\s+", text, re.IGNORECASE))
    if not found:
        return text, None
    last = found[-1]
    before, typed = text[: last.start()].strip(), text[last.end() :]
    try:
        return before, parse_date(typed, today, field=word)
    except InvalidInput:
        if not before:  # nothing but the range: the person meant a date
            raise
        return text, None


def listed(found: VisitList, offset: int) -> dict[str, Any]:
    customer = found.customer.label if found.customer else ""
    shown, next_offset = pagination.page(list(found.visits), offset, PAGE)
    if not found.visits:
        text = messages.say(
            "no_visits",
            customer=customer,
            from_day=found.from_day,
            until=found.until,
            mine=found.assignee is not None,
        )
        return messages.message(text)
    heading = messages.say(
        "visits_heading",
        customer=customer,
        from_day=found.from_day,
        until=found.until,
        first=offset + 1,
        last=offset + len(shown),
        total=len(found.visits),
        mine=found.assignee is not None,
    )
    blocks = [views.section(heading)]
    for v in shown:
        blocks.append(views.section(messages.say("visit_line", v=v)))
        blocks.append(_buttons(v.id))
    if found.until > found.planned_until:
        blocks.append(views.context(messages.say("planned_until", day=found.planned_until)))
    if next_offset is not None:
        state = {
            "customer": found.customer.id if found.customer else None,
            "from": found.from_day.isoformat() if found.from_day else None,
            "to": found.until.isoformat(),
            "mine": found.assignee is not None,
        }
        blocks.append(pagination.more_button(Action.MORE, next_offset, state))
    return {"text": heading, "blocks": blocks}


def _buttons(visit_id: int) -> dict[str, Any]:
    value = json.dumps({"visit": visit_id})
    pressed = (
        (Action.COMPLETE, "Complete"),
        (Action.SKIP, "Skip"),
        (Action.RESCHEDULE, "Reschedule"),
        (Action.ASSIGN, "Assign"),
    )
    elements = [
        {"type": "button", "action_id": f"{action}_{visit_id}", "text": views.plain(label), "value": value}
        for action, label in pressed
    ]
    elements[0]["style"] = "primary"
    return {"type": "actions", "block_id": f"visit-{visit_id}", "elements": elements}
