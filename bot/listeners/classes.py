"""/classes: the classes running and their next sessions, setting one up (managers, with a form),
booking a member in, cancelling a booking, the roster with attendance buttons, and a member's
bookings. Core decides everything — who may book, with which membership, what a cancellation
costs — and a refusal is an ephemeral reply that writes nothing.

Booking is idempotent in core (a member is booked into a session once, however often asked), and
so are cancelling and recording attendance: a button pressed twice, or a request Slack retries,
changes nothing the second time. An ambiguous customer or class is answered with a pick list whose
buttons carry what is already known; pressing one runs the request again with the choice made."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages, pagination, views
from bot.dates import parse_date
from bot.deps import Deps
from bot.listeners.replies import Modal, answer, slash_command, submission
from bot.mrkdwn import escape
from core.classes import flows
from core.classes import service as classes
from core.classes.rules import CANCELLED, DEFAULT_CUTOFF_HOURS, BookingStatus, names_match
from core.classes.service import BookingView, SeriesTerms, SeriesView
from core.context import Ctx
from core.customers import service as customers
from core.customers.lookup import find_customer
from core.kernel.errors import Errors, InvalidInput, MemberbotError, NotFound
from core.kernel.recurrence import Weekly
from core.kernel.text import fold
from core.workspace import roles
from core.workspace.roles import Action

NEW_FORM = "classes_new"
CREATED = "classes_created"
PICK = "classes_pick"
LIST_MORE, ROSTER_MORE = "classes_list_more", "classes_roster_more"
ATTENDED, NO_SHOW = "classes_attended", "classes_no_show"
SERIES_PAGE = 10  # classes per page of /classes
NEXT_SESSIONS = 3  # sessions shown per class
ROSTER_PAGE = 15  # two blocks a booking: the line and its buttons, within 50 blocks a message
PICKS = 10  # buttons in a pick list
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_START = "18:00"
_BOOKING = re.compile(r"^(?:B-?)?(\d+)$", re.IGNORECASE)
_ON = re.compile(r"^(.*\S)\s+on\s+(\S.*)$", re.IGNORECASE)
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/classes")(slash_command(deps, "/classes", classes_reply))

    @app.view(NEW_FORM)
    async def new_class_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        outcome = await asyncio.to_thread(submission, lambda: create_from_form(deps, team, user, view), view)
        await ack(**(outcome or {}))

    @app.action(re.compile(rf"^{PICK}_\d+$"))
    async def picked(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request = json.loads(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: Request.read(request).run(deps, team, user))
        await respond(replace_original=True, **reply)

    @app.action(LIST_MORE)
    async def more_classes(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        offset, _ = pagination.read_more(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: class_list(deps, team, user, offset))
        await respond(replace_original=True, **reply)

    @app.action(ROSTER_MORE)
    async def more_roster(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        offset, state = pagination.read_more(body["actions"][0]["value"])
        reply = await asyncio.to_thread(
            answer,
            lambda: roster_page(deps, team, user, int(state["session"]), offset),
        )
        await respond(replace_original=True, **reply)

    for action_id, status in ((ATTENDED, BookingStatus.ATTENDED), (NO_SHOW, BookingStatus.NO_SHOW)):
        # Slack wants each action id once in a message: one per booking, told apart by its suffix.
        app.action(re.compile(rf"^{action_id}_\d+$"))(_attendance(deps, status))


def _attendance(deps: Deps, status: BookingStatus) -> Any:
    async def handle(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Record it and show the roster again in place; a refusal comes as a message of its own,
        so the roster stays on screen."""
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        pressed = json.loads(body["actions"][0]["value"])
        refused: list[str] = []

        def work() -> dict[str, Any]:
            try:
                return record(
                    deps, team, user, int(pressed["booking"]), status, int(pressed.get("offset", 0))
                )
            except MemberbotError as exc:
                refused.append(exc.message)
                return {}

        reply = await asyncio.to_thread(answer, work)
        if refused:
            await respond(replace_original=False, response_type="ephemeral", **messages.message(refused[0]))
        else:
            await respond(replace_original=True, **reply)

    return handle


