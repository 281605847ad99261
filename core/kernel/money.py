"""Money: Decimal amounts in the tenant's currency, never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision

from core.kernel import formats
from core.kernel.errors import Errors

# A ceiling far above any membership price: a typo guard ("absurd amounts"), not a business rule.
MAX_AMOUNT = Decimal("1000000")


def minor_digits(currency: str) -> int:
    """Decimal places of the currency (USD 2, JPY 0, KWD 3), from CLDR via babel."""
    return int(get_currency_precision(currency))


def amount(errors: Errors, field: str, value: object, *, label: str, currency: str) -> Decimal:
    """A non-negative amount with no more decimals than the currency has; Decimal("0") on error."""
    try:
        parsed = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors.add(field, f"{label} must be an amount such as 49.99, not {value!r}.")
        return Decimal(0)
    if isinstance(value, float):
        errors.add(field, f"{label} must be given exactly (as text or a Decimal), not as a float.")
        return Decimal(0)
    if not parsed.is_finite():
        errors.add(field, f"{label} must be a number.")
    elif parsed < 0:
        errors.add(field, f"{label} cannot be negative.")
    elif parsed > MAX_AMOUNT:
        errors.add(field, f"{label} of {parsed} is too large (at most {MAX_AMOUNT:,}).")
    elif _decimals(parsed) > minor_digits(currency):
        errors.add(field, f"{label} has more decimals than {currency} allows ({minor_digits(currency)}).")
    else:
        return parsed.quantize(Decimal(1).scaleb(-minor_digits(currency)))
    return Decimal(0)


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def in_currency(value: Decimal, currency: str) -> Decimal:
    """A stored amount with exactly the currency's decimals (349.0000 -> 349.00 for USD)."""
    return value.quantize(Decimal(1).scaleb(-minor_digits(currency)))


def display(value: Decimal, currency: str, locale: str = "en_US") -> str:
    """An amount as every message writes it ($59.00): the one formatter's money()."""
    return formats.money(value, currency, locale)
