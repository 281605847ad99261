"""Classes: a series on a schedule at a location, its dated sessions, and customers' bookings.

Sessions are written on the rolling horizon visits use (the workspace's `visit_horizon_days`):
creating a series writes its sessions up to it and `extend_horizons`, a daily job, keeps it
rolling, so an open-ended series never writes years of rows at once.

A booking locks its session row first (PostgreSQL FOR UPDATE; SQLite's write lock is taken at
BEGIN), then counts the seats taken: capacity holds however many people book at once, and the
losers spend nothing because the credit is redeemed only after the seat is secured. Every write
to a session's bookings takes that lock first, and the ledger's locks (the customer, then their
lots) only after it: nobody holding a ledger lock waits for a session, so there is no deadlock.
The rules themselves (which membership, the cut-off, attendance) are in core/classes/rules.py.

A full session takes a waitlist (class_waitlist). Whatever frees a place while the line is open
(a cancellation, a released booking, a raised capacity) books the first in line in the same
transaction, under the same session lock, through `book` itself: every rule of a booking holds,
and one who cannot be booked now is passed over with the reason (a savepoint undoes their
attempt). Before the session lock's holder touches a ledger, it locks the customers it may
charge in id order (the one cancelling and everyone in line), so two cancellations of different
sessions sharing members cannot deadlock on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col, or_, select

from core import outbox
from core.billing import service as billing
from core.classes.rules import (
    CANCELLED,
    DEFAULT_CUTOFF_HOURS,
    MAX_CAPACITY,
    MAX_CUTOFF_HOURS,
    MAX_DURATION_MINUTES,
    TAKES_A_SEAT,
    BookingStatus,
    Holding,
    WaitStatus,
    attendance_problem,
    cancellation,
    choose,
    join_refusal,
    promote,
    refusal,
    seats_left,
    waitlist_open,
)
from core.context import Ctx
from core.credits import ledger, lots, reminders
from core.credits import terms as credit_terms
from core.credits.ledger import NotEnoughCredits
from core.credits.lots import Unit
from core.customers import service as customers
from core.kernel import formats, recurrence
from core.kernel.errors import Conflict, Errors, InvalidInput, NotFound
from core.kernel.recurrence import Recurrence
from core.kernel.text import clean, clean_reason, fold
from core.memberships.lifecycle import LIVE, Status
from core.visits import service as visits
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.catalog import Location
from storage.tables.classes import ClassBooking, ClassSeries, ClassSeriesPlan, ClassSession, ClassWaitlist
from storage.tables.credits import CreditLot
from storage.tables.customers import Customer
from storage.tables.memberships import Contract
from storage.tables.plans import Plan, PlanVersion

NAME_MAX = 100
MIN_DURATION_MINUTES = 5


class CannotBook(Conflict):
    """No membership of the customer may book the session; the message says why for each."""


class SessionFull(Conflict):
    """Every place of the session is taken; while its waitlist is open the customer may join it."""

    def __init__(self, message: str, session: ClassSession, customer_id: int, waitlist_open: bool) -> None:
        super().__init__(message, "session")
        self.session_id, self.on_date = session.id or 0, session.on_date
        self.customer_id, self.waitlist_open = customer_id, waitlist_open


@dataclass(frozen=True)
class SeriesTerms:
    """What a manager sets up. Field names are the ones errors use."""

    name: str
    location_id: int
    schedule: Recurrence
    starts_on: date
    start_time: time  # local wall-clock time of each session
    capacity: int
    duration_minutes: int = 60
    ends_on: date | None = None  # None: until further notice
    plan_ids: tuple[int, ...] | None = None  # session rules: the plans that may book; None: every plan
    cancel_cutoff_hours: int = DEFAULT_CUTOFF_HOURS


@dataclass(frozen=True)
class SeriesView:
    id: int
    name: str
    location_id: int
    location: str
    schedule: Recurrence
    schedule_text: str  # "Every week on Mon, Wed at 18:00"
    starts_on: date
    ends_on: date | None
    start_time: time
    duration_minutes: int
    capacity: int
    cancel_cutoff_hours: int
    plan_ids: tuple[int, ...] | None  # None: session rules off, every plan may book
    plans: tuple[str, ...]  # the names of those plans


@dataclass(frozen=True)
class SessionView:
    id: int
    series_id: int
    series: str
    location: str
    on_date: date
    starts_at: datetime
    ends_at: datetime
    capacity: int
    taken: int
    seats_left: int
    waiting: int = 0  # on its waitlist


@dataclass(frozen=True)
class BookingView:
    id: int
    session_id: int
    series: str
    on_date: date
    starts_at: datetime
    customer_id: int
    customer: str
    membership_id: int
    status: BookingStatus
    credit_spent: bool  # a limited membership's credit paid for it
    credit_returned: bool  # ... and went back with a cancellation before the cut-off
    replayed: bool = False  # the request changed nothing: it was already so


@dataclass(frozen=True)
class WaitView:
    """A customer's place on a session's waitlist."""

    id: int
    session_id: int
    series_id: int
    series: str
    on_date: date
    starts_at: datetime
    customer_id: int
    customer: str
    status: WaitStatus
    position: int  # 1: next in line; 0 when no longer waiting
    note: str  # why they were last passed over ("" if never)
    booking_id: int | None  # status booked: the booking that took them off the line
    replayed: bool = False


# --- series --------------------------------------------------------------------------------------


def create_series(ctx: Ctx, terms: SeriesTerms) -> SeriesView:
    """Set up a class and write its sessions up to the horizon. Managers and admins."""
    roles.require(ctx, Action.MANAGE_CLASSES)
    errors = Errors()
    name = clean(errors, "name", terms.name, label="The class name", max_length=NAME_MAX, required=True)
    location = ctx.uow.get(Location, terms.location_id)
    if location is None:
        errors.add("location", f"There is no location #{terms.location_id}.")
    errors.extend(recurrence.validate(terms.schedule), prefix="schedule.")
    if not 1 <= terms.capacity <= MAX_CAPACITY:
        errors.add("capacity", f"The capacity must be 1 to {MAX_CAPACITY} people.")
    if not MIN_DURATION_MINUTES <= terms.duration_minutes <= MAX_DURATION_MINUTES:
        errors.add(
            "duration_minutes",
            f"A session lasts {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES} minutes.",
        )
    if not 0 <= terms.cancel_cutoff_hours <= MAX_CUTOFF_HOURS:
        errors.add("cancel_cutoff_hours", f"The cancellation cut-off must be 0 to {MAX_CUTOFF_HOURS} hours.")
    if terms.ends_on is not None and terms.ends_on < terms.starts_on:
        errors.add("ends_on", f"The class cannot end before it starts ({formats.day(terms.starts_on)}).")
    _check_plans(ctx, errors, terms.plan_ids)
    same = _named(ctx, name, terms.location_id) if name and location is not None else None
    if same is not None and location is not None:
        errors.add("name", f"There is already a class called {same.name} at {location.name}.")
    errors.raise_if_any()
    series = ctx.uow.add(
        ClassSeries(
            tenant_id=ctx.uow.tenant_id,
            name=name,
            name_key=fold(name),
            location_id=terms.location_id,
            recurrence=recurrence.to_dict(terms.schedule),
            starts_on=terms.starts_on,
            ends_on=terms.ends_on,
            start_time=terms.start_time.replace(tzinfo=None),
            duration_minutes=terms.duration_minutes,
            capacity=terms.capacity,
            cancel_cutoff_hours=terms.cancel_cutoff_hours,
            session_rules=terms.plan_ids is not None,
            created_by=ctx.actor,
            created_at=ctx.now(),
        )
    )
    ctx.uow.flush()
    _write_plans(ctx, series, terms.plan_ids)
    _materialize(ctx, series, visits.horizon(ctx))
    return _series_view(ctx, series)


def set_session_rules(ctx: Ctx, series_id: int, plan_ids: Sequence[int] | None) -> SeriesView:
    """Which plans may see and book the series from now on (None: every plan). Bookings already
    made stay."""
    roles.require(ctx, Action.MANAGE_CLASSES)
    series = _series(ctx, series_id, for_update=True)
    wanted = None if plan_ids is None else tuple(plan_ids)
    errors = Errors()
    _check_plans(ctx, errors, wanted)
    errors.raise_if_any()
    for row in ctx.uow.all(
        ctx.uow.select(ClassSeriesPlan).where(col(ClassSeriesPlan.series_id) == series.id)
    ):
        ctx.uow.delete(row)
    ctx.uow.flush()
    series.session_rules = wanted is not None
    ctx.uow.add(series)
    _write_plans(ctx, series, wanted)
    return _series_view(ctx, series)


def get_series(ctx: Ctx, series_id: int) -> SeriesView:
    roles.require(ctx, Action.VIEW)
    return _series_view(ctx, _series(ctx, series_id))


def list_series(ctx: Ctx, *, customer_id: int | None = None) -> list[SeriesView]:
    """The classes still running, by name; with a customer, only those their plans may see (the
    plans of their live memberships, frozen ones included: they see, but cannot book)."""
    roles.require(ctx, Action.VIEW)
    today = ctx.today()
    query = ctx.uow.select(ClassSeries).where(
        or_(col(ClassSeries.ends_on).is_(None), col(ClassSeries.ends_on) >= today)
    )
    rows = list(ctx.uow.all(query.order_by(col(ClassSeries.name_key), col(ClassSeries.id))))
    if customer_id is not None:
        customers.customer_row(ctx, customer_id)
        held = {h.plan_id for h in _holdings(ctx, customer_id) if h.status in LIVE}
        rules = _rules(ctx, [s.id or 0 for s in rows])
        rows = [s for s in rows if not s.session_rules or rules.get(s.id or 0, set()) & held]
    return [_series_view(ctx, s) for s in rows]


# --- sessions ------------------------------------------------------------------------------------


def extend_horizons(ctx: Ctx) -> int:
    """The daily job: write every running series' sessions up to the horizon. Rerunning it on the
    same day writes nothing."""
    roles.require(ctx, Action.RUN_JOBS)
    until = visits.horizon(ctx)
    query = ctx.uow.select(ClassSeries).where(
        or_(col(ClassSeries.sessions_until).is_(None), col(ClassSeries.sessions_until) < until),
        or_(
            col(ClassSeries.ends_on).is_(None),
            col(ClassSeries.sessions_until).is_(None),
            col(ClassSeries.sessions_until) < col(ClassSeries.ends_on),
        ),
    )
    written = 0
    for series in ctx.uow.all(query.order_by(col(ClassSeries.id))):
        # Locked and read again: two runs at once write each session once.
        ctx.uow.session.refresh(series, with_for_update=True)
        written += _materialize(ctx, series, until)
    return written


def upcoming_sessions(ctx: Ctx, series_id: int, *, until: date | None = None) -> list[SessionView]:
    """The series' sessions that have not started, up to `until` (default: the horizon), soonest
    first, with the seats left."""
    roles.require(ctx, Action.VIEW)
    series = _series(ctx, series_id)
    last = until or visits.horizon(ctx)
    query = ctx.uow.select(ClassSession).where(
        col(ClassSession.series_id) == series.id,
        col(ClassSession.starts_at) > ctx.now(),
        col(ClassSession.on_date) <= last,
    )
    return _session_views(ctx, ctx.uow.all(query.order_by(col(ClassSession.starts_at))))


def get_session(ctx: Ctx, session_id: int) -> SessionView:
    roles.require(ctx, Action.VIEW)
    return _session_views(ctx, [_session(ctx, session_id)])[0]


def session_on(ctx: Ctx, series_id: int, day: date) -> SessionView | None:
    """The series' session on `day`, started or not (a roster is taken during and after it)."""
    roles.require(ctx, Action.VIEW)
    series = _series(ctx, series_id)
    query = ctx.uow.select(ClassSession).where(
        col(ClassSession.series_id) == series.id, col(ClassSession.on_date) == day
    )
    rows = ctx.uow.all(query)
    return _session_views(ctx, rows)[0] if rows else None


