"""The billing schedule as pure rules: which charges a membership owes, for which periods, and how
freezes, a cancellation and the lock-in change them. No database: core/billing/service.py stores them.

- Billing types: one-time (one charge at the start), monthly, quarterly (3 months), twice a year
  (6 months), yearly (12 months). The price is the price of one billing period (of the whole
  membership for one-time), the setup fee is added to the first charge.
- Without proration (a plan's default) periods run from the membership's own start date: a start
  on 15 March bills on the 15th, every charge the full price.
- With proration periods run from the first of the month: a start on 15 March pays the days from
  15 to the end of its period only (price x days / days of the period), then the full price from the
  next billing date on the first of the month. A last period cut short by the end of the term is
  prorated the same way. Amounts are rounded half up to the currency's decimals.
- A billing date that falls while the membership is frozen bills the freeze fee instead of the
  regular charge (a one-time plan bills the freeze fee once per freeze, on its first day).
- A cancellation drops every regular charge of a period that begins on or after its date. Inside
  the lock-in it bills, instead, the regular charges of the periods that begin before the lock-in
  ends: what the member would have paid by the end of the lock-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from core.plans.terms import PERIOD_MONTHS, BillingType

REGULAR, FREEZE, LOCK_IN = "regular", "freeze", "lock-in"


@dataclass(frozen=True)
class Pricing:
    """What a membership is billed, after its location's overrides."""

    billing_type: BillingType
    price: Decimal
    setup_fee: Decimal = Decimal(0)
    freeze_fee: Decimal = Decimal(0)
    prorate: bool = False
    lock_in_months: int = 0
    digits: int = 2  # the currency's decimals


@dataclass(frozen=True)
class Due:
    """One charge to raise: its key within the membership is (kind, period_start)."""

    kind: str
    period_start: date
    period_end: date  # the last day paid for
    due_on: date
    amount: Decimal  # the setup fee included
    setup_fee: Decimal = Decimal(0)
    prorated: bool = False

    @property
    def key(self) -> tuple[str, date]:
        return (self.kind, self.period_start)


@dataclass(frozen=True)
class Freeze:
    starts_on: date
    last_day: date | None  # the last frozen day; None: frozen until further notice


def periods(
    billing_type: BillingType, start: date, end: date | None, through: date, *, prorate: bool
) -> list[tuple[date, date, date]]:
    """(first day, last day, full period's first day) of each billing period that begins by
    `through` and by the end of the term. A one-time plan has one period: the whole term."""
    if billing_type is BillingType.ONE_TIME:
        return [(start, end or start, start)]
    months = PERIOD_MONTHS[billing_type]
    anchor = start.replace(day=1) if prorate else start
    last = through if end is None else min(through, end)
    result: list[tuple[date, date, date]] = []
    k = 0
    while True:
        full_start = anchor + relativedelta(months=k * months)
        full_end = anchor + relativedelta(months=(k + 1) * months) - timedelta(days=1)
        first = max(full_start, start)
        if first > last:
            return result
        result.append((first, full_end if end is None else min(full_end, end), full_start))
        k += 1


def regular(pricing: Pricing, start: date, end: date | None, through: date) -> list[Due]:
    """The regular charges of a term (of an open-ended membership: those that begin by `through`)."""
    dues = []
    for i, (first, last, full_start) in enumerate(
        periods(pricing.billing_type, start, end, through, prorate=pricing.prorate)
    ):
        amount, prorated = pricing.price, False
        if pricing.billing_type is not BillingType.ONE_TIME and pricing.prorate:
            full_end = full_start + relativedelta(months=PERIOD_MONTHS[pricing.billing_type])
            full_days = (full_end - full_start).days
            days = (last - first).days + 1
            if days < full_days:
                amount, prorated = _round(pricing.price * days / full_days, pricing.digits), True
        setup = pricing.setup_fee if i == 0 else Decimal(0)
        dues.append(Due(REGULAR, first, last, first, amount + setup, setup, prorated))
    return dues


def frozen_on(freezes: Sequence[Freeze], day: date) -> Freeze | None:
    for f in freezes:
        if f.starts_on <= day and (f.last_day is None or day <= f.last_day):
            return f
    return None


def schedule(
    pricing: Pricing,
    start: date,
    end: date | None,
    through: date,
    *,
    freezes: Sequence[Freeze] = (),
    cancelled_from: date | None = None,
    today: date | None = None,
) -> list[Due]:
    """Every charge the membership owes: its regular charges, with the freeze fee in place of those
    whose billing date falls in a freeze, none from a cancellation on, and the lock-in fee.

    Freeze fees of a freeze with no end date are raised as their billing dates come (by `today`);
    the regular charges they replace are not raised meanwhile."""
    today = today or through
    plan = regular(pricing, start, end, through)
    dues: list[Due] = []
    for due in plan:
        if cancelled_from is not None and due.period_start >= cancelled_from:
            continue
        freeze = frozen_on(freezes, due.period_start)
        if freeze is None or pricing.billing_type is BillingType.ONE_TIME:
            dues.append(due)
        elif freeze.last_day is not None or due.period_start <= today:
            dues.append(Due(FREEZE, due.period_start, due.period_end, due.period_start, pricing.freeze_fee))
    if pricing.billing_type is BillingType.ONE_TIME:
        for f in freezes:
            if cancelled_from is None or f.starts_on < cancelled_from:
                last = f.last_day or f.starts_on
                dues.append(Due(FREEZE, f.starts_on, last, f.starts_on, pricing.freeze_fee))
    if cancelled_from is not None:
        fee = lock_in_fee(pricing, start, end, cancelled_from)
        if fee > 0:
            lock_end = lock_in_end(start, pricing.lock_in_months) - timedelta(days=1)
            dues.append(Due(LOCK_IN, cancelled_from, lock_end, cancelled_from, fee))
    return [d for d in dues if d.amount > 0]


def lock_in_end(start: date, lock_in_months: int) -> date:
    """The first day after the lock-in."""
    return start + relativedelta(months=lock_in_months)


def lock_in_fee(pricing: Pricing, start: date, end: date | None, cancelled_from: date) -> Decimal:
    """The regular charges of the periods that begin from the cancellation to the end of the
    lock-in, without any setup fee: 0 outside the lock-in."""
    ends = lock_in_end(start, pricing.lock_in_months)
    if pricing.lock_in_months <= 0 or cancelled_from >= ends:
        return Decimal(0)
    return sum(
        (
            d.amount - d.setup_fee
            for d in regular(pricing, start, end, ends - timedelta(days=1))
            if cancelled_from <= d.period_start < ends
        ),
        Decimal(0),
    )


def months_left(pricing: Pricing, start: date, end: date | None, cancelled_from: date) -> int:
    """The lock-in months the fee pays for: from the first billing date on or after the
    cancellation to the end of the lock-in (a part month counts as one); 0 outside the lock-in."""
    ends = lock_in_end(start, pricing.lock_in_months)
    billed = [
        d.period_start
        for d in regular(pricing, start, end, ends - timedelta(days=1))
        if cancelled_from <= d.period_start < ends
    ]
    if pricing.lock_in_months <= 0 or not billed:
        return 0
    months = 0
    while billed[0] + relativedelta(months=months) < ends:
        months += 1
    return months


def _round(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
