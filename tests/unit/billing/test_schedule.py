"""The billing schedule as pure rules: billing types, the setup fee, proration, freezes, the
lock-in, and per-location prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest

from core.billing.schedule import (
    FREEZE,
    LOCK_IN,
    Freeze,
    Pricing,
    lock_in_fee,
    months_left,
    regular,
    schedule,
)
from core.plans.terms import BillingType

D = Decimal
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("billing", "starts"),
    [
        (BillingType.ONE_TIME, [date(2026, 1, 1)]),
        (BillingType.MONTHLY, [date(2026, m, 1) for m in range(1, 13)]),
        (BillingType.QUARTERLY, [date(2026, m, 1) for m in (1, 4, 7, 10)]),
        (BillingType.TWICE_A_YEAR, [date(2026, 1, 1), date(2026, 7, 1)]),
        (BillingType.YEARLY, [date(2026, 1, 1)]),
    ],
)
def test_each_billing_type_bills_its_periods_across_the_term(
    billing: BillingType, starts: list[date]
) -> None:
    dues = regular(Pricing(billing, D("30.00")), *YEAR_2026, through=date(2030, 1, 1))
    assert [d.period_start for d in dues] == starts
    assert [d.due_on for d in dues] == starts  # due on the first day of the period it pays for
    assert all(d.amount == D("30.00") for d in dues)
    assert dues[-1].period_end == date(2026, 12, 31)
    # Consecutive periods leave no gap and overlap nowhere.
    assert all(a.period_end.toordinal() + 1 == b.period_start.toordinal() for a, b in pairwise(dues))


def test_the_setup_fee_comes_with_the_first_charge_only() -> None:
    dues = regular(
        Pricing(BillingType.MONTHLY, D("49.00"), setup_fee=D("25.00")), *YEAR_2026, through=date(2027, 1, 1)
    )
    assert (dues[0].amount, dues[0].setup_fee) == (D("74.00"), D("25.00"))
    assert {(d.amount, d.setup_fee) for d in dues[1:]} == {(D("49.00"), D(0))}


def test_a_start_mid_month_without_proration_bills_from_its_own_date() -> None:
    dues = regular(
        Pricing(BillingType.MONTHLY, D("49.00")), date(2026, 3, 15), date(2026, 6, 14), date(2027, 1, 1)
    )
    assert [(d.period_start, d.period_end, d.amount) for d in dues] == [
        (date(2026, 3, 15), date(2026, 4, 14), D("49.00")),
        (date(2026, 4, 15), date(2026, 5, 14), D("49.00")),
        (date(2026, 5, 15), date(2026, 6, 14), D("49.00")),
    ]


def test_a_start_mid_month_with_proration_pays_its_days_then_bills_on_the_first() -> None:
    pricing = Pricing(BillingType.MONTHLY, D("31.00"), setup_fee=D("10.00"), prorate=True)
    dues = regular(pricing, date(2026, 3, 15), date(2026, 6, 14), date(2027, 1, 1))
    assert [(d.period_start, d.period_end, d.amount, d.prorated) for d in dues] == [
        (date(2026, 3, 15), date(2026, 3, 31), D("27.00"), True),  # 17 of 31 days = 17.00, + setup 10.00
        (date(2026, 4, 1), date(2026, 4, 30), D("31.00"), False),
        (date(2026, 5, 1), date(2026, 5, 31), D("31.00"), False),
        (date(2026, 6, 1), date(2026, 6, 14), D("14.47"), True),  # 14 of 30 days, rounded half up
    ]


def test_a_quarterly_start_mid_period_is_prorated_over_the_whole_quarter() -> None:
    pricing = Pricing(BillingType.QUARTERLY, D("89.00"), prorate=True)
    first = regular(pricing, date(2026, 2, 15), None, date(2026, 2, 15))
    # The quarter from 1 February runs to 30 April: 89 days, of which 75 are covered.
    assert [(d.period_start, d.period_end, d.amount) for d in first] == [
        (date(2026, 2, 15), date(2026, 4, 30), D("75.00"))
    ]


def test_a_start_on_the_first_is_never_prorated() -> None:
    dues = regular(
        Pricing(BillingType.MONTHLY, D("49.00"), prorate=True), *YEAR_2026, through=date(2027, 1, 1)
    )
    assert not any(d.prorated for d in dues) and len(dues) == 12


def test_an_open_ended_membership_bills_what_begins_by_the_horizon() -> None:
    dues = regular(Pricing(BillingType.MONTHLY, D("10.00")), date(2026, 1, 10), None, date(2026, 3, 10))
    assert [d.period_start for d in dues] == [date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)]


def test_a_location_override_is_just_another_price() -> None:
    # core.billing.service resolves a location's price and setup fee into the Pricing; the rules stay.
    base = Pricing(BillingType.MONTHLY, D("49.00"), setup_fee=D("25.00"))
    downtown = Pricing(BillingType.MONTHLY, D("59.00"), setup_fee=D("0.00"))
    assert regular(base, *YEAR_2026, through=date(2027, 1, 1))[0].amount == D("74.00")
    assert regular(downtown, *YEAR_2026, through=date(2027, 1, 1))[0].amount == D("59.00")


def test_a_freeze_across_a_month_boundary_bills_the_freeze_fee_on_that_billing_date() -> None:
    pricing = Pricing(BillingType.MONTHLY, D("49.00"), freeze_fee=D("5.00"))
    dues = schedule(
        pricing, *YEAR_2026, through=date(2027, 1, 1), freezes=[Freeze(date(2026, 1, 20), date(2026, 2, 10))]
    )
    feb = [d for d in dues if d.period_start == date(2026, 2, 1)]
    assert [(d.kind, d.amount) for d in feb] == [(FREEZE, D("5.00"))]
    assert sum(d.amount for d in dues) == 11 * D("49.00") + D("5.00")


def test_an_open_freeze_bills_its_fees_as_they_come_and_none_of_the_regular_charges() -> None:
    pricing = Pricing(BillingType.MONTHLY, D("49.00"), freeze_fee=D("5.00"))
    dues = schedule(
        pricing,
        *YEAR_2026,
        through=date(2027, 1, 1),
        freezes=[Freeze(date(2026, 3, 5), None)],
        today=date(2026, 4, 2),
    )
    assert [(d.period_start.month, d.kind) for d in dues] == [
        (1, "regular"),
        (2, "regular"),
        (3, "regular"),
        (4, FREEZE),
    ]


def test_a_one_time_plan_bills_the_freeze_fee_once_per_freeze() -> None:
    pricing = Pricing(BillingType.ONE_TIME, D("300.00"), freeze_fee=D("15.00"))
    dues = schedule(
        pricing, *YEAR_2026, through=date(2027, 1, 1), freezes=[Freeze(date(2026, 5, 1), date(2026, 5, 31))]
    )
    assert [(d.kind, d.period_start, d.amount) for d in dues] == [
        ("regular", date(2026, 1, 1), D("300.00")),
        (FREEZE, date(2026, 5, 1), D("15.00")),
    ]


def test_a_cancellation_drops_later_periods_and_inside_the_lock_in_bills_its_remaining_months() -> None:
    pricing = Pricing(BillingType.MONTHLY, D("49.00"), lock_in_months=6)
    dues = schedule(pricing, *YEAR_2026, through=date(2027, 1, 1), cancelled_from=date(2026, 3, 10))
    assert [(d.kind, d.period_start) for d in dues] == [
        ("regular", date(2026, 1, 1)),
        ("regular", date(2026, 2, 1)),
        ("regular", date(2026, 3, 1)),  # begun before the cancellation: stays
        (LOCK_IN, date(2026, 3, 10)),
    ]
    assert dues[-1].amount == 3 * D("49.00")  # April, May, June
    assert months_left(pricing, *YEAR_2026, cancelled_from=date(2026, 3, 10)) == 3
    assert months_left(pricing, *YEAR_2026, cancelled_from=date(2026, 7, 1)) == 0


def test_after_the_lock_in_a_cancellation_costs_nothing() -> None:
    pricing = Pricing(BillingType.MONTHLY, D("49.00"), lock_in_months=6)
    assert lock_in_fee(pricing, *YEAR_2026, cancelled_from=date(2026, 7, 1)) == 0
    dues = schedule(pricing, *YEAR_2026, through=date(2027, 1, 1), cancelled_from=date(2026, 7, 1))
    assert [d.period_start.month for d in dues] == [1, 2, 3, 4, 5, 6]


def test_a_quarterly_lock_in_fee_counts_only_the_quarters_not_yet_begun() -> None:
    pricing = Pricing(BillingType.QUARTERLY, D("120.00"), lock_in_months=6)
    # Cancelled a month in: the first quarter was billed at the start, the second is the fee.
    assert lock_in_fee(pricing, *YEAR_2026, cancelled_from=date(2026, 2, 1)) == D("120.00")
    assert months_left(pricing, *YEAR_2026, cancelled_from=date(2026, 2, 1)) == 3  # April to June
    assert lock_in_fee(pricing, *YEAR_2026, cancelled_from=date(2026, 1, 1)) == D("240.00")


def test_zero_amounts_are_not_charges() -> None:
    assert schedule(Pricing(BillingType.MONTHLY, D(0)), *YEAR_2026, through=date(2027, 1, 1)) == []
