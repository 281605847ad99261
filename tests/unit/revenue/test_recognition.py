"""Revenue recognition rules, without a database: the split, the sale price, spreading by day,
rounding remainders, and the invariant that a finished schedule adds up to the sale price."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from core.kernel.errors import Errors
from core.revenue import recognition as r
from core.revenue.recognition import Amounts, CreditEvent, Sale, Split

D = Decimal


def errors_of(split: Split, price: str, *, has_credits: bool = True) -> list[str]:
    errors = Errors()
    r.check_split(errors, split, D(price), currency="USD", has_credits=has_credits)
    return [e.field for e in errors.items]


def test_a_split_that_adds_up_to_the_price_is_accepted() -> None:
    assert errors_of(Split(D("10.00"), D("30.00"), D("9.00")), "49.00") == []


@pytest.mark.parametrize(
    ("split", "fields"),
    [
        (Split(D("10.00"), D("30.00"), D("8.00")), ["split"]),  # 48.00, not 49.00
        (Split(D("-1.00"), D("41.00"), D("9.00")), ["irr"]),
        (Split(D("10.00"), D("30.001"), D("9.00")), ["mrr"]),  # more decimals than USD has
        (Split(D("10.00"), D("39.00"), D("0.00")), []),
    ],
)
def test_bad_splits_name_their_field(split: Split, fields: list[str]) -> None:
    assert errors_of(split, "49.00") == fields


def test_scr_needs_credits_to_divide_over() -> None:
    assert errors_of(Split(D(0), D("40.00"), D("9.00")), "49.00", has_credits=False) == ["scr"]
    assert errors_of(Split(D(0), D("49.00"), D(0)), "49.00", has_credits=False) == []


def test_a_split_refits_a_changed_price_keeping_irr_and_scr_shares() -> None:
    assert r.fitted(Split(D("10.00"), D("30.00"), D("10.00")), D("60.00"), 2) == Split(
        D("12.00"), D("36.00"), D("12.00")
    )
    # Shares of 33.33...%: IRR and SCR round half up, MRR takes the remainder.
    assert r.fitted(Split(D(1), D(1), D(1)), D("10.00"), 2) == Split(D("3.33"), D("3.34"), D("3.33"))
    assert r.fitted(Split(D(0), D(0), D(0)), D("5.00"), 2) == r.default_split(D("5.00"))


@pytest.mark.parametrize(
    ("billing", "end", "periods"),
    [
        ("monthly", date(2026, 2, 28), 12),
        ("quarterly", date(2026, 2, 28), 4),
        ("twice-a-year", date(2026, 2, 28), 2),
        ("yearly", date(2026, 2, 28), 1),
        ("one-time", date(2026, 2, 28), 1),
        ("monthly", date(2025, 4, 15), 2),  # a last, partial period counts as a whole one
        ("monthly", date(2025, 3, 1), 1),
    ],
)
def test_billing_periods_in_a_term(billing: str, end: date, periods: int) -> None:
    found = r.billing_periods(billing, date(2025, 3, 1), end)
    assert len(found) == periods and all(p.price(D("49.00"), 2) == D("49.00") for p in found)


def _sold_for(
    price: Decimal, fee: Decimal, billing: str, start: date, end: date, *, prorate: bool = False
) -> Decimal:
    """What a term is sold for, as the revenue report computes it (setup fee on IRR, all MRR)."""
    term = r.terms_sold(billing, start, end, end, prorate=prorate)[0]
    return r.sale_of(term, price, Split(D(0), price, D(0)), fee, start, D(0)).price


def test_the_sale_price_is_the_setup_fee_plus_the_price_per_period() -> None:
    assert _sold_for(D("49.00"), D("25.00"), "monthly", date(2025, 3, 1), date(2026, 2, 28)) == D("613.00")
    assert _sold_for(D("499.00"), D("25.00"), "one-time", date(2025, 3, 1), date(2026, 2, 28)) == D("524.00")


def test_a_prorated_plan_sells_the_days_of_its_first_and_last_periods() -> None:
    # From 15 March for a year, billed on the first of the month: 17 of March's 31 days, eleven
    # full months, and 14 of March 2026's 31 days.
    periods = r.billing_periods("monthly", date(2025, 3, 15), date(2026, 3, 14), prorate=True)
    assert [(p.first, p.last, p.days, p.full_days) for p in (periods[0], periods[1], periods[-1])] == [
        (date(2025, 3, 15), date(2025, 3, 31), 17, 31),
        (date(2025, 4, 1), date(2025, 4, 30), 30, 30),
        (date(2026, 3, 1), date(2026, 3, 14), 14, 31),
    ]
    price = _sold_for(D("49.00"), D(0), "monthly", date(2025, 3, 15), date(2026, 3, 14), prorate=True)
    assert price == D("26.87") + 11 * D("49.00") + D("22.13")  # 49 x 17/31 = 26.87, 49 x 14/31 = 22.13


def test_a_prorated_period_splits_in_the_shares_of_the_price() -> None:
    term = r.terms_sold("monthly", date(2025, 3, 15), date(2025, 4, 30), date(2025, 4, 30), prorate=True)[0]
    sale = r.sale_of(
        term, D("49.00"), Split(D("4.00"), D("40.00"), D("5.00")), D("25.00"), date(2025, 3, 15), D(2)
    )
    # March: 26.87 as IRR 2.19, SCR 2.74, MRR the rest (21.94); April in full.
    assert (sale.irr, sale.mrr, sale.scr) == (
        D("25.00") + D("2.19") + D("4.00"),
        D("21.94") + D("40.00"),
        D("7.74"),
    )
    assert sale.price == D("25.00") + D("26.87") + D("49.00")


def test_an_open_ended_monthly_membership_is_sold_period_by_period() -> None:
    terms = r.terms_sold("monthly", date(2025, 1, 31), None, date(2025, 3, 31))
    assert [(t.start, t.end, t.setup_fee) for t in terms] == [
        (date(2025, 1, 31), date(2025, 2, 27), True),
        (date(2025, 2, 28), date(2025, 3, 30), False),
        (date(2025, 3, 31), date(2025, 4, 29), False),
    ]
    # Sold before it starts: the first period is sold at once.
    assert len(r.terms_sold("monthly", date(2025, 5, 1), None, date(2025, 4, 30))) == 1
    [forever] = r.terms_sold("one-time", date(2025, 5, 1), None, date(2030, 1, 1))
    assert (forever.start, forever.end, len(forever.periods)) == (date(2025, 5, 1), None, 1)


def test_a_year_is_spread_by_day_across_months_of_different_length() -> None:
    spread = dict(r.spread_by_day(D("365.00"), date(2025, 1, 1), date(2025, 12, 31)))
    assert spread[date(2025, 1, 1)] == D("31.00")
    assert spread[date(2025, 2, 1)] == D("28.00")
    assert spread[date(2025, 4, 1)] == D("30.00")
    assert sum(spread.values()) == D("365.00")


def test_a_leap_year_gives_february_its_29th_day() -> None:
    spread = dict(r.spread_by_day(D("366.00"), date(2024, 1, 1), date(2024, 12, 31)))
    assert spread[date(2024, 2, 1)] == D("29.00") and len(spread) == 12
    # The same amount over a year with no 29 February: February earns 28/365 of it.
    other = dict(r.spread_by_day(D("366.00"), date(2025, 1, 1), date(2025, 12, 31)))
    assert other[date(2025, 2, 1)] == D("28.08")


def test_rounding_remainders_fall_where_the_to_date_figure_crosses_a_half_cent() -> None:
    # 100.00 over 90 days: to date 34.44 (31 days), 65.56 (59 days), 100.00 (90 days).
    spread = r.spread_by_day(D("100.00"), date(2025, 1, 1), date(2025, 3, 31))
    assert spread == [
        (date(2025, 1, 1), D("34.44")),
        (date(2025, 2, 1), D("31.12")),
        (date(2025, 3, 1), D("34.44")),
    ]
    # A term starting mid-month: 15 days of January, all of February.
    assert r.spread_by_day(D("10.00"), date(2025, 1, 17), date(2025, 2, 28)) == [
        (date(2025, 1, 1), D("3.49")),
        (date(2025, 2, 1), D("6.51")),
    ]


def test_a_one_time_membership_without_end_earns_its_mrr_at_once() -> None:
    assert r.spread_by_day(D("10.00"), date(2025, 1, 17), None) == [(date(2025, 1, 1), D("10.00"))]


def gold(sold_on: date = date(2025, 1, 15), credits: str = "12") -> Sale:
    """A year from 1 Feb 2025, sold for 120.00 IRR (setup fee included), 365.00 MRR, 60.00 SCR."""
    return Sale(
        sold_on, date(2025, 2, 1), date(2026, 1, 31), D("120.00"), D("365.00"), D("60.00"), D(credits)
    )


def test_irr_at_sale_mrr_from_the_start_scr_on_redemption() -> None:
    plan = r.schedule(gold(), [CreditEvent(date(2025, 2, 10), D(2)), CreditEvent(date(2025, 2, 20), D(1))])
    assert plan[date(2025, 1, 1)] == Amounts(irr=D("120.00"))
    assert plan[date(2025, 2, 1)] == Amounts(mrr=D("28.00"), scr=D("15.00"))
    assert r.through(plan, date(2025, 2, 1)).total == D("163.00")
    assert r.through(plan, date(2024, 12, 1)) == Amounts()


def test_a_reversal_takes_back_what_the_redemption_earned() -> None:
    events = [CreditEvent(date(2025, 2, 10), D(1)), CreditEvent(date(2025, 3, 2), D(-1))]
    plan = r.schedule(gold(), events)
    assert plan[date(2025, 2, 1)].scr == D("5.00") and plan[date(2025, 3, 1)].scr == D("-5.00")


def test_scr_per_credit_rounds_to_date_and_never_earns_more_than_the_scr() -> None:
    sale = gold(credits="7")  # 60.00 / 7 = 8.571428...
    events = [CreditEvent(date(2025, 2 + i, 3), D(1)) for i in range(7)]
    plan = r.schedule(sale, [*events, CreditEvent(date(2025, 9, 9), D(3))])  # 10 used of 7
    assert [plan[date(2025, 2 + i, 1)].scr for i in range(7)] == [
        D("8.57"),
        D("8.57"),
        D("8.57"),
        D("8.58"),
        D("8.57"),
        D("8.57"),
        D("8.57"),
    ]
    assert date(2025, 9, 1) not in plan or plan[date(2025, 9, 1)].scr == 0
    assert r.through(plan, date(2026, 1, 1)) == Amounts(D("120.00"), D("365.00"), D("60.00"))


def test_a_back_dated_start_catches_up_in_the_month_of_the_sale() -> None:
    plan = r.schedule(gold(sold_on=date(2025, 3, 10)), [])
    assert date(2025, 2, 1) not in plan
    assert plan[date(2025, 3, 1)] == Amounts(irr=D("120.00"), mrr=D("59.00"))


def test_scr_without_credits_to_divide_over_is_breakage_at_the_end_of_the_term() -> None:
    plan = r.schedule(gold(credits="0"), [])
    assert plan[date(2026, 1, 1)].scr == D("60.00")


@st.composite
def sales(draw: st.DrawFn) -> tuple[Sale, list[CreditEvent]]:
    cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c).scaleb(-2))
    start = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
    end = start + timedelta(days=draw(st.integers(min_value=0, max_value=1500)))
    sold_on = start + timedelta(days=draw(st.integers(min_value=-60, max_value=60)))
    credits = D(draw(st.integers(min_value=0, max_value=500)))
    sale = Sale(sold_on, start, end, draw(cents), draw(cents), draw(cents), credits)
    uses = draw(st.lists(st.integers(min_value=-3, max_value=20), max_size=30))
    days = st.integers(min_value=0, max_value=(end - start).days)
    events = [CreditEvent(start + timedelta(days=draw(days)), D(q)) for q in uses]
    left = credits - sum((e.quantity for e in events), D(0))
    events.append(CreditEvent(end, max(left, D(0))))  # what is left expires, or was never granted
    return sale, events


@given(sales())
def test_a_finished_schedule_adds_up_to_the_sale_price_to_the_cent(
    case: tuple[Sale, list[CreditEvent]],
) -> None:
    sale, events = case
    plan = r.schedule(sale, events)
    assert sum((a.total for a in plan.values()), D(0)) == sale.price
    assert min(plan) >= r.month_of(sale.sold_on) if plan else sale.price == 0


@given(sales())
def test_to_date_never_leaves_the_exact_share_by_a_cent(case: tuple[Sale, list[CreditEvent]]) -> None:
    sale, _ = case
    assert sale.end is not None
    days = (sale.end - sale.start).days + 1
    done, to_date = 0, D(0)
    for month, value in r.spread_by_day(sale.mrr, sale.start, sale.end):
        last = min(sale.end, month + relativedelta(months=1) - timedelta(days=1))
        done += (last - max(sale.start, month)).days + 1
        to_date += value
        assert abs(to_date - sale.mrr * done / days) <= D("0.005")
    assert to_date == sale.mrr


def test_a_past_sale_counts_as_sold_on_its_first_day_any_other_on_its_approval() -> None:
    approved, recorded = date(2026, 2, 10), date(2026, 2, 9)
    assert r.sold_on(approved, recorded, date(2025, 1, 1), date(2025, 12, 31)) == date(2025, 1, 1)
    assert r.sold_on(approved, recorded, date(2025, 1, 1), date(2026, 2, 9)) == approved  # ends that day
    assert r.sold_on(approved, recorded, date(2025, 1, 1), None) == approved
    assert r.sold_on(approved, recorded, date(2026, 3, 1), date(2027, 2, 28)) == approved
