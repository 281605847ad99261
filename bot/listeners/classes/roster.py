"""A session's roster, a page at a time, with Attended and No-show buttons; recording attendance."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from bot import messages, pagination, views
from bot.deps import Deps
from bot.listeners.classes.ids import ClassesAction
from bot.mrkdwn import escape
from bot.ui.buttons import actions, button
from core.classes import flows
from core.classes.rules import CANCELLED, BookingStatus
from core.classes.service import BookingView, SeriesView

ROSTER_PAGE = 15  # two blocks a booking: the line and its buttons, within 50 blocks a message


def roster_of(deps: Deps, team: str, user: str, series: SeriesView, on: date | None) -> dict[str, Any]:
    found = deps.read(team, user, flows.roster_of, series.id, on)
    if found is None:  # no session that day (without one: none today, none still to come)
        return no_session(series, on, upcoming=on is None)
    return _roster_reply(found, 0)


def roster_page(
    deps: Deps, team: str, user: str, session_id: int, offset: int, note: str = ""
) -> dict[str, Any]:
    """The session's bookings a page at a time, each with Attended and No-show buttons (not for
    cancelled ones); the buttons carry the page, so the roster comes back where it was."""
    return _roster_reply(deps.read(team, user, flows.roster, session_id), offset, note)


def _roster_reply(found: flows.Roster, offset: int, note: str = "") -> dict[str, Any]:
    session, session_id = found.session, found.session.id
    everyone = [as_shown(b) for b in found.bookings]
    shown, next_offset = pagination.page(everyone, offset, ROSTER_PAGE)
    heading = messages.say(
        "roster_heading",
        name=escape(session.series),
        location=escape(session.location),
        starts_at=session.starts_at,
        taken=session.taken,
        capacity=session.capacity,
        note=note,
        waiting=session.waiting,
    )
    blocks = [views.section(heading)]
    if not everyone:
        blocks.append(views.section(messages.say("roster_empty")))
    for b in shown:
        blocks.append(views.section(messages.say("roster_line", b=b)))
        if b.status not in CANCELLED:
            value = json.dumps({"booking": b.id, "offset": offset})
            elements = [
                button(f"{ClassesAction.ATTENDED}_{b.id}", "Attended", value),
                button(f"{ClassesAction.NO_SHOW}_{b.id}", "No-show", value),
            ]
            blocks.append(actions(elements, block_id=f"attendance-{b.id}"))
    if next_offset is not None:
        blocks.append(pagination.more_button(ClassesAction.ROSTER_MORE, next_offset, {"session": session_id}))
    return {"text": heading, "blocks": blocks}


def record(
    deps: Deps, team: str, user: str, booking_id: int, status: BookingStatus, offset: int
) -> dict[str, Any]:
    done = deps.write(team, user, flows.mark_attendance, booking_id, status)
    note = messages.say("attendance_recorded", b=as_shown(done.booking))
    return _roster_reply(done.roster, offset, note)


def no_session(series: SeriesView, on: date | None, *, upcoming: bool) -> dict[str, Any]:
    return messages.message(messages.say("no_session", name=escape(series.name), on=on, upcoming=upcoming))


def as_shown(booking: BookingView) -> BookingView:
    """A booking as messages show it (core gives its local time): names escaped."""
    return replace(booking, customer=escape(booking.customer), series=escape(booking.series))
