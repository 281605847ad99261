"""Revenue recognition as pure rules: what a membership is sold for, how its price splits into
initially recognised revenue (IRR), monthly recognised revenue (MRR) and service credit revenue
(SCR), and in which month each part is earned. No database here: core/revenue/service.py feeds these
functions the contracts and ledger entries it read.

- IRR (with the whole setup fee) is earned on the day of the sale.
- MRR is spread over the term by day: each month earns its share of the term's days.
- SCR is earned as the membership's credits leave its lots (redeemed, expired as breakage,
  transferred or deducted) and un-earned when a reversal puts them back; each unit of credit is
  worth SCR / the units the membership is to be granted.

Rounding: amounts are never rounded month by month. What is recognised *to date* is the exact
pro-rata share rounded half up to the currency's minor unit, and a month's amount is the
difference between two such figures. So the remainder lands in whichever month carries the
to-date figure across a half cent, no month differs from its exact share by a whole cent, and
the months of a finished schedule add up to the part exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from core.kernel.errors import Errors
from core.kernel.money import amount
from core.plans.terms import period_months

ZERO = Decimal(0)


@dataclass(frozen=True)
class Split:
    """How one price of a plan (the one-time price, or the price of one billing period) divides
    into the three parts. The setup fee is not part of it: all of it is IRR."""

    irr: Decimal
    mrr: Decimal
    scr: Decimal

    @property
    def total(self) -> Decimal:
        return self.irr + self.mrr + self.scr


def default_split(price: Decimal) -> Split:
    """Until a split is set, the whole price is spread over the term."""
    return Split(ZERO, price, ZERO)


def check_split(errors: Errors, split: Split, price: Decimal, *, currency: str, has_credits: bool) -> Split:
    """The split with amounts normalised, after recording every problem: each part is an amount
    of the currency, not negative; the parts add up to the price; SCR needs credits to divide over."""
    mine = Errors()
    irr = amount(mine, "irr", split.irr, label="The IRR", currency=currency)
    mrr = amount(mine, "mrr", split.mrr, label="The MRR", currency=currency)
    scr = amount(mine, "scr", split.scr, label="The SCR", currency=currency)
    if not mine and irr + mrr + scr != price:
        mine.add(
            "split",
            f"IRR {irr} + MRR {mrr} + SCR {scr} make {irr + mrr + scr}, not the price {price}.",
        )
    if scr > 0 and not has_credits:
        mine.add("scr", "This plan grants no credits (or grants them without end): its SCR must be 0.")
    errors.extend(mine.items)
    return Split(irr, mrr, scr)


def fitted(split: Split, price: Decimal, places: int) -> Split:
    """A split made to add up to `price` when the price changed after the split was set: IRR and
    SCR keep their share of the price (rounded half up) and MRR takes the rest."""
    if split.total == price:
        return split
    if split.total == 0:
        return default_split(price)
    scr = _round(price * split.scr / split.total, places)
    irr = min(_round(price * split.irr / split.total, places), price - scr)
    return Split(irr, price - irr - scr, scr)


# --- what is sold --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One billing period: its days in the term, and the days of a full period (equal unless it
    is prorated)."""

    first: date
    last: date
    days: int
    full_days: int

    def price(self, price: Decimal, places: int) -> Decimal:
        """A full period costs the price; a prorated one price x days / full days, rounded half up."""
        return price if self.days >= self.full_days else _round(price * self.days / self.full_days, places)


def billing_periods(
    billing_type: str, start: date, end: date | None, through: date | None = None, *, prorate: bool = False
) -> list[Period]:
    """The billing periods that begin in the term (by `through` too, when it has no end). One for
    a one-time plan. Without proration they run from the start date at the full price, a last
    period cut short by the end of the term included; with proration (the plan version's
    `prorate_first_period`) they run from the first of the month, and a first or last period
    shorter than a full one is prorated by day, as billing charges them."""
    months = period_months(billing_type)
    if months is None:
        return [Period(start, end or start, 1, 1)]
    anchor = start.replace(day=1) if prorate else start
    last_day = end if end is not None else through if through is not None else start
    found: list[Period] = []
    k = 0
    while (full_first := anchor + relativedelta(months=k * months)) <= last_day or not found:
        full_last = anchor + relativedelta(months=(k + 1) * months) - timedelta(days=1)
        first = max(full_first, start)
        last = full_last if end is None else min(full_last, end)
        full_days = (full_last - full_first).days + 1
        found.append(Period(first, last, (last - first).days + 1 if prorate else full_days, full_days))
        k += 1
    return found


@dataclass(frozen=True)
class Term:
    """A stretch of a membership sold as one: the whole term, or one billing period of an
    open-ended membership. `end` None: a one-time membership that never ends."""

    index: int
    start: date
    end: date | None
    periods: tuple[Period, ...]  # the billing periods priced in it

    @property
    def setup_fee(self) -> bool:
        return self.index == 0  # the first term carries the setup fee