# --- bookings ------------------------------------------------------------------------------------


def book(ctx: Ctx, session_id: int, customer_id: int) -> BookingView:
    """Book the customer into the session with one of their memberships (see class_rules.choose):
    an unlimited one books free, a limited one spends a credit. Booking again changes nothing."""
    roles.require(ctx, Action.BOOK_CLASSES)
    session = _session(ctx, session_id, for_update=True)
    series = _series(ctx, session.series_id)
    customer = customers.customer_row(ctx, customer_id)
    booking = _booking_of(ctx, session_id, customer_id)
    if booking is not None and BookingStatus(booking.status) in TAKES_A_SEAT:
        return _booking_views(ctx, [booking], replayed=True)[0]
    if session.starts_at <= ctx.now():
        raise Conflict(f"{series.name} on {_when(ctx, session)} has already started.", "session")
    if _taken(ctx, [session_id]).get(session_id, 0) >= session.capacity:
        raise SessionFull(
            f"{series.name} on {_when(ctx, session)} is full ({session.capacity} booked).",
            session,
            customer_id,
            waitlist_open(ctx.now(), session.starts_at, series.cancel_cutoff_hours),
        )
    allowed = _allowed_plans(ctx, series)
    holdings = _with_billing(ctx, _holdings(ctx, customer_id), allowed, session.on_date)
    choice = choose(holdings, allowed, session.on_date)
    who = customer.company or customer.contact
    if not choice.possible:
        reasons = " ".join(choice.refusals) or f"{who} has no membership."
        raise CannotBook(f"{who} cannot book {series.name} on {_when(ctx, session)}. {reasons}", "customer")
    if booking is None:
        booking = ClassBooking(
            tenant_id=ctx.uow.tenant_id,
            session_id=session_id,
            customer_id=customer_id,
            contract_id=0,
            status=BookingStatus.BOOKED.value,
            round=1,
            booked_by=ctx.actor,
            booked_at=ctx.now(),
        )
    else:  # booked again after a cancellation: a new round, so a new credit key
        booking.round += 1
        booking.booked_by, booking.booked_at = ctx.actor, ctx.now()
        booking.changed_by, booking.changed_at = "", None
    booking.status, booking.credit_returned = BookingStatus.BOOKED.value, False
    if choice.unlimited is not None:
        booking.contract_id, booking.credit_key = choice.unlimited, ""
    else:
        booking.credit_key = f"class:{session_id}:{customer_id}:{booking.round}"
        booking.contract_id = _spend_credit(ctx, booking, choice.limited, series, session, who)
    ctx.uow.add(booking)
    ctx.uow.flush()
    entry = _entry_of(ctx, session_id, customer_id)
    if entry is not None and entry.status == WaitStatus.WAITING.value:  # nobody is booked and waiting
        entry.status, entry.booking_id, entry.note = WaitStatus.BOOKED.value, booking.id, ""
        entry.changed_by, entry.changed_at = ctx.actor, ctx.now()
        ctx.uow.add(entry)
        ctx.uow.flush()
    return _booking_views(ctx, [booking])[0]