# --- the command ---------------------------------------------------------------------------------


def classes_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal:
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if not text:
        return class_list(deps, team, user, 0)
    if verb == "new":
        return new_class(deps, team, user)
    if verb == "book" and rest:
        return Request.parse("book", rest, deps, team, user).run(deps, team, user)
    if verb == "roster" and rest:
        return Request.parse("roster", rest, deps, team, user).run(deps, team, user)
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
            "sessions": table.upcoming[s.id],
        }
        for s in shown
    ]
    total = len(table.series)
    text = messages.say("class_list", rows=rows, first=offset + 1, last=offset + len(shown), total=total)
    reply = messages.message(text)
    if next_offset is not None:
        reply["blocks"].append(pagination.more_button(LIST_MORE, next_offset))
    return reply


# --- setting up a class --------------------------------------------------------------------------


def new_class(deps: Deps, team: str, user: str) -> Modal:
    """Refused at once for those who may not set up classes; the form otherwise."""
    deps.read(team, user, roles.require, Action.MANAGE_CLASSES)
    return Modal("New class", lambda: new_class_form(deps, team, user))


def new_class_form(deps: Deps, team: str, user: str) -> dict[str, Any]:
    choices = deps.read(team, user, flows.class_choices)
    places = [(str(ident), name) for ident, name in choices.locations]
    sold = [(str(ident), name) for ident, name in choices.plans]
    today = choices.today
    if not places:
        raise NotFound("A class runs at a location, and this workspace has none yet.", "location")
    blocks = [
        views.text_input("name", "Name", max_length=classes.NAME_MAX),
        views.select("location", "Location", places, initial=places[0][0] if len(places) == 1 else None),
        views.checkboxes("weekdays", "Days of the week", [(str(i), d) for i, d in enumerate(WEEKDAYS)]),
        _timepicker("start_time", "Start time", DEFAULT_START),
        views.date_input("starts_on", "First day", initial=today),
        views.date_input("ends_on", "Last day", optional=True),
        views.text_input("capacity", "Places", max_length=4),
        views.text_input("duration_minutes", "Length in minutes", initial="60", max_length=4),
        views.text_input(
            "cancel_cutoff_hours",
            "Cancellation cut-off in hours",
            initial=str(DEFAULT_CUTOFF_HOURS),
            max_length=4,
            hint="Cancelled later than this before the start, the credit is kept.",
        ),
    ]
    if sold:
        blocks.append(_multi_select("plans", "Plans that may book", sold, hint="None chosen: every plan."))
    return views.modal(NEW_FORM, "New class", blocks, submit="Set up")


