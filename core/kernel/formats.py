"""How every message writes a quantity, an amount, a date, a time or a range: the one formatter.

Templates use these as Jinja filters (bot/messages.py registers them under the same names), core's
user-facing messages and the CLI call them directly, so "1 credit", "$59.00" and "Wed 2 Dec 2026"
read the same in a reply, an error, a notification and a terminal. Plurals and money come from
CLDR through babel. ISO dates stay where a machine reads them: button values, stored data, CSV and
spreadsheet cells (which hold real dates), and the CLI's tab-separated listings meant for scripts.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency

LOCALE = "en_US"
_DAY = "EEE d MMM y"  # Wed 2 Dec 2026
_DAY_IN_YEAR = "EEE d MMM"  # Wed 2 Dec, only before a day that says the year
_MONTH = "MMMM y"  # December 2026
_IRREGULAR = {"person": "people"}


def number(value: object) -> str:
    """A quantity as people write it: 40, 2.5, -3; never 40.0000 or 4E+1. Text passes unchanged."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"number() takes a number, not {value!r}")
    if isinstance(value, int):
        return str(value)
    try:
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not exact.is_finite():
        return str(value)
    if exact == exact.to_integral_value():
        return str(int(exact))
    return f"{exact.normalize():f}"


def plural(n: object, one: str, other: str | None = None, locale: str = LOCALE) -> str:
    """The word for n of something: plural(1, "credit") is "credit", plural(4, "credit") "credits"."""
    many = other if other is not None else _english_plural(one)
    shown = number(n)
    try:
        amount = Decimal(shown)
    except InvalidOperation:
        return many
    # CLDR's plural rule for the number as shown: English "one" is 1, not 1.5 nor 0.
    return one if _locale(locale).plural_form(amount) == "one" else many


@lru_cache(maxsize=8)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def _english_plural(noun: str) -> str:
    """The regular English plural of the last word: credit -> credits, ledger entry -> ledger
    entries, class -> classes; a few irregular ones by name."""
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR:
        word = _IRREGULAR[last]
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        word = last[:-1] + "ies"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        word = last + "es"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def count(n: object, one: str, other: str | None = None, locale: str = LOCALE) -> str:
    """n and its word: "1 credit", "4 credits", "2.5 credits", "0 days"."""
    return f"{number(n)} {plural(n, one, other, locale)}"


def were(n: object, one: str, other: str | None = None) -> str:
    """n and its word with its verb: "1 membership was", "3 memberships were"."""
    return f"{count(n, one, other)} {'was' if plural(n, 'x', 'xs') == 'x' else 'were'}"


def every(n: int, unit: str) -> str:
    """A repeat: "every day", "every 30 days", "every 2 weeks"."""
    return f"every {unit}" if n == 1 else f"every {count(n, unit)}"


def money(value: object, currency: str, locale: str = LOCALE) -> str:
    """An amount in its currency as CLDR writes it: $59.00, €1,059.50, ¥59. Text that is not a
    number (an amount a caller already wrote out) passes unchanged."""
    try:
        exact = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return str(value)
    if not exact.is_finite():
        return str(value)
    return str(format_currency(exact, currency, locale=locale))


def day(value: date, locale: str = LOCALE) -> str:
    """A day in every message: Wed 2 Dec 2026 (a datetime is shown as its date)."""
    if isinstance(value, datetime):
        value = value.date()
    return str(format_date(value, _DAY, locale=locale))


def clock(value: time | datetime) -> str:
    """A time of day, on the 24-hour clock: 14:30."""
    return f"{value.hour:02d}:{value.minute:02d}"


def moment(value: datetime, tz: tzinfo | None = None) -> str:
    """A day and its time: Wed 2 Dec 2026 14:30 (in `tz` when given, else as the datetime has it)."""
    shown = value.astimezone(tz) if tz is not None else value
    return f"{day(shown)} {clock(shown)}"


def month(value: date) -> str:
    """A month: December 2026."""
    return str(format_date(value, _MONTH, locale=LOCALE))


def span(start: date, end: date | None, *, open_end: str = "no end date") -> str:
    """A range of days: "Wed 2 Dec 2026 to Sat 9 Jan 2027", its year said once when both days
    share it ("Sun 1 Feb to Sat 28 Feb 2026"); without an end, "Wed 2 Dec 2026 to no end date"."""
    if end is None:
        return f"{day(start)} to {open_end}"
    if isinstance(start, datetime):
        start = start.date()
    first = format_date(start, _DAY_IN_YEAR, locale=LOCALE) if start.year == end.year else day(start)
    return f"{first} to {day(end)}"


def listed(items: list[str] | tuple[str, ...], *, conjunction: str = "and") -> str:
    """Words in a sentence: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