def cancel_booking(ctx: Ctx, booking_id: int, reason: str = "") -> BookingView:
    """Cancel a booking. Before the series' cut-off the credit goes back (a reversal of its
    redemption); after it, or after the start, it is a late cancellation and the credit is kept.
    Either way the seat is free again. Cancelling twice changes nothing."""
    roles.require(ctx, Action.BOOK_CLASSES)
    reason = clean_reason(reason)
    booking, session = _locked_booking(ctx, booking_id)
    status = BookingStatus(booking.status)
    if status in CANCELLED:
        return _booking_views(ctx, [booking], replayed=True)[0]
    if status is not BookingStatus.BOOKED:
        raise Conflict(f"This booking is already recorded as {status.label}; it cannot be cancelled.")
    series = _series(ctx, session.series_id)
    _lock_line(ctx, session.id or 0, booking.customer_id)
    outcome = cancellation(ctx.now(), session.starts_at, series.cancel_cutoff_hours)
    if outcome is BookingStatus.CANCELLED and booking.credit_key:
        ledger.reverse(
            ctx, booking.credit_key, reason or f"{series.name} booking cancelled before the cut-off"
        )
        booking.credit_returned = True
    booking.status, booking.changed_by, booking.changed_at = outcome.value, ctx.actor, ctx.now()
    ctx.uow.add(booking)
    ctx.uow.flush()
    fill_from_waitlist(ctx, session)
    return _booking_views(ctx, [booking])[0]


