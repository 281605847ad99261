"""The worked examples of docs/credits.md, as tests."""

from __future__ import annotations

from datetime import date

from core.credits import grants as credit_grants
from core.credits import ledger
from core.credits.lots import Pool, Purpose, Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry, Frequency
from tests.conftest import STAFF, Shop
from tests.integration.credit_helpers import D, at, credit_plan, member


def daily(shop: Shop) -> None:
    """What the scheduler does each day: expire what is due, grant what has come due."""
    with shop.tx() as ctx:
        ledger.expire_due(ctx)
        credit_grants.grant_due(ctx)


def test_75_a_month_from_january_through_april_buys_a_225_prepaid_card(shop: Shop) -> None:
    at(shop, date(2024, 1, 1))
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.MONETARY, per_period=D("75.00")))
    customer, _ = member(shop, plan, date(2024, 1, 1))
    for day in (date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1), date(2024, 4, 30)):
        at(shop, day)
        daily(shop)
    with shop.tx(STAFF) as ctx:
        assert ledger.balance(ctx, customer).available == {(Unit.MONEY, Pool.COMMON): D("300.00")}
        ledger.redeem(
            ctx,
            customer,
            D("225.00"),
            unit=Unit.MONEY,
            purpose=Purpose.PREPAID_CARD,
            key="card-1",
            reference="prepaid card PC-1",
        )
        assert ledger.balance(ctx, customer).total(Unit.MONEY) == D("75.00")


def test_a_fitness_plan_with_initial_credits_and_credits_every_30_days_that_expire_after_45(
    shop: Shop,
) -> None:
    at(shop, date(2025, 1, 1))
    plan = credit_plan(
        shop,
        CreditTerms(
            kind=CreditKind.SERVICE,
            initial=D(2),
            per_period=D(8),
            frequency=Frequency.EVERY_N_DAYS,
            every_days=30,
            expiry=Expiry.DAYS,
            expiry_days=45,
        ),
    )
    customer, _ = member(shop, plan, date(2025, 1, 1))

    def balance_on(day: date) -> tuple[object, object, object]:
        at(shop, day)
        daily(shop)
        with shop.tx(STAFF, write=False) as ctx:
            b = ledger.balance(ctx, customer)
            return b.total(Unit.CREDIT), b.used.get(Unit.CREDIT, D(0)), b.expired.get(Unit.CREDIT, D(0))

    assert balance_on(date(2025, 1, 1)) == (10, 0, 0)  # 2 initial + 8 for the first 30 days
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(3), key="class-jan-10")
    at(shop, date(2025, 1, 20))
    with shop.tx(STAFF, write=False) as ctx:
        soon = ledger.balance(ctx, customer, within_days=30).expiring
    # The period lot (expires at midnight starting 15 Feb) went first; the initial lot lasts until noon.
    assert [(e.on, e.quantity) for e in soon] == [(date(2025, 2, 14), D(5)), (date(2025, 2, 15), D(2))]
    assert balance_on(date(2025, 1, 31)) == (15, 3, 0)  # second period: +8
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(4), key="class-jan-31")
    assert balance_on(date(2025, 2, 16)) == (8, 7, 3)  # 1 + 2 lost on 15 February
    assert balance_on(date(2025, 3, 2)) == (16, 7, 3)  # third period
    assert balance_on(date(2025, 3, 18)) == (8, 7, 11)  # the second period's 8, unused, lost on 17 March
    assert balance_on(date(2025, 3, 31)) == (8, 7, 11)


def test_a_100_anniversary_credit_accumulates_to_300_over_three_years(shop: Shop) -> None:
    at(shop, date(2022, 1, 1))
    plan = credit_plan(
        shop, CreditTerms(kind=CreditKind.MONETARY, anniversary_amount=D("100.00")), term_months=36
    )
    customer, _ = member(shop, plan, date(2022, 1, 1))
    spent = {date(2023, 6, 1): D("40.00"), date(2024, 6, 1): D("10.00")}
    expected = {
        date(2022, 12, 31): D(0),
        date(2023, 1, 1): D("100.00"),
        date(2023, 6, 1): D("60.00"),
        date(2024, 1, 1): D("160.00"),
        date(2024, 6, 1): D("150.00"),
        date(2025, 1, 1): D("250.00"),
    }
    for day, balance in expected.items():
        at(shop, day)
        daily(shop)
        with shop.tx(STAFF) as ctx:
            if day in spent:
                ledger.redeem(ctx, customer, spent[day], unit=Unit.MONEY, key=f"spend-{day}")
            assert ledger.balance(ctx, customer).total(Unit.MONEY) == balance, day
    with shop.tx(STAFF, write=False) as ctx:
        b = ledger.balance(ctx, customer)
    assert (b.granted[Unit.MONEY], b.used[Unit.MONEY]) == (D("300.00"), D("50.00"))