def create_from_form(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """The form's values as core's terms (a number that is not one is named under its field), the
    class set up, and the form replaced by what was done."""
    chosen = views.values(view)
    errors = Errors()
    capacity = _whole(errors, "capacity", chosen.get("capacity", ""), "The number of places")
    minutes = _whole(errors, "duration_minutes", chosen.get("duration_minutes", ""), "The length")
    cutoff = _whole(errors, "cancel_cutoff_hours", chosen.get("cancel_cutoff_hours", ""), "The cut-off")
    starts_at = _selected_time(errors, view, "start_time")
    if not chosen.get("location"):
        errors.add("location", "Choose the location.")
    if not chosen.get("starts_on"):
        errors.add("starts_on", "Choose the first day.")
    errors.raise_if_any()
    picked_plans = tuple(int(p) for p in chosen.get("plans") or ())
    terms = SeriesTerms(
        name=chosen.get("name", ""),
        location_id=int(chosen["location"]),
        schedule=Weekly(1, tuple(int(d) for d in chosen.get("weekdays") or ())),
        starts_on=date.fromisoformat(chosen["starts_on"]),
        start_time=starts_at,
        capacity=capacity,
        duration_minutes=minutes,
        ends_on=date.fromisoformat(chosen["ends_on"]) if chosen.get("ends_on") else None,
        plan_ids=picked_plans or None,
        cancel_cutoff_hours=cutoff,
    )
    done = deps.write(team, user, flows.set_up_class, terms)
    made = done.series
    said = messages.say(
        "class_created",
        name=escape(made.name),
        location=escape(made.location),
        schedule=made.schedule_text,
        first=done.first,
    )
    return {
        "response_action": "update",
        "view": views.modal(CREATED, "New class", [views.section(said)], submit=None),
    }


def _timepicker(block_id: str, label: str, initial: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": views.plain(label),
        "element": {"type": "timepicker", "action_id": block_id, "initial_time": initial},
        "optional": False,
    }


def _multi_select(block_id: str, label: str, options: list[tuple[str, str]], *, hint: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": views.plain(label),
        "element": {
            "type": "multi_static_select",
            "action_id": block_id,
            "options": [views.option(v, t) for v, t in options][: views.OPTIONS_MAX],
        },
        "optional": True,
        "hint": views.plain(hint),
    }


def _selected_time(errors: Errors, view: dict[str, Any], block_id: str) -> time:
    """A timepicker's "HH:mm" (views.values reads the other inputs)."""
    state = view.get("state", {}).get("values", {}).get(block_id, {}).get(block_id, {})
    found = _TIME.match(str(state.get("selected_time") or ""))
    if found is None:
        errors.add(block_id, "Choose the start time.")
        return time(0)
    return time(int(found.group(1)), int(found.group(2)))


def _whole(errors: Errors, block_id: str, text: str, label: str) -> int:
    if not text.isdigit():
        errors.add(
            block_id, f"{label} must be a whole number, not “{text}”." if text else f"{label} is needed."
        )
        return 0
    return int(text)


# --- book, roster and bookings: what was asked, resolved one ambiguity at a time -----------------


@dataclass
class Request:
    """A customer and a class as typed (text) or as chosen from a pick list (ids), and the day."""

    verb: str  # "book", "roster" or "bookings"
    customer: str | int | None = None
    series: str | int | None = None
    on: date | None = None
    plans: str | None = None  # rules: the plans as typed ("Gold, Silver", "every plan"); None: show them

    @classmethod
    def parse(cls, verb: str, text: str, deps: Deps, team: str, user: str) -> Request:
        """`<customer> <class> [on <date>]` for book, `<class> [on <date>]` for roster. The class
        is the longest end of the words that names one; the customer is what comes before it."""
        known = deps.read(team, user, flows.known_classes)
        words, on = text, None
        found = _ON.match(text)
        if found is not None:
            words, on = found.group(1), parse_date(found.group(2), known.today, field="on")
        if verb == "roster":
            return cls(verb, series=words, on=on)
        split = words.split()
        names = [fold(s.name) for s in known.series]
        for cut in range(1, len(split)):
            tail = fold(" ".join(split[cut:]))
            if any(names_match(tail, name) for name in names):
                return cls(verb, customer=" ".join(split[:cut]), series=" ".join(split[cut:]), on=on)
        raise InvalidInput.single(
            "series",
            f"Say who and which class: `/classes book <customer> <class>` (“{text}” names no class).",
        )

    @classmethod
    def read(cls, value: dict[str, Any]) -> Request:
        on = value.get("on")
        return cls(
            str(value["verb"]),
            customer=value.get("customer"),
            series=value.get("series"),
            on=date.fromisoformat(on) if on else None,
            plans=value.get("plans"),
        )

    def value(self, **chosen: int) -> str:
        data = {"verb": self.verb, "customer": self.customer, "series": self.series, "plans": self.plans}
        data.update(chosen)
        if self.on is not None:
            data["on"] = self.on.isoformat()
        return json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))

    def run(self, deps: Deps, team: str, user: str) -> dict[str, Any]:
        series = self._series(deps, team, user) if self.verb in ("book", "roster", "rules") else None
        if isinstance(series, dict):
            return series
        if series is not None:
            self.series = series.id  # a pick list for the customer keeps the class chosen
        customer = deps.read(team, user, self._customer) if self.verb in ("book", "bookings") else None
        if isinstance(customer, dict):
            return customer
        if self.verb == "roster" and series is not None:
            return roster_of(deps, team, user, series, self.on)
        if self.verb == "rules" and series is not None:
            return session_rules(deps, team, user, series, self.plans)
        if self.verb == "bookings" and customer is not None:
            return bookings(deps, team, user, customer)
        assert series is not None and customer is not None
        return book(deps, team, user, customer, series, self.on)

    def _series(self, deps: Deps, team: str, user: str) -> SeriesView | dict[str, Any]:
        if isinstance(self.series, int):
            return deps.read(team, user, classes.get_series, self.series)
        typed = str(self.series or "")
        found = deps.read(team, user, flows.find_classes, typed)
        if len(found) == 1:
            return found[0]
        if not found:
            return messages.message(messages.say("no_class", query=escape(typed)))
        options = [(s.id, f"{s.name} ({s.location})") for s in found[:PICKS]]
        return self._pick(messages.say("several_classes", query=escape(typed)), "series", options)

    def _customer(self, ctx: Ctx) -> customers.CustomerView | dict[str, Any]:
        if isinstance(self.customer, int):
            return customers.get_customer(ctx, self.customer)
        typed = str(self.customer or "")
        found = find_customer(ctx, typed, choices=PICKS)
        if found.customer is not None:
            return found.customer
        if not found.matches:
            return messages.message(messages.say("no_customer", query=escape(typed)))
        options = [(c.id, c.label) for c in found.matches]
        return self._pick(messages.say("pick_customer_for", query=escape(typed)), "customer", options)

    def _pick(self, text: str, key: str, options: list[tuple[int, str]]) -> dict[str, Any]:
        reply = messages.message(text)
        buttons = [
            {
                "type": "button",
                "action_id": f"{PICK}_{n}",
                "text": views.plain(label[: views.OPTION_TEXT_MAX]),
                "value": self.value(**{key: ident}),
            }
            for n, (ident, label) in enumerate(options)
        ]
        reply["blocks"].append({"type": "actions", "elements": buttons})
        return reply