def record_attendance(ctx: Ctx, booking_id: int, status: BookingStatus) -> BookingView:
    """Attended or no-show. The credit of a limited membership stays spent either way."""
    roles.require(ctx, Action.BOOK_CLASSES)
    if status not in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        raise InvalidInput.single("status", "Record attendance as attended or no-show.")
    booking, session = _locked_booking(ctx, booking_id)
    current = BookingStatus(booking.status)
    if current is status:
        return _booking_views(ctx, [booking], replayed=True)[0]
    problem = attendance_problem(current, status, ctx.now(), session.starts_at, ctx.today(), session.on_date)
    if problem is not None:
        raise Conflict(problem, "status")
    booking.status, booking.changed_by, booking.changed_at = status.value, ctx.actor, ctx.now()
    ctx.uow.add(booking)
    ctx.uow.flush()
    return _booking_views(ctx, [booking])[0]


def release_bookings(ctx: Ctx, contract_id: int, reason: str) -> int:
    """Cancel a membership's bookings of sessions still to start, returning every credit whatever
    the cut-off (the studio's decision, not the member's): for a membership being cancelled. The
    number of bookings released. Sessions are locked in id order, so two releases cannot deadlock."""
    roles.require(ctx, Action.CHANGE_STATE)
    reason = clean_reason(reason, required=True)
    query = (
        ctx.uow.select(ClassBooking)
        .join(ClassSession, col(ClassSession.id) == col(ClassBooking.session_id))
        .where(
            col(ClassBooking.contract_id) == contract_id,
            col(ClassBooking.status) == BookingStatus.BOOKED.value,
            col(ClassSession.starts_at) > ctx.now(),
        )
    )
    released = 0
    for booking in sorted(ctx.uow.all(query), key=lambda b: (b.session_id, b.id or 0)):
        booking, session = _locked_booking(ctx, booking.id or 0)
        if booking.status != BookingStatus.BOOKED.value:
            continue  # changed by someone else meanwhile
        _lock_line(ctx, session.id or 0, booking.customer_id)
        if booking.credit_key:
            ledger.reverse(ctx, booking.credit_key, reason)
            booking.credit_returned = True
        booking.status, booking.changed_by, booking.changed_at = (
            BookingStatus.CANCELLED.value,
            ctx.actor,
            ctx.now(),
        )
        ctx.uow.add(booking)
        ctx.uow.flush()
        fill_from_waitlist(ctx, session)
        released += 1
    ctx.uow.flush()
    return released


def bookings_of(ctx: Ctx, customer_id: int, *, include_past: bool = False) -> list[BookingView]:
    """A customer's bookings, soonest first: those of sessions still to start, or all of them."""
    roles.require(ctx, Action.VIEW)
    customers.customer_row(ctx, customer_id)
    query = (
        ctx.uow.select(ClassBooking)
        .join(ClassSession, col(ClassSession.id) == col(ClassBooking.session_id))
        .where(col(ClassBooking.customer_id) == customer_id)
    )
    if not include_past:
        query = query.where(col(ClassSession.starts_at) > ctx.now())
    return _booking_views(ctx, ctx.uow.all(query.order_by(col(ClassSession.starts_at), col(ClassBooking.id))))


def roster(ctx: Ctx, session_id: int) -> list[BookingView]:
    """Everyone booked into a session, cancellations included, in booking order: the attendance list."""
    roles.require(ctx, Action.VIEW)
    _session(ctx, session_id)
    query = ctx.uow.select(ClassBooking).where(col(ClassBooking.session_id) == session_id)
    return _booking_views(ctx, ctx.uow.all(query.order_by(col(ClassBooking.booked_at), col(ClassBooking.id))))


# --- the waitlist --------------------------------------------------------------------------------


def set_capacity(ctx: Ctx, session_id: int, capacity: int) -> SessionView:
    """Change one session's places (managers). It cannot go below the places taken; a raised
    capacity books the first in line while the waitlist is open."""
    roles.require(ctx, Action.MANAGE_CLASSES)
    session = _session(ctx, session_id, for_update=True)
    taken = _taken(ctx, [session_id]).get(session_id, 0)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput.single("capacity", f"The capacity must be 1 to {MAX_CAPACITY} people.")
    if capacity < taken:
        raise InvalidInput.single(
            "capacity", f"{taken} places are taken; the capacity cannot go below that (asked {capacity})."
        )
    if session.starts_at <= ctx.now():
        raise Conflict("The session has already started; its capacity stays as it was.", "session")
    _lock_line(ctx, session_id)
    session.capacity = capacity
    ctx.uow.add(session)
    ctx.uow.flush()
    fill_from_waitlist(ctx, session)
    return _session_views(ctx, [session])[0]


