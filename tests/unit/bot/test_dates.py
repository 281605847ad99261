"""Dates as staff type them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dates import parse_date
from core.kernel.errors import InvalidInput

TODAY = date(2025, 1, 31)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025-03-01", date(2025, 3, 1)),
        ("Sat 1 Mar 2025", date(2025, 3, 1)),
        ("March 1 2025", date(2025, 3, 1)),
        ("today", TODAY),
        ("Tomorrow", date(2025, 2, 1)),
        ("in 2 weeks", date(2025, 2, 14)),
        ("in 1 month", date(2025, 2, 28)),  # the end of a shorter month
        ("in 3 days", date(2025, 2, 3)),
    ],
)
def test_accepted_forms(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    "typed", ["someday", "03/04/2025", "31 Feb 2025", "2026-02-30", "", "in a while", "\x00", "²", "1e30"]
)
def test_anything_else_is_quoted_back_with_the_accepted_forms(typed: str) -> None:
    with pytest.raises(InvalidInput, match="is not a date I understand; try 2025-03-01") as raised:
        parse_date(typed, TODAY, field="start")
    assert raised.value.field == "start" and f"“{typed}”" in raised.value.message


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "2126-01-01", "in 999 years"])
def test_a_date_more_than_a_hundred_years_away_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_date(typed, TODAY, field="end")
    assert raised.value.field == "end" and f"“{typed}”" in raised.value.message


def test_a_date_within_a_hundred_years_is_taken() -> None:
    assert parse_date("2124-12-31", TODAY) == date(2124, 12, 31)