def book(
    deps: Deps, team: str, user: str, customer: customers.CustomerView, series: SeriesView, on: date | None
) -> dict[str, Any]:
    booked = deps.write(team, user, flows.book_class, series.id, customer.id, on)
    if booked is None:
        return _no_session(series, on, upcoming=True)
    said = messages.say(
        "class_booked",
        b=_shown(booked.booking),
        left=booked.seats_left,
        membership=f"{booked.membership} ({escape(booked.plan)})",
        spent=booked.booking.credit_spent,
        credits_left=f"{booked.credits_left.normalize():f}",
    )
    return messages.message(said)


EVERY_PLAN = frozenset({"every plan", "every", "all", "all plans", "any plan"})


def session_rules(deps: Deps, team: str, user: str, series: SeriesView, wanted: str | None) -> dict[str, Any]:
    """Which plans may book the class: shown, or set from "Gold, Silver" or "every plan"
    (managers). Each plan named must match one plan; several matching is answered with their
    names, nothing changed."""
    if wanted is None:
        said = messages.say("class_rules", name=escape(series.name), plans=[escape(p) for p in series.plans])
        return messages.message(said)
    named = None if fold(wanted) in EVERY_PLAN else [part.strip() for part in wanted.split(",")]
    done = deps.write(team, user, flows.set_class_plans, series.id, named)
    if isinstance(done, flows.Unmatched):
        reply = "several_plans" if done.names else "no_plan"
        extra = {"names": [escape(n) for n in done.names]} if done.names else {}
        return messages.message(messages.say(reply, query=escape(done.query), **extra))
    said = messages.say("class_rules_set", name=escape(done.name), plans=[escape(p) for p in done.plans])
    return messages.message(said)