def join_waitlist(ctx: Ctx, session_id: int, customer_id: int) -> WaitView:
    """Put the customer at the back of a full session's line. Only while the line is open (up to
    the cut-off), not for one already booked, and only for a customer with a membership that may
    book the class (credits are looked at when a place frees up). Joining twice changes nothing."""
    roles.require(ctx, Action.BOOK_CLASSES)
    session = _session(ctx, session_id, for_update=True)
    series = _series(ctx, session.series_id)
    customer = customers.customer_row(ctx, customer_id)
    entry = _entry_of(ctx, session_id, customer_id)
    if entry is not None and entry.status == WaitStatus.WAITING.value:
        return _wait_views(ctx, [entry], replayed=True)[0]
    who, when = customer.company or customer.contact, _when(ctx, session)
    booking = _booking_of(ctx, session_id, customer_id)
    taken = _taken(ctx, [session_id]).get(session_id, 0)
    problem = join_refusal(
        now=ctx.now(),
        starts_at=session.starts_at,
        cutoff_hours=series.cancel_cutoff_hours,
        seats_left=seats_left(session.capacity, taken),
        booked=booking is not None and BookingStatus(booking.status) in TAKES_A_SEAT,
    )
    if problem is not None:
        raise Conflict(f"{who} cannot join the waitlist of {series.name} on {when}: {problem}", "session")
    allowed = _allowed_plans(ctx, series)
    choice = choose(
        _with_billing(ctx, _holdings(ctx, customer_id), allowed, session.on_date), allowed, session.on_date
    )
    if not choice.possible:
        reasons = " ".join(choice.refusals) or f"{who} has no membership."
        raise CannotBook(f"{who} cannot join the waitlist of {series.name} on {when}. {reasons}", "customer")
    last = ctx.uow.session.exec(
        select(func.max(col(ClassWaitlist.position))).where(
            col(ClassWaitlist.tenant_id) == ctx.uow.tenant_id, col(ClassWaitlist.session_id) == session_id
        )
    ).one()
    if entry is None:
        entry = ClassWaitlist(
            tenant_id=ctx.uow.tenant_id,
            session_id=session_id,
            customer_id=customer_id,
            status=WaitStatus.WAITING.value,
            position=0,
            joined_by=ctx.actor,
            joined_at=ctx.now(),
        )
    entry.status, entry.position, entry.booking_id, entry.note = (
        WaitStatus.WAITING.value,
        (last or 0) + 1,
        None,
        "",
    )
    entry.joined_by, entry.joined_at, entry.changed_by, entry.changed_at = ctx.actor, ctx.now(), "", None
    ctx.uow.add(entry)
    ctx.uow.flush()
    return _wait_views(ctx, [entry])[0]


def leave_waitlist(ctx: Ctx, session_id: int, customer_id: int) -> WaitView:
    """Take the customer off the session's line. Leaving twice changes nothing; one never on it
    is told so."""
    roles.require(ctx, Action.BOOK_CLASSES)
    session = _session(ctx, session_id, for_update=True)
    customer = customers.customer_row(ctx, customer_id)
    entry = _entry_of(ctx, session_id, customer_id)
    if entry is not None and entry.status == WaitStatus.LEFT.value:
        return _wait_views(ctx, [entry], replayed=True)[0]
    if entry is None or entry.status != WaitStatus.WAITING.value:
        series = _series(ctx, session.series_id)
        raise NotFound(
            f"{customer.company or customer.contact} is not on the waitlist of {series.name} on "
            f"{_when(ctx, session)}.",
            "customer",
        )
    entry.status, entry.changed_by, entry.changed_at = WaitStatus.LEFT.value, ctx.actor, ctx.now()
    ctx.uow.add(entry)
    ctx.uow.flush()
    return _wait_views(ctx, [entry])[0]


def waitlist(ctx: Ctx, session_id: int) -> list[WaitView]:
    """Who is waiting for a place in the session, first in line first."""
    roles.require(ctx, Action.VIEW)
    _session(ctx, session_id)
    return _wait_views(ctx, _line(ctx, session_id))


def waiting_of(ctx: Ctx, customer_id: int) -> list[WaitView]:
    """The lines the customer is in, for sessions still to start, soonest first."""
    roles.require(ctx, Action.VIEW)
    customers.customer_row(ctx, customer_id)
    query = (
        ctx.uow.select(ClassWaitlist)
        .join(ClassSession, col(ClassSession.id) == col(ClassWaitlist.session_id))
        .where(
            col(ClassWaitlist.customer_id) == customer_id,
            col(ClassWaitlist.status) == WaitStatus.WAITING.value,
            col(ClassSession.starts_at) > ctx.now(),
        )
        .order_by(col(ClassSession.starts_at), col(ClassWaitlist.id))
    )
    return _wait_views(ctx, ctx.uow.all(query))


def fill_from_waitlist(ctx: Ctx, session: ClassSession) -> list[BookingView]:
    """Book the first in line into the session's free places while its line is open; the session
    is locked by the caller. Each is booked by `book` (their plan, their credit, every rule); one
    who cannot be booked now is passed over with the reason kept on their entry. Whoever sold the
    membership of each one booked is told (the outbox, once per booking)."""
    series = _series(ctx, session.series_id)
    if not waitlist_open(ctx.now(), session.starts_at, series.cancel_cutoff_hours):
        return []
    free = session.capacity - _taken(ctx, [session.id or 0]).get(session.id or 0, 0)
    line = _line(ctx, session.id or 0)
    if free <= 0 or not line:
        return []
    entries = {e.customer_id: e for e in line}
    booked: list[BookingView] = []

    def attempt(customer_id: int) -> str | None:
        try:
            with ctx.uow.session.begin_nested():
                booked.append(book(ctx, session.id or 0, customer_id))
        except Conflict as exc:  # no credit, membership ended, unpaid: the next is tried
            entry = entries[customer_id]
            ctx.uow.session.refresh(entry)
            entry.note, entry.changed_at = exc.message[:500], ctx.now()
            ctx.uow.add(entry)
            return exc.message
        return None

    done = promote(free, list(entries), attempt)
    ctx.uow.flush()
    names = outbox.customer_names(ctx, [b.customer_id for b in booked] + [c for c, _ in done.skipped])
    skipped = [{"customer": names[c], "reason": why} for c, why in done.skipped]
    for b in booked:
        to = reminders.recipient(ctx, b.membership_id)
        if not to:
            continue
        row = ctx.uow.get(ClassBooking, b.id)
        data = {
            "booking_id": b.id,
            "customer_id": b.customer_id,
            "customer": names[b.customer_id],
            "series": series.name,
            "starts_at": b.starts_at.astimezone(ctx.tz).isoformat(),
            "membership_id": b.membership_id,
            "credit_spent": b.credit_spent,
            "skipped": skipped,
        }
        key = f"waitlist-booked:{b.id}:{row.round if row else 1}"
        outbox.enqueue(ctx, key, to, outbox.Kind.CLASS_WAITLIST_BOOKED, data)
    return booked


