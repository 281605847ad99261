"""Pure rules of class bookings: who may book a session with which membership, what a
cancellation costs, which attendance moves are allowed. No database here; core/classes/service.py feeds
these functions the rows it read (and locked)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from core.kernel import formats
from core.memberships.lifecycle import Status

MAX_CAPACITY = 500
MAX_DURATION_MINUTES = 12 * 60
MAX_CUTOFF_HOURS = 7 * 24
DEFAULT_CUTOFF_HOURS = 12


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"  # before the cut-off: the credit went back
    LATE_CANCEL = "late-cancel"  # after the cut-off: the credit is kept
    ATTENDED = "attended"
    NO_SHOW = "no-show"  # the credit is kept

    @property
    def label(self) -> str:
        return {"late-cancel": "cancelled late", "no-show": "a no-show"}.get(self.value, self.value)


# Bookings that hold a seat. A cancelled booking, late or not, frees its seat for someone else.
TAKES_A_SEAT = frozenset({BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW})
CANCELLED = frozenset({BookingStatus.CANCELLED, BookingStatus.LATE_CANCEL})


def seats_left(capacity: int, taken: int) -> int:
    return max(0, capacity - taken)


def cancellation(cancelled_at: datetime, starts_at: datetime, cutoff_hours: int) -> BookingStatus:
    """On time (the credit goes back) when made at least `cutoff_hours` before the start, the
    cut-off instant itself included; late (the credit is kept) after it, and after the start."""
    on_time = cancelled_at <= starts_at - timedelta(hours=cutoff_hours)
    return BookingStatus.CANCELLED if on_time else BookingStatus.LATE_CANCEL


def attendance_problem(
    current: BookingStatus, wanted: BookingStatus, now: datetime, starts_at: datetime, today: date, on: date
) -> str | None:
    """Why attendance cannot be recorded (None: it can). Attended can be recorded from the day of
    the session (check-in comes before the start); a no-show only once the session has started.
    Attended and no-show may correct each other; a cancelled booking stays cancelled."""
    if current in CANCELLED:
        return f"This booking was {current.label}; there is no attendance to record."
    if wanted is BookingStatus.ATTENDED and today < on:
        return f"The session is on {formats.day(on)}; attendance is recorded from that day."
    if wanted is BookingStatus.NO_SHOW and now < starts_at:
        return "The session has not started yet; a no-show is recorded once it has."
    return None


@dataclass(frozen=True)
class Holding:
    """One of the customer's memberships, as the booking rules see it."""

    contract_id: int
    plan_id: int
    plan: str  # the plan's name, for messages
    status: Status
    start: date
    end: date | None
    limited: bool  # its plan gives session credits: each booking spends one
    unpaid: str | None = None  # billing's refusal (names the membership and the charge); None: paid up


@dataclass(frozen=True)
class Choice:
    """Which memberships may pay for a booking. `unlimited` when one books without credits;
    otherwise `limited` lists the memberships whose credit may be spent (the ledger takes the one
    that expires soonest). `refusals` says why every other membership cannot book."""

    unlimited: int | None
    limited: tuple[int, ...]
    refusals: tuple[str, ...]

    @property
    def possible(self) -> bool:
        return self.unlimited is not None or bool(self.limited)


def refusal(holding: Holding, allowed_plans: frozenset[int] | None, on: date) -> str | None:
    """Why this membership cannot book a session on `on` (None: it can). `allowed_plans` is the
    series' session rules; None means every plan may book."""
    name = f"M-{holding.contract_id} ({holding.plan})"
    if allowed_plans is not None and holding.plan_id not in allowed_plans:
        return f"{name}: {holding.plan} is not one of the plans this class accepts."
    if holding.status is Status.FROZEN:
        return f"{name} is frozen; it can book again once unfrozen."
    if holding.status is not Status.ACTIVE:
        return f"{name} is {holding.status.label}, not active."
    if on < holding.start:
        return f"{name} starts on {formats.day(holding.start)}, after the session."
    if holding.end is not None and on > holding.end:
        return f"{name} ends on {formats.day(holding.end)}, before the session."
    if holding.unpaid is not None:
        return holding.unpaid
    return None


def choose(holdings: Sequence[Holding], allowed_plans: frozenset[int] | None, on: date) -> Choice:
    """The membership rule: an unlimited membership is used when the customer has one that may
    book (the oldest, by id), so no credit is spent; otherwise a credit of a limited one. The
    order of `holdings` does not matter."""
    unlimited: list[int] = []
    limited: list[int] = []
    refusals: list[str] = []
    for holding in sorted(holdings, key=lambda h: h.contract_id):
        reason = refusal(holding, allowed_plans, on)
        if reason is not None:
            refusals.append(reason)
        else:
            (limited if holding.limited else unlimited).append(holding.contract_id)
    return Choice(unlimited[0] if unlimited else None, tuple(limited), tuple(refusals))


# --- the waitlist --------------------------------------------------------------------------------


class WaitStatus(StrEnum):
    WAITING = "waiting"  # in line
    BOOKED = "booked"  # a place was found for them (promoted, or booked by hand while waiting)
    LEFT = "left"  # taken off the line by staff


def waitlist_open(now: datetime, starts_at: datetime, cutoff_hours: int) -> bool:
    """A session's waitlist is open until the booking cut-off: the cancellation cut-off (the
    instant itself included) and never after the start. After it nobody joins and nobody is
    booked from the line: a freed place is for whoever books it."""
    return now < starts_at and now <= starts_at - timedelta(hours=cutoff_hours)


def join_refusal(
    *, now: datetime, starts_at: datetime, cutoff_hours: int, seats_left: int, booked: bool
) -> str | None:
    """Why a customer cannot join a session's waitlist (None: they can). The caller says who and
    which session before it."""
    if now >= starts_at:
        return "it has already started."
    if not waitlist_open(now, starts_at, cutoff_hours):
        return f"its waitlist closed at the cut-off, {cutoff_hours} hours before the start."
    if booked:
        return "they are already booked into it."
    if seats_left > 0:
        places = "place" if seats_left == 1 else "places"
        return f"it is not full ({seats_left} {places} left): book them instead."
    return None


@dataclass(frozen=True)
class Promotion:
    """Who a freed place went to, in line order, and who was passed over and why."""

    booked: tuple[int, ...]
    skipped: tuple[tuple[int, str], ...]


def promote(free: int, line: Sequence[int], attempt: Callable[[int], str | None]) -> Promotion:
    """Fill `free` places from the line, first in line first. `attempt(customer)` books one the
    way any booking is made and returns None, or says why they cannot be booked now (no credit,
    membership ended): they are skipped and the next is tried. Nobody is tried twice."""
    booked: list[int] = []
    skipped: list[tuple[int, str]] = []
    for customer in dict.fromkeys(line):
        if len(booked) >= free:
            break
        reason = attempt(customer)
        if reason is None:
            booked.append(customer)
        else:
            skipped.append((customer, reason))
    return Promotion(tuple(booked), tuple(skipped))


def names_match(typed: str, name: str) -> bool:
    """Every typed word starts a word of the name ("morn yoga" matches "Morning Yoga"); both
    folded by the caller."""
    words = name.split()
    return bool(typed.split()) and all(any(w.startswith(t) for w in words) for t in typed.split())
