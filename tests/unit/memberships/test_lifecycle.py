"""Pure rules: lifecycle by the calendar, default terms, text folding, amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.credits.calendar import next_grant_day, period_starts
from core.credits.terms import CreditKind, CreditTerms, Frequency
from core.kernel.errors import Errors, InvalidInput
from core.kernel.money import amount
from core.kernel.text import clean, fold
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


def test_fold_ignores_case_accents_and_spacing() -> None:
    assert fold("  Café   MÜLLER ") == "cafe muller"
    assert fold("Ångström") == "angstrom"


def test_clean_reports_required_too_long_and_control_characters() -> None:
    errors = Errors()
    assert clean(errors, "a", "  x  ", label="A", max_length=5) == "x"
    clean(errors, "b", "   ", label="B", max_length=5, required=True)
    clean(errors, "c", "toolong", label="C", max_length=5)
    clean(errors, "d", "bell\x07", label="D", max_length=50)
    assert [(e.field, e.message) for e in errors.items] == [
        ("b", "B is required."),
        ("c", "C is too long (7 characters; at most 5)."),
        ("d", "D contains control characters."),
    ]
    with pytest.raises(InvalidInput) as raised:
        errors.raise_if_any()
    assert raised.value.field == "b" and len(raised.value.errors) == 3


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("49.9", "USD", Decimal("49.90")),
        ("1,200", "USD", Decimal("1200.00")),
        ("500", "JPY", Decimal(500)),
        ("1.234", "KWD", Decimal("1.234")),
        (Decimal("0"), "EUR", Decimal("0.00")),
    ],
)
def test_amounts_are_exact_in_the_currency(value: object, currency: str, expected: Decimal) -> None:
    errors = Errors()
    result = amount(errors, "price", value, label="The price", currency=currency)
    assert not errors and result == expected and str(result) == str(expected)


@pytest.mark.parametrize(
    ("value", "currency", "message"),
    [
        ("-1", "USD", "cannot be negative"),
        ("1.999", "USD", "more decimals than USD"),
        ("1.5", "JPY", "more decimals than JPY"),
        ("abc", "USD", "such as 49.99"),
        (1.5, "USD", "not as a float"),
        ("2000000", "USD", "too large"),
        ("NaN", "USD", "must be a number"),
    ],
)
def test_bad_amounts_are_explained(value: object, currency: str, message: str) -> None:
    errors = Errors()
    amount(errors, "price", value, label="The price", currency=currency)
    assert len(errors.items) == 1 and message in errors.items[0].message


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