# --- internals -----------------------------------------------------------------------------------


def _entry_of(ctx: Ctx, session_id: int, customer_id: int) -> ClassWaitlist | None:
    return ctx.uow.first(
        ctx.uow.select(ClassWaitlist)
        .where(col(ClassWaitlist.session_id) == session_id, col(ClassWaitlist.customer_id) == customer_id)
        .execution_options(populate_existing=True)
    )


def _line(ctx: Ctx, session_id: int) -> list[ClassWaitlist]:
    query = (
        ctx.uow.select(ClassWaitlist)
        .where(
            col(ClassWaitlist.session_id) == session_id,
            col(ClassWaitlist.status) == WaitStatus.WAITING.value,
        )
        .order_by(col(ClassWaitlist.position), col(ClassWaitlist.id))
        .execution_options(populate_existing=True)
    )
    return list(ctx.uow.all(query))


def _lock_line(ctx: Ctx, session_id: int, *also: int) -> None:
    """Lock, in id order, the customers a freed place may charge (everyone in the session's line)
    and `also` (the one whose credit goes back), before any ledger lock is taken."""
    waiting = {e.customer_id for e in _line(ctx, session_id)} | set(also)
    if not waiting or ctx.uow.dialect != "postgresql":
        return  # SQLite: the write lock taken at BEGIN already serializes writers
    ctx.uow.all(
        ctx.uow.select(Customer)
        .where(col(Customer.id).in_(sorted(waiting)))
        .order_by(col(Customer.id))
        .with_for_update()
    )


def _wait_views(ctx: Ctx, rows: Sequence[ClassWaitlist], *, replayed: bool = False) -> list[WaitView]:
    sessions = {s.id: s for s in _session_views(ctx, _sessions(ctx, {e.session_id for e in rows}))}
    names = outbox.customer_names(ctx, [e.customer_id for e in rows])
    ranks: dict[int, dict[int, int]] = {}
    for session_id in {e.session_id for e in rows if e.status == WaitStatus.WAITING.value}:
        ranks[session_id] = {e.id or 0: n for n, e in enumerate(_line(ctx, session_id), start=1)}
    return [
        WaitView(
            id=e.id or 0,
            session_id=e.session_id,
            series_id=sessions[e.session_id].series_id,
            series=sessions[e.session_id].series,
            on_date=sessions[e.session_id].on_date,
            starts_at=sessions[e.session_id].starts_at,
            customer_id=e.customer_id,
            customer=names[e.customer_id],
            status=WaitStatus(e.status),
            position=ranks.get(e.session_id, {}).get(e.id or 0, 0),
            note=e.note,
            booking_id=e.booking_id,
            replayed=replayed,
        )
        for e in rows
    ]


def _waiting(ctx: Ctx, session_ids: Iterable[int]) -> dict[int, int]:
    """Customers waiting per session, in one query."""
    query = (
        select(col(ClassWaitlist.session_id), func.count())
        .where(
            col(ClassWaitlist.tenant_id) == ctx.uow.tenant_id,
            col(ClassWaitlist.session_id).in_(list(session_ids)),
            col(ClassWaitlist.status) == WaitStatus.WAITING.value,
        )
        .group_by(col(ClassWaitlist.session_id))
    )
    return {session_id: count for session_id, count in ctx.uow.session.exec(query)}


def _spend_credit(
    ctx: Ctx,
    booking: ClassBooking,
    limited: tuple[int, ...],
    series: ClassSeries,
    session: ClassSession,
    who: str,
) -> int:
    """Redeem one credit for the booking and say whose it was: of the credits of the memberships
    that may book (and credits granted by hand), the one the front desk would use first (the
    ledger's redemption order: soonest expiry first). Credits of other memberships are never
    touched. Locks as the ledger does: the customer, then their lots in id order."""
    ctx.uow.get(Customer, booking.customer_id, for_update=True)
    lot = _next_credit(ctx, booking.customer_id, limited)
    if lot is None:
        names = ", ".join(f"M-{c}" for c in limited)
        raise NotEnoughCredits(
            f"{who} has no session credit that can be used now to book {series.name} ({names}).", "customer"
        )
    ledger.redeem_lots(
        ctx,
        booking.customer_id,
        [(lot.id, Decimal(1))],
        key=booking.credit_key,
        reference=f"{series.name} {session.on_date.isoformat()}"[:200],
    )
    return lot.contract_id if lot.contract_id is not None else limited[0]


