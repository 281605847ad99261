"""Classes' use cases as the desk asks for them: the timetable, setting a class up, booking a
member in, cancelling a booking, the roster and its attendance, a member's bookings, and which
plans may book. Each runs in one unit of work; this is where classes meet memberships, credits,
plans and the catalogue. Times come back as the workspace reads them (its timezone)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from core.catalog import locations as catalog
from core.classes import service as classes
from core.classes.rules import BookingStatus, names_match
from core.classes.service import BookingView, SeriesTerms, SeriesView, SessionView, WaitView
from core.context import Ctx
from core.credits import ledger
from core.credits.lots import Unit
from core.kernel.text import fold
from core.memberships import service as memberships
from core.plans import flows as plan_flows
from core.plans import service as plans
from core.workspace import roles
from core.workspace.roles import Action


@dataclass(frozen=True)
class Timetable:
    """Every class running, and the next sessions of those asked about."""

    series: list[SeriesView]
    upcoming: dict[int, list[SessionView]]  # by series id


@dataclass(frozen=True)
class Known:
    """What reading "<customer> <class> on <date>" needs: the business day and the classes."""

    today: date
    series: list[SeriesView]


@dataclass(frozen=True)
class ClassChoices:
    """What a new class may be set up with."""

    locations: list[tuple[int, str]]
    plans: list[tuple[int, str]]
    today: date


@dataclass(frozen=True)
class SetUp:
    series: SeriesView
    first: date | None  # the first session's day, None when none is still to come


@dataclass(frozen=True)
class Roster:
    session: SessionView
    bookings: list[BookingView]


@dataclass(frozen=True)
class Booked:
    booking: BookingView
    membership: str  # its reference, M-12
    plan: str
    seats_left: int
    credits_left: Decimal


@dataclass(frozen=True)
class Cancelled:
    booking: BookingView
    cutoff_hours: int


@dataclass(frozen=True)
class Marked:
    """Attendance recorded, and the session's roster after it."""

    booking: BookingView
    roster: Roster


@dataclass(frozen=True)
class Line:
    """A session's waitlist, first in line first."""

    session: SessionView
    cutoff_hours: int
    waiting: list[WaitView]


@dataclass(frozen=True)
class Lines:
    """A customer's bookings still to come and the lines they wait in."""

    bookings: list[BookingView]
    waiting: list[WaitView]


Unmatched = plan_flows.Unmatched  # a plan typed that names none or several, as /plan answers it


def timetable(ctx: Ctx, offset: int, count: int, sessions: int) -> Timetable:
    """Every class, with the next `sessions` sessions of the `count` from `offset`."""
    every = classes.list_series(ctx)
    upcoming = {
        s.id: [_local(ctx, v) for v in classes.upcoming_sessions(ctx, s.id)[:sessions]]
        for s in every[offset : offset + count]
    }
    return Timetable(every, upcoming)


def known_classes(ctx: Ctx) -> Known:
    roles.require(ctx, Action.VIEW)
    return Known(ctx.today(), classes.list_series(ctx))


def find_classes(ctx: Ctx, typed: str) -> list[SeriesView]:
    """The class named exactly (case- and accent-insensitive), else those whose words the typed
    words start; several: the caller asks which."""
    every = classes.list_series(ctx)
    exact = [s for s in every if fold(s.name) == fold(typed)]
    return exact or [s for s in every if names_match(fold(typed), fold(s.name))]


def class_choices(ctx: Ctx) -> ClassChoices:
    roles.require(ctx, Action.MANAGE_CLASSES)
    places = [(loc.id or 0, loc.name) for loc in catalog.locations(ctx)]
    sold = [(p.id, p.name) for p in plans.list_plans(ctx)]
    return ClassChoices(places, sold, ctx.today())


def set_up_class(ctx: Ctx, terms: SeriesTerms) -> SetUp:
    made = classes.create_series(ctx, terms)
    upcoming = classes.upcoming_sessions(ctx, made.id)
    return SetUp(made, upcoming[0].on_date if upcoming else None)


def book_class(ctx: Ctx, series_id: int, customer_id: int, on: date | None) -> Booked | None:
    """Book the customer into the class's session on `on` (its next one when None), still to
    start; None when there is no such session (nothing written)."""
    roles.require(ctx, Action.BOOK_CLASSES)  # before anything is read
    session = _next_session(ctx, series_id, on)
    if session is None:
        return None
    booked = classes.book(ctx, session.id, customer_id)
    held = memberships.get(ctx, booked.membership_id)
    left = classes.get_session(ctx, session.id).seats_left
    credits_left = ledger.balance(ctx, customer_id).total(Unit.CREDIT)
    return Booked(_booking(ctx, booked), held.reference, held.plan, left, credits_left)


def join_waitlist(ctx: Ctx, series_id: int, customer_id: int, on: date | None) -> WaitView | None:
    """Put the customer in line for the class's session on `on` (its next one when None); None
    when there is no such session still to start (nothing written)."""
    roles.require(ctx, Action.BOOK_CLASSES)  # before anything is read
    session = _next_session(ctx, series_id, on)
    return None if session is None else _local_wait(ctx, classes.join_waitlist(ctx, session.id, customer_id))


