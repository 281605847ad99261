"""Pure class rules: the cancellation cut-off, which membership pays for a booking, who may book,
and when attendance can be recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.classes.rules import (
    BookingStatus,
    Holding,
    attendance_problem,
    cancellation,
    choose,
    refusal,
    seats_left,
)
from core.memberships.lifecycle import Status

START = datetime(2025, 1, 20, 23, 0, tzinfo=UTC)  # 18:00 in New York
DAY = date(2025, 1, 20)


def holding(contract_id: int, plan_id: int = 1, *, limited: bool = False, **changes: Any) -> Holding:
    """An active membership for 2025; `changes` overrides any field."""
    base = Holding(
        contract_id=contract_id,
        plan_id=plan_id,
        plan=f"Plan {plan_id}",
        status=Status.ACTIVE,
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        limited=limited,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (timedelta(hours=30), BookingStatus.CANCELLED),
        (timedelta(hours=12), BookingStatus.CANCELLED),  # exactly at the cut-off: still on time
        (timedelta(hours=12) - timedelta(seconds=1), BookingStatus.LATE_CANCEL),
        (timedelta(0), BookingStatus.LATE_CANCEL),
        (-timedelta(hours=1), BookingStatus.LATE_CANCEL),  # after the start
    ],
)
def test_the_cut_off_decides_whether_the_credit_goes_back(before: timedelta, expected: BookingStatus) -> None:
    assert cancellation(START - before, START, 12) is expected


def test_a_zero_cut_off_returns_the_credit_up_to_the_start() -> None:
    assert cancellation(START, START, 0) is BookingStatus.CANCELLED
    assert cancellation(START + timedelta(seconds=1), START, 0) is BookingStatus.LATE_CANCEL


def test_an_unlimited_membership_is_used_before_a_limited_one_whatever_the_order() -> None:
    limited, unlimited = holding(3, limited=True), holding(7)
    for order in ([limited, unlimited], [unlimited, limited]):
        choice = choose(order, None, DAY)
        assert (choice.unlimited, choice.limited, choice.refusals) == (7, (3,), ())


def test_the_oldest_unlimited_membership_is_used() -> None:
    assert choose([holding(9), holding(4), holding(6)], None, DAY).unlimited == 4


def test_limited_memberships_are_all_offered_to_the_ledger_in_id_order() -> None:
    choice = choose([holding(8, limited=True), holding(2, limited=True)], None, DAY)
    assert (choice.unlimited, choice.limited, choice.possible) == (None, (2, 8), True)


def test_session_rules_keep_other_plans_out_and_say_so() -> None:
    choice = choose([holding(1, plan_id=10), holding(2, plan_id=20, limited=True)], frozenset({20}), DAY)
    assert (choice.unlimited, choice.limited) == (None, (2,))
    assert choice.refusals == ("M-1 (Plan 10): Plan 10 is not one of the plans this class accepts.",)


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"status": Status.FROZEN}, "M-5 (Plan 1) is frozen; it can book again once unfrozen."),
        ({"status": Status.PENDING}, "M-5 (Plan 1) is pending approval, not active."),
        ({"status": Status.SCHEDULED}, "M-5 (Plan 1) is scheduled, not active."),
        ({"status": Status.GRACE}, "M-5 (Plan 1) is grace, not active."),
        ({"start": date(2025, 2, 1)}, "M-5 (Plan 1) starts on Sat 1 Feb 2025, after the session."),
        ({"end": date(2025, 1, 19)}, "M-5 (Plan 1) ends on Sun 19 Jan 2025, before the session."),
        ({"unpaid": "M-5 has an overdue charge C-1 of $49.00."}, "M-5 has an overdue charge C-1 of $49.00."),
    ],
)
def test_a_membership_that_cannot_book_says_why(kw: dict[str, Any], reason: str) -> None:
    h = holding(5, **kw)
    assert refusal(h, None, DAY) == reason
    choice = choose([h], None, DAY)
    assert not choice.possible and choice.refusals == (reason,)


def test_the_first_and_last_day_of_the_term_can_book() -> None:
    assert refusal(holding(1, start=DAY), None, DAY) is None
    assert refusal(holding(1, end=DAY), None, DAY) is None
    assert refusal(holding(1, end=None), None, date(2090, 1, 1)) is None


def test_no_membership_at_all_is_not_possible() -> None:
    assert not choose([], None, DAY).possible


def test_seats_left_never_goes_negative() -> None:
    assert (seats_left(5, 3), seats_left(5, 5), seats_left(5, 7)) == (2, 0, 0)


def test_attendance_rules() -> None:
    before, after = START - timedelta(hours=2), START + timedelta(minutes=5)
    booked, attended, no_show = BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW
    # attended from the day of the session, before the start included (check-in)
    assert attendance_problem(booked, attended, before, START, DAY, DAY) is None
    assert "attendance is recorded from that day" in str(
        attendance_problem(booked, attended, before, START, DAY - timedelta(days=1), DAY)
    )
    # a no-show only once the session has started
    assert "has not started" in str(attendance_problem(booked, no_show, before, START, DAY, DAY))
    assert attendance_problem(booked, no_show, after, START, DAY, DAY) is None
    # corrections between the two are allowed; a cancellation stays
    assert attendance_problem(attended, no_show, after, START, DAY, DAY) is None
    assert attendance_problem(no_show, attended, after, START, DAY, DAY) is None
    for cancelled in (BookingStatus.CANCELLED, BookingStatus.LATE_CANCEL):
        assert "no attendance to record" in str(
            attendance_problem(cancelled, attended, after, START, DAY, DAY)
        )