def _next_credit(ctx: Ctx, customer_id: int, limited: tuple[int, ...]) -> lots.Lot | None:
    """The first usable credit of these memberships or granted by hand, in redemption order. Only
    credits good for any service pay for classes; a plan's wait between redemptions applies."""
    now = ctx.now()
    resting: set[int | None] = set()
    for contract, terms in ctx.uow.session.exec(
        select(Contract, col(PlanVersion.credit_terms))
        .join(PlanVersion, col(PlanVersion.id) == col(Contract.plan_version_id))
        .where(col(Contract.tenant_id) == ctx.uow.tenant_id, col(Contract.id).in_(limited))
    ):
        wait = credit_terms.from_dict(terms).wait_days if terms is not None else 0
        last = contract.last_redeemed_at
        if wait and last is not None and now < last + timedelta(days=wait):
            resting.add(contract.id)
    query = (
        ctx.uow.select(CreditLot)
        .where(
            col(CreditLot.customer_id) == customer_id,
            col(CreditLot.unit) == Unit.CREDIT.value,
            col(CreditLot.remaining) > 0,
            or_(col(CreditLot.contract_id).in_(limited), col(CreditLot.contract_id).is_(None)),
        )
        .order_by(col(CreditLot.id))
        .with_for_update()
        .execution_options(populate_existing=True)  # remaining changes by SQL, not through the ORM
    )
    usable = [
        lot
        for lot in (ledger.as_lot(row) for row in ctx.uow.all(query))
        if lots.usable(lot, now) and lots.covers(lot, None, None) and lot.contract_id not in resting
    ]
    return min(usable, key=lots.redemption_order, default=None)


def _holdings(ctx: Ctx, customer_id: int) -> list[Holding]:
    """The customer's memberships that are live or waiting for approval, with their plans, in one query."""
    query = (
        select(Contract, col(PlanVersion.plan_id), col(PlanVersion.credit_terms), col(Plan.name))
        .join(PlanVersion, col(PlanVersion.id) == col(Contract.plan_version_id))
        .join(Plan, col(Plan.id) == col(PlanVersion.plan_id))
        .where(
            col(Contract.tenant_id) == ctx.uow.tenant_id,
            col(Contract.customer_id) == customer_id,
            col(Contract.kind) == "membership",
            col(Contract.status).in_([s.value for s in LIVE | {Status.PENDING}]),
        )
        .order_by(col(Contract.id))
    )
    return [
        Holding(
            contract_id=contract.id or 0,
            plan_id=plan_id,
            plan=plan,
            status=Status(contract.status),
            start=contract.start_date,
            end=contract.end_date,
            limited=terms is not None
            and credit_terms.from_dict(terms).kind is credit_terms.CreditKind.SERVICE,
        )
        for contract, plan_id, terms, plan in ctx.uow.session.exec(query)
    ]


def _with_billing(
    ctx: Ctx, holdings: list[Holding], allowed: frozenset[int] | None, on: date
) -> list[Holding]:
    """Ask billing only about the memberships that could otherwise book (enforce billing)."""
    out = []
    for h in holdings:
        if refusal(h, allowed, on) is None:
            try:
                billing.require_paid_up(ctx, h.contract_id)
            except billing.PaymentOverdue as exc:
                h = replace(h, unpaid=exc.message)
        out.append(h)
    return out


def _materialize(ctx: Ctx, series: ClassSeries, until: date) -> int:
    """Write the series' sessions dated up to `until` (within its dates) that do not exist yet."""
    first = max(series.starts_on, ctx.today())
    if series.sessions_until is not None:
        first = max(first, series.sessions_until + timedelta(days=1))
    last = until if series.ends_on is None else min(until, series.ends_on)
    if last < first:
        return 0
    rule = recurrence.from_dict(series.recurrence)
    existing = set(
        ctx.uow.session.exec(
            select(col(ClassSession.on_date)).where(
                col(ClassSession.tenant_id) == ctx.uow.tenant_id,
                col(ClassSession.series_id) == series.id,
                col(ClassSession.on_date) >= first,
            )
        )
    )
    written = 0
    for day in recurrence.occurrences(rule, anchor=series.starts_on, start=first, end=last):
        if day in existing:
            continue
        # A wall time a DST change skips moves forward, as on any calendar; the length stays.
        starts_at = recurrence.at_local_time(day, series.start_time, ctx.tz)
        ctx.uow.add(
            ClassSession(
                tenant_id=ctx.uow.tenant_id,
                series_id=series.id or 0,
                on_date=day,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=series.duration_minutes),
                capacity=series.capacity,
            )
        )
        written += 1
    series.sessions_until = last
    ctx.uow.add(series)
    ctx.uow.flush()
    return written


def _check_plans(ctx: Ctx, errors: Errors, plan_ids: tuple[int, ...] | None) -> None:
    if plan_ids is None:
        return
    if not plan_ids:
        errors.add("plans", "Choose at least one plan, or turn session rules off to accept every plan.")
        return
    known = {
        p.id
        for p in ctx.uow.all(
            ctx.uow.select(Plan).where(col(Plan.id).in_(plan_ids), col(Plan.archived_at).is_(None))
        )
    }
    missing = sorted(set(plan_ids) - known)
    if missing:
        errors.add("plans", f"There is no live plan #{', #'.join(str(i) for i in missing)}.")


def _write_plans(ctx: Ctx, series: ClassSeries, plan_ids: tuple[int, ...] | None) -> None:
    for plan_id in sorted(set(plan_ids or ())):
        ctx.uow.add(ClassSeriesPlan(tenant_id=ctx.uow.tenant_id, series_id=series.id or 0, plan_id=plan_id))
    ctx.uow.flush()


def _rules(ctx: Ctx, series_ids: list[int]) -> dict[int, set[int]]:
    rows = ctx.uow.all(ctx.uow.select(ClassSeriesPlan).where(col(ClassSeriesPlan.series_id).in_(series_ids)))
    rules: dict[int, set[int]] = {}
    for row in rows:
        rules.setdefault(row.series_id, set()).add(row.plan_id)
    return rules


def _allowed_plans(ctx: Ctx, series: ClassSeries) -> frozenset[int] | None:
    if not series.session_rules:
        return None
    return frozenset(_rules(ctx, [series.id or 0]).get(series.id or 0, set()))