def leave_waitlist(ctx: Ctx, series_id: int, customer_id: int, on: date | None) -> WaitView | None:
    """Take the customer off the line of the class's session on `on`; without a day, of the next
    session they wait for. None when there is no such session (nothing written)."""
    roles.require(ctx, Action.BOOK_CLASSES)  # before anything is read
    if on is None:
        mine = [w for w in classes.waiting_of(ctx, customer_id) if w.series_id == series_id]
        on = mine[0].on_date if mine else None
    session = _next_session(ctx, series_id, on)
    return None if session is None else _local_wait(ctx, classes.leave_waitlist(ctx, session.id, customer_id))


def waitlist_of(ctx: Ctx, series_id: int, on: date | None) -> Line | None:
    """The line of the class's session on `on`; without a day, of the next session anyone waits
    for, else of the next session. None when there is no such session."""
    upcoming = classes.upcoming_sessions(ctx, series_id)
    if on is not None:
        session = classes.session_on(ctx, series_id, on)
    else:
        session = next((s for s in upcoming if s.waiting), next(iter(upcoming), None))
    return None if session is None else line(ctx, session.id)


def line(ctx: Ctx, session_id: int) -> Line:
    session = _local(ctx, classes.get_session(ctx, session_id))
    cutoff = classes.get_series(ctx, session.series_id).cancel_cutoff_hours
    return Line(session, cutoff, [_local_wait(ctx, w) for w in classes.waitlist(ctx, session_id)])


def set_capacity(ctx: Ctx, series_id: int, on: date, capacity: int) -> Line | None:
    """Change the places of the class's session on `on`; its line after it (a raise books the
    first in line). None when there is no session that day (nothing written)."""
    roles.require(ctx, Action.MANAGE_CLASSES)  # before anything is read
    session = classes.session_on(ctx, series_id, on)
    if session is None:
        return None
    classes.set_capacity(ctx, session.id, capacity)
    return line(ctx, session.id)


def plans_of_customer(ctx: Ctx, customer_id: int) -> Lines:
    """The customer's bookings still to come and the lines they wait in."""
    waiting = [_local_wait(ctx, w) for w in classes.waiting_of(ctx, customer_id)]
    return Lines(bookings_of(ctx, customer_id), waiting)


def cancel_booking(ctx: Ctx, booking_id: int, reason: str) -> Cancelled:
    done = classes.cancel_booking(ctx, booking_id, reason)
    series = classes.get_series(ctx, classes.get_session(ctx, done.session_id).series_id)
    return Cancelled(_booking(ctx, done), series.cancel_cutoff_hours)


def bookings_of(ctx: Ctx, customer_id: int) -> list[BookingView]:
    """The customer's bookings still to come."""
    return [_booking(ctx, b) for b in classes.bookings_of(ctx, customer_id)]


def roster_of(ctx: Ctx, series_id: int, on: date | None) -> Roster | None:
    """The roster of the class's session on `on`; without a day, today's (under way or over, as
    attendance is recorded after the start), else the next one. None when there is none."""
    session = classes.session_on(ctx, series_id, on or ctx.today())
    if session is None and on is None:
        session = next(iter(classes.upcoming_sessions(ctx, series_id)), None)
    return None if session is None else roster(ctx, session.id)


def roster(ctx: Ctx, session_id: int) -> Roster:
    session = _local(ctx, classes.get_session(ctx, session_id))
    return Roster(session, [_booking(ctx, b) for b in classes.roster(ctx, session_id)])


def mark_attendance(ctx: Ctx, booking_id: int, status: BookingStatus) -> Marked:
    done = classes.record_attendance(ctx, booking_id, status)
    return Marked(_booking(ctx, done), roster(ctx, done.session_id))


def set_class_plans(ctx: Ctx, series_id: int, wanted: list[str] | None) -> SeriesView | Unmatched:
    """Which plans may book the class: those named (each must name one plan, as /plan reads it), or
    every plan (None). Managers only; a name matching none or several changes nothing."""
    roles.require(ctx, Action.MANAGE_CLASSES)
    chosen: list[int] | None = None
    if wanted is not None:
        chosen = []
        for typed in wanted:
            found = plan_flows.one_plan(ctx, typed)
            if isinstance(found, Unmatched):
                return found
            chosen.append(found.id)
    return classes.set_session_rules(ctx, series_id, chosen)


def _next_session(ctx: Ctx, series_id: int, on: date | None) -> SessionView | None:
    found = [s for s in classes.upcoming_sessions(ctx, series_id, until=on) if on is None or s.on_date == on]
    return found[0] if found else None


def _local_wait(ctx: Ctx, wait: WaitView) -> WaitView:
    return replace(wait, starts_at=wait.starts_at.astimezone(ctx.tz))


def _local(ctx: Ctx, session: SessionView) -> SessionView:
    return replace(
        session, starts_at=session.starts_at.astimezone(ctx.tz), ends_at=session.ends_at.astimezone(ctx.tz)
    )


def _booking(ctx: Ctx, booking: BookingView) -> BookingView:
    return replace(booking, starts_at=booking.starts_at.astimezone(ctx.tz))
