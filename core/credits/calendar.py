"""When a membership's credits come, as pure rules: the days of its periodic grants and its
anniversaries. The daily job grants on these days (core/credits/grants.py) and revenue divides
service credit revenue over what they add up to (core/revenue/service.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from core.credits.terms import CreditTerms, Frequency
from core.plans.terms import period_months


def period_starts(
    start: date, end: date | None, terms: CreditTerms, billing_type: str, until: date
) -> list[date]:
    """The days on which a membership's periodic credits come, up to `until`."""
    last = until if end is None else min(until, end)
    return list(itertools.takewhile(lambda day: day <= last, _period_days(start, end, terms, billing_type)))


def next_grant_day(
    start: date, end: date | None, terms: CreditTerms, billing_type: str, after: date
) -> date | None:
    """The first day after `after` on which a periodic or anniversary credit comes; None: none
    ever will."""
    days = list(itertools.islice((d for d in _period_days(start, end, terms, billing_type) if d > after), 1))
    if terms.anniversary_amount > 0:
        year = len(anniversaries(start, end, after)) + 1
        if _in_term(start, end, year):
            days.append(anniversary_day(start, year))
    return min(days, default=None)


def anniversaries(start: date, end: date | None, until: date) -> list[int]:
    """The membership years completed by `until` (1, 2, ...): each one earns the anniversary credit."""
    years = []
    year = 1
    while anniversary_day(start, year) <= until and _in_term(start, end, year):
        years.append(year)
        year += 1
    return years


def anniversary_day(start: date, year: int) -> date:
    """The day the membership completes its `year`-th year, and its anniversary credit comes."""
    return start + relativedelta(years=year)


def _in_term(start: date, end: date | None, year: int) -> bool:
    """A year completed by the last day of the term (the day after it) still earns its credit."""
    return end is None or anniversary_day(start, year) <= end + timedelta(days=1)


def _period_days(start: date, end: date | None, terms: CreditTerms, billing_type: str) -> Iterator[date]:
    if terms.per_period <= 0:
        return
    months = period_months(billing_type)
    if terms.frequency == Frequency.ONCE or (terms.frequency == Frequency.BILLING_PERIOD and months is None):
        yield start
        return
    k = 0
    while True:
        if terms.frequency == Frequency.EVERY_N_DAYS or months is None:
            day = start + timedelta(days=k * terms.every_days)
        else:
            day = start + relativedelta(months=k * months)
        if end is not None and day > end:
            return
        yield day
        k += 1