def terms_sold(
    billing_type: str, start: date, end: date | None, through: date, *, prorate: bool = False
) -> list[Term]:
    """The terms of a membership sold by `through`. With an end date, the whole term at once. An
    open-ended recurring membership is sold period by period as each begins, so that what a month
    recognised never changes when later periods come; an open-ended one-time membership is one
    term without end."""
    periods = billing_periods(billing_type, start, end, through, prorate=prorate)
    if end is not None:
        return [Term(0, start, end, tuple(periods))]
    if period_months(billing_type) is None:
        return [Term(0, start, None, tuple(periods))]
    return [Term(k, p.first, p.last, (p,)) for k, p in enumerate(periods)]


@dataclass(frozen=True)
class Sale:
    """One term's sale, already split: IRR + MRR + SCR is its price."""

    sold_on: date  # IRR is earned on this day; nothing is earned in a month before it
    start: date
    end: date | None
    irr: Decimal
    mrr: Decimal
    scr: Decimal
    credits: Decimal  # the credits (or amount of monetary credit) its SCR is divided over

    @property
    def price(self) -> Decimal:
        return self.irr + self.mrr + self.scr


def sale_of(
    term: Term,
    price: Decimal,
    split: Split,
    setup_fee: Decimal,
    sold_on: date,
    credits: Decimal,
    places: int = 2,
) -> Sale:
    """A term's sale: each period's price split as the plan's price is (a prorated period's split
    refitted to its price), plus the setup fee on IRR."""
    irr, mrr, scr = setup_fee if term.setup_fee else ZERO, ZERO, ZERO
    for period in term.periods:
        part = fitted(split, period.price(price, places), places)
        irr, mrr, scr = irr + part.irr, mrr + part.mrr, scr + part.scr
    return Sale(sold_on, term.start, term.end, irr, mrr, scr, credits)


# --- when it is earned ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditEvent:
    """Credits of the sale leaving its lots (+: redeemed, expired, transferred, never granted) or
    coming back (-: a reversal)."""

    on: date
    quantity: Decimal


@dataclass(frozen=True)
class Amounts:
    irr: Decimal = ZERO
    mrr: Decimal = ZERO
    scr: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.irr + self.mrr + self.scr

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.irr + other.irr, self.mrr + other.mrr, self.scr + other.scr)


Schedule = dict[date, Amounts]  # keyed by the first day of each month


def sold_on(decided: date, recorded: date, start: date, end: date | None) -> date:
    """The day a membership counts as sold: the day it was approved — unless it is a past sale
    (its term was over before it was recorded), which was sold on its first day: its periods
    earn in their own months, not all at once in the month it was entered."""
    if end is not None and start <= end < recorded:
        return min(decided, start)
    return decided


def month_of(day: date) -> date:
    return day.replace(day=1)


def schedule(sale: Sale, events: Iterable[CreditEvent], places: int = 2) -> Schedule:
    """What the sale earns in each month. Months before the sale earn nothing: what falls in them
    (the days of a back-dated start) is earned in the month of the sale."""
    sold = month_of(sale.sold_on)
    out: Schedule = {}

    def add(month: date, part: Amounts) -> None:
        key = max(month, sold)
        out[key] = out.get(key, Amounts()) + part

    add(sold, Amounts(irr=sale.irr))
    for month, value in spread_by_day(sale.mrr, sale.start, sale.end, places):
        add(month, Amounts(mrr=value))
    for month, value in _scr_by_month(sale, events, places):
        add(month, Amounts(scr=value))
    return {m: a for m, a in sorted(out.items()) if a != Amounts()}


def spread_by_day(
    total: Decimal, start: date, end: date | None, places: int = 2
) -> list[tuple[date, Decimal]]:
    """`total` over the days from `start` to `end` (both included), month by month; with no end
    there is no term to spread over, and all of it falls on the first day."""
    if end is None or end < start:
        return [(month_of(start), total)]
    days = (end - start).days + 1
    out: list[tuple[date, Decimal]] = []
    done, before = 0, ZERO
    month = month_of(start)
    while month <= end:
        next_month = month + relativedelta(months=1)
        done += (min(end, next_month - timedelta(days=1)) - max(start, month)).days + 1
        to_date = _round(total * done / days, places)
        out.append((month, to_date - before))
        before = to_date
        month = next_month
    return out


def _scr_by_month(sale: Sale, events: Iterable[CreditEvent], places: int) -> list[tuple[date, Decimal]]:
    if sale.scr == 0:
        return []
    if sale.credits <= 0:
        # Nothing to divide over: earned at the end of the term as breakage (at the sale, if none).
        return [(month_of(sale.end or sale.sold_on), sale.scr)]
    by_month: dict[date, Decimal] = {}
    for event in events:
        by_month[month_of(event.on)] = by_month.get(month_of(event.on), ZERO) + event.quantity
    out: list[tuple[date, Decimal]] = []
    used, before = ZERO, ZERO
    for month in sorted(by_month):
        used += by_month[month]
        # More units than planned leaving (a longer term, say) cannot earn more than the SCR.
        to_date = _round(sale.scr * min(max(used, ZERO), sale.credits) / sale.credits, places)
        out.append((month, to_date - before))
        before = to_date
    return out


def through(plan: Schedule, month: date) -> Amounts:
    """What the schedule earned up to the end of `month`."""
    total = Amounts()
    for key, value in plan.items():
        if key <= month:
            total += value
    return total


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
