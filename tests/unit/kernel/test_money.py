"""Amounts, exact in their currency, and bad ones explained."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.kernel.errors import Errors
from core.kernel.money import amount


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
