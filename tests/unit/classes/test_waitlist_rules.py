"""Pure waitlist rules: when the line is open, who may join it, and how freed places go down the
line (first in line first, one who cannot be booked passed over, nobody tried twice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.classes.rules import Promotion, join_refusal, promote, waitlist_open

START = datetime(2025, 1, 20, 23, 0, tzinfo=UTC)  # 18:00 in New York
CUTOFF = START - timedelta(hours=12)


@pytest.mark.parametrize(
    ("now", "cutoff_hours", "open_"),
    [
        (CUTOFF - timedelta(days=3), 12, True),
        (CUTOFF, 12, True),  # the cut-off instant itself, as for cancelling on time
        (CUTOFF + timedelta(seconds=1), 12, False),
        (START - timedelta(seconds=1), 0, True),  # no cut-off: open until the start
        (START, 0, False),
    ],
)
def test_the_line_is_open_until_the_cut_off(now: datetime, cutoff_hours: int, open_: bool) -> None:
    assert waitlist_open(now, START, cutoff_hours) is open_


def refusal(now: datetime = CUTOFF, *, seats_left: int = 0, booked: bool = False) -> str | None:
    return join_refusal(now=now, starts_at=START, cutoff_hours=12, seats_left=seats_left, booked=booked)


def test_only_a_full_session_before_its_cut_off_takes_one_not_already_booked() -> None:
    assert refusal() is None
    assert refusal(seats_left=1) == "it is not full (1 place left): book them instead."
    assert refusal(seats_left=3) == "it is not full (3 places left): book them instead."
    assert refusal(booked=True) == "they are already booked into it."
    assert (
        refusal(CUTOFF + timedelta(minutes=1))
        == "its waitlist closed at the cut-off, 12 hours before the start."
    )
    assert refusal(START, booked=True) == "it has already started."


def test_freed_places_go_to_the_first_in_line_passing_over_who_cannot_be_booked() -> None:
    tried: list[int] = []
    reasons = {2: "no credit left", 4: "membership ended"}

    def attempt(customer: int) -> str | None:
        tried.append(customer)
        return reasons.get(customer)

    done = promote(2, [1, 2, 3, 4, 5], attempt)
    assert done == Promotion(booked=(1, 3), skipped=((2, "no credit left"),))
    assert tried == [1, 2, 3]  # nobody after the places were filled
    tried.clear()
    assert promote(3, [2, 4, 2], attempt) == Promotion((), ((2, "no credit left"), (4, "membership ended")))
    assert tried == [2, 4]  # the same customer twice in the list is tried once
    assert promote(0, [1], attempt) == Promotion((), ()) and tried == [2, 4]