def cancel(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    reference, _, reason = text.partition(" ")
    found = _BOOKING.match(reference)
    if found is None:
        return messages.message(messages.say("not_a_booking", text=escape(reference)))
    done = deps.write(team, user, flows.cancel_booking, int(found.group(1)), reason.strip())
    said = messages.say("booking_cancelled", b=_shown(done.booking), cutoff=done.cutoff_hours)
    return messages.message(said)


def bookings(deps: Deps, team: str, user: str, customer: customers.CustomerView) -> dict[str, Any]:
    rows = [_shown(b) for b in deps.read(team, user, flows.bookings_of, customer.id)]
    shown = rows[: pagination.PAGE_SIZE * 2]  # a member's bookings still to come fit one message
    return messages.message(messages.say("bookings_of", customer=escape(customer.label), rows=shown))


def roster_of(deps: Deps, team: str, user: str, series: SeriesView, on: date | None) -> dict[str, Any]:
    found = deps.read(team, user, flows.roster_of, series.id, on)
    if found is None:  # no session that day (without one: none today, none still to come)
        return _no_session(series, on, upcoming=on is None)
    return _roster_reply(found, 0)


def roster_page(
    deps: Deps, team: str, user: str, session_id: int, offset: int, note: str = ""
) -> dict[str, Any]:
    """The session's bookings a page at a time, each with Attended and No-show buttons (not for
    cancelled ones); the buttons carry the page, so the roster comes back where it was."""
    return _roster_reply(deps.read(team, user, flows.roster, session_id), offset, note)


def _roster_reply(found: flows.Roster, offset: int, note: str = "") -> dict[str, Any]:
    session, session_id = found.session, found.session.id
    everyone = [_shown(b) for b in found.bookings]
    shown, next_offset = pagination.page(everyone, offset, ROSTER_PAGE)
    heading = messages.say(
        "roster_heading",
        name=escape(session.series),
        location=escape(session.location),
        starts_at=session.starts_at,
        taken=session.taken,
        capacity=session.capacity,
        note=note,
    )
    blocks = [views.section(heading)]
    if not everyone:
        blocks.append(views.section(messages.say("roster_empty")))
    for b in shown:
        blocks.append(views.section(messages.say("roster_line", b=b)))
        if b.status not in CANCELLED:
            value = json.dumps({"booking": b.id, "offset": offset})
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"attendance-{b.id}",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": f"{ATTENDED}_{b.id}",
                            "text": views.plain("Attended"),
                            "value": value,
                        },
                        {
                            "type": "button",
                            "action_id": f"{NO_SHOW}_{b.id}",
                            "text": views.plain("No-show"),
                            "value": value,
                        },
                    ],
                }
            )
    if next_offset is not None:
        blocks.append(pagination.more_button(ROSTER_MORE, next_offset, {"session": session_id}))
    return {"text": heading, "blocks": blocks}


def record(
    deps: Deps, team: str, user: str, booking_id: int, status: BookingStatus, offset: int
) -> dict[str, Any]:
    done = deps.write(team, user, flows.mark_attendance, booking_id, status)
    note = messages.say("attendance_recorded", b=_shown(done.booking))
    return _roster_reply(done.roster, offset, note)


# --- helpers -------------------------------------------------------------------------------------


def _no_session(series: SeriesView, on: date | None, *, upcoming: bool) -> dict[str, Any]:
    return messages.message(messages.say("no_session", name=escape(series.name), on=on, upcoming=upcoming))


def _shown(booking: BookingView) -> BookingView:
    """A booking as messages show it (core gives its local time): names escaped."""
    return replace(booking, customer=escape(booking.customer), series=escape(booking.series))
