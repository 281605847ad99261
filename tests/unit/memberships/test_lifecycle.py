"""Memberships by the calendar: the states around the term and its grace, and the default end."""

from __future__ import annotations

from datetime import date

import pytest

from core.memberships.lifecycle import Status, by_calendar, default_end


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 2, 28), Status.SCHEDULED),
        (date(2025, 3, 1), Status.ACTIVE),
        (date(2026, 2, 28), Status.ACTIVE),
        (date(2026, 3, 1), Status.GRACE),
        (date(2026, 3, 30), Status.GRACE),  # 30 days after the end date
        (date(2026, 3, 31), Status.EXPIRED),
    ],
)
def test_calendar_states_around_the_term_and_a_30_day_grace(today: date, expected: Status) -> None:
    assert by_calendar(date(2025, 3, 1), date(2026, 2, 28), 30, today) is expected


def test_a_membership_without_end_stays_active() -> None:
    assert by_calendar(date(2020, 1, 1), None, 30, date(2090, 1, 1)) is Status.ACTIVE


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2025, 3, 1), 12, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 27)),  # next term starts on the 28th: no gap, no overlap
        (date(2025, 1, 31), 1, date(2025, 2, 27)),
        (date(2025, 1, 15), 3, date(2025, 4, 14)),
        (date(2025, 1, 15), None, None),
    ],
)
def test_default_end_is_the_last_day_the_term_covers(
    start: date, months: int | None, end: date | None
) -> None:
    assert default_end(start, months) == end