def _named(ctx: Ctx, name: str, location_id: int) -> ClassSeries | None:
    return ctx.uow.first(
        ctx.uow.select(ClassSeries).where(
            col(ClassSeries.location_id) == location_id, col(ClassSeries.name_key) == fold(name)
        )
    )


def _series(ctx: Ctx, series_id: int, *, for_update: bool = False) -> ClassSeries:
    series = ctx.uow.get(ClassSeries, series_id, for_update=for_update)
    if series is None:
        raise NotFound(f"There is no class #{series_id}.", "series")
    return series


def _session(ctx: Ctx, session_id: int, *, for_update: bool = False) -> ClassSession:
    return ctx.found(
        ClassSession,
        session_id,
        f"There is no class session #{session_id}.",
        "session",
        for_update=for_update,
    )


def _booking_of(ctx: Ctx, session_id: int, customer_id: int) -> ClassBooking | None:
    return ctx.uow.first(
        ctx.uow.select(ClassBooking)
        .where(col(ClassBooking.session_id) == session_id, col(ClassBooking.customer_id) == customer_id)
        .execution_options(populate_existing=True)
    )


def _locked_booking(ctx: Ctx, booking_id: int) -> tuple[ClassBooking, ClassSession]:
    """The booking, read again after its session is locked (the lock every booking write takes)."""
    booking = ctx.uow.get(ClassBooking, booking_id)
    if booking is None:
        raise NotFound(f"There is no booking #{booking_id}.", "booking")
    session = _session(ctx, booking.session_id, for_update=True)
    ctx.uow.session.refresh(booking)
    return booking, session


def _taken(ctx: Ctx, session_ids: Iterable[int]) -> dict[int, int]:
    """Seats taken per session, in one query."""
    query = (
        select(col(ClassBooking.session_id), func.count())
        .where(
            col(ClassBooking.tenant_id) == ctx.uow.tenant_id,
            col(ClassBooking.session_id).in_(list(session_ids)),
            col(ClassBooking.status).in_([s.value for s in TAKES_A_SEAT]),
        )
        .group_by(col(ClassBooking.session_id))
    )
    return {session_id: count for session_id, count in ctx.uow.session.exec(query)}


def _when(ctx: Ctx, session: ClassSession) -> str:
    return f"{formats.moment(session.starts_at.astimezone(ctx.tz))}"


def _series_view(ctx: Ctx, series: ClassSeries) -> SeriesView:
    location = ctx.uow.get(Location, series.location_id)
    plan_ids: tuple[int, ...] | None = None
    names: tuple[str, ...] = ()
    if series.session_rules:
        plan_ids = tuple(sorted(_rules(ctx, [series.id or 0]).get(series.id or 0, set())))
        names = tuple(p.name for p in ctx.uow.all(ctx.uow.select(Plan).where(col(Plan.id).in_(plan_ids))))
    rule = recurrence.from_dict(series.recurrence)
    return SeriesView(
        id=series.id or 0,
        name=series.name,
        location_id=series.location_id,
        location=location.name if location else "",
        schedule=rule,
        schedule_text=f"{recurrence.describe(rule)} at {formats.clock(series.start_time)}",
        starts_on=series.starts_on,
        ends_on=series.ends_on,
        start_time=series.start_time,
        duration_minutes=series.duration_minutes,
        capacity=series.capacity,
        cancel_cutoff_hours=series.cancel_cutoff_hours,
        plan_ids=plan_ids,
        plans=tuple(sorted(names)),
    )


def _session_views(ctx: Ctx, rows: Sequence[ClassSession]) -> list[SessionView]:
    taken = _taken(ctx, [s.id or 0 for s in rows])
    waiting = _waiting(ctx, [s.id or 0 for s in rows])
    series: dict[int, tuple[str, str]] = {}
    views = []
    for s in rows:
        if s.series_id not in series:
            row = _series(ctx, s.series_id)
            location = ctx.uow.get(Location, row.location_id)
            series[s.series_id] = (row.name, location.name if location else "")
        name, location_name = series[s.series_id]
        count = taken.get(s.id or 0, 0)
        views.append(
            SessionView(
                id=s.id or 0,
                series_id=s.series_id,
                series=name,
                location=location_name,
                on_date=s.on_date,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                capacity=s.capacity,
                taken=count,
                seats_left=seats_left(s.capacity, count),
                waiting=waiting.get(s.id or 0, 0),
            )
        )
    return views


def _booking_views(ctx: Ctx, rows: Sequence[ClassBooking], *, replayed: bool = False) -> list[BookingView]:
    sessions = {s.id: s for s in _session_views(ctx, _sessions(ctx, {b.session_id for b in rows}))}
    customers: dict[int, str] = {}
    for b in rows:
        if b.customer_id not in customers:
            c = ctx.uow.get(Customer, b.customer_id)
            customers[b.customer_id] = "" if c is None else (c.company or c.contact)
    return [
        BookingView(
            id=b.id or 0,
            session_id=b.session_id,
            series=sessions[b.session_id].series,
            on_date=sessions[b.session_id].on_date,
            starts_at=sessions[b.session_id].starts_at,
            customer_id=b.customer_id,
            customer=customers[b.customer_id],
            membership_id=b.contract_id,
            status=BookingStatus(b.status),
            credit_spent=bool(b.credit_key),
            credit_returned=b.credit_returned,
            replayed=replayed,
        )
        for b in rows
    ]


def _sessions(ctx: Ctx, ids: set[int]) -> Sequence[ClassSession]:
    return ctx.uow.all(ctx.uow.select(ClassSession).where(col(ClassSession.id).in_(ids)))
