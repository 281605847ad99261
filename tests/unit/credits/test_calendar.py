"""The credit calendar: the next grant day, and the period days it is read next to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.credits.calendar import next_grant_day, period_starts
from core.credits.terms import CreditKind, CreditTerms, Frequency

MONTHLY = CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4))


@pytest.mark.parametrize(
    ("terms", "billing", "end", "after", "expected"),
    [
        (MONTHLY, "monthly", None, date(2025, 1, 15), date(2025, 2, 15)),
        (MONTHLY, "monthly", None, date(2025, 1, 14), date(2025, 1, 15)),  # the first period itself
        (MONTHLY, "quarterly", None, date(2025, 1, 15), date(2025, 4, 15)),
        (MONTHLY, "monthly", date(2025, 3, 20), date(2025, 3, 15), None),  # no period left in the term
        (MONTHLY, "one-time", None, date(2025, 1, 15), None),  # granted once, at the start
        (
            CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(0)),
            "monthly",
            None,
            date(2025, 1, 1),
            None,
        ),
        (  # the anniversary comes before the next period would
            CreditTerms(
                kind=CreditKind.MONETARY,
                frequency=Frequency.ONCE,
                per_period=Decimal(1),
                anniversary_amount=Decimal(50),
            ),
            "monthly",
            None,
            date(2025, 6, 1),
            date(2026, 1, 15),
        ),
    ],
)
def test_the_next_grant_day_is_the_first_period_or_anniversary_after_the_day(
    terms: CreditTerms, billing: str, end: date | None, after: date, expected: date | None
) -> None:
    assert next_grant_day(date(2025, 1, 15), end, terms, billing, after) == expected
    # It agrees with the list of period days it is read next to.
    periods = period_starts(date(2025, 1, 15), end, terms, billing, date(2027, 1, 1))
    later = [d for d in periods if d > after]
    if terms.anniversary_amount == 0:
        assert expected == (later[0] if later else None)
