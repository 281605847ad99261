"""/classes: the classes running and their next sessions, and the verbs that name the rest (book,
wait, leave, waitlist, roster, bookings, cancel, rules, new)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages, pagination
from bot.deps import Deps
from bot.listeners.classes.forms import new_class
from bot.listeners.classes.ids import ClassesAction
from bot.listeners.classes.requests import Request
from bot.listeners.classes.roster import as_shown
from bot.listeners.replies import Modal, slash_command
from bot.mrkdwn import escape
from core.classes import flows

SERIES_PAGE = 10  # classes per page of /classes
NEXT_SESSIONS = 3  # sessions shown per class
_BOOKING = re.compile(r"^(?:B-?)?(\d+)$", re.IGNORECASE)


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/classes")(slash_command(deps, "/classes", classes_reply))


def classes_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal:
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if not text:
        return class_list(deps, team, user, 0)
    if verb == "new":
        return new_class(deps, team, user)
    if verb == "book" and rest:
        return Request.parse("book", rest, deps, team, user).run(deps, team, user)
    if verb in ("roster", "waitlist", "wait", "leave") and rest:
        return Request.parse(verb, rest, deps, team, user).run(deps, team, user)
    if verb == "bookings" and rest:
        return Request("bookings", customer=rest).run(deps, team, user)
    if verb == "cancel" and rest:
        return cancel(deps, team, user, rest)
    if verb == "rules" and rest:
        name, colon, wanted = rest.partition(":")
        return Request(
            "rules", series=name.strip(), plans=wanted.strip() if colon and wanted.strip() else None
        ).run(deps, team, user)
    return messages.message(messages.say("classes_help"))


def class_list(deps: Deps, team: str, user: str, offset: int) -> dict[str, Any]:
    table = deps.read(team, user, flows.timetable, offset, SERIES_PAGE, NEXT_SESSIONS)
    shown, next_offset = pagination.page(table.series, offset, SERIES_PAGE)
    rows = [
        {
            "name": escape(s.name),
            "location": escape(s.location),
            "schedule": s.schedule_text,
            "capacity": s.capacity,
            "plans": [escape(p) for p in s.plans],
            "sessions": table.upcoming[s.id],  # each with its places left and how many wait
        }
        for s in shown
    ]
    total = len(table.series)
    text = messages.say("class_list", rows=rows, first=offset + 1, last=offset + len(shown), total=total)
    reply = messages.message(text)
    if next_offset is not None:
        reply["blocks"].append(pagination.more_button(ClassesAction.LIST_MORE, next_offset))
    return reply


def cancel(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    reference, _, reason = text.partition(" ")
    found = _BOOKING.match(reference)
    if found is None:
        return messages.message(messages.say("not_a_booking", text=escape(reference)))
    done = deps.write(team, user, flows.cancel_booking, int(found.group(1)), reason.strip())
    said = messages.say("booking_cancelled", b=as_shown(done.booking), cutoff=done.cutoff_hours)
    return messages.message(said)
