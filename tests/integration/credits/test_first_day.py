"""A period's credits are usable from the first minute of its first day — a start date, a renewal,
every period after, and after downtime — whatever time the daily run is set to; and a period that
begins inside a freeze or from a cancellation's date earns nothing, however late it was decided."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.credits import ledger
from core.credits.ledger import Coming
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.daily import jobs as daily
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from storage.tables.credits import CreditLot
from tests.conftest import MANAGER, STAFF, TZ, Shop
from tests.integration.credit_helpers import at, credit_plan, member

FOUR_A_MONTH = CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4), expiry=Expiry.DAYS, expiry_days=61)
SOLD = date(2025, 3, 10)
START = date(2025, 3, 13)  # three days after the sale


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(TZ))


def runs(shop: Shop, first: date, last: date) -> None:
    """The scheduler's daily run on each day, at midday."""
    day = first
    while day <= last:
        at(shop, day)
        daily.catch_up(shop.db, shop.team, shop.clock)
        day += timedelta(days=1)


def available(shop: Shop, customer: int, moment: datetime) -> Decimal:
    shop.clock.set(moment)
    with shop.tx(STAFF, write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def usable_days(shop: Shop, membership: int) -> list[date]:
    with shop.tx(STAFF, write=False) as ctx:
        lots = ctx.uow.all(ctx.uow.select(CreditLot).where(CreditLot.contract_id == membership))
        return sorted(lot.usable_from.astimezone(ctx.tz).date() for lot in lots if lot.remaining > 0)


def sold_ahead(shop: Shop, *, end: date | None = None) -> tuple[int, int]:
    at(shop, SOLD)
    plan = credit_plan(shop, FOUR_A_MONTH)
    return member(shop, plan, START, end)


def test_a_membership_sold_before_its_start_has_its_credits_from_the_first_minute(shop: Shop) -> None:
    customer, m = sold_ahead(shop)
    runs(shop, SOLD, START - timedelta(days=1))
    assert available(shop, customer, local(START - timedelta(days=1), 23, 59)) == 0
    assert available(shop, customer, local(START, 0, 1)) == 4  # before the day's run
    with shop.tx(STAFF, write=False) as ctx:
        assert ledger.balance(ctx, customer).coming == ()
        assert memberships.get(ctx, m).status is Status.SCHEDULED  # the day's run has not moved it yet
    runs(shop, START, START)
    assert available(shop, customer, local(START, 23, 0)) == 4  # the run itself adds nothing


def test_the_day_before_the_credits_show_as_coming(shop: Shop) -> None:
    customer, _ = sold_ahead(shop)
    runs(shop, SOLD, START - timedelta(days=1))
    shop.clock.set(local(START - timedelta(days=1), 18))
    with shop.tx(STAFF, write=False) as ctx:
        assert ledger.balance(ctx, customer).coming == (Coming(START, Unit.CREDIT, Decimal(4)),)


def test_every_later_period_is_there_from_its_first_minute(shop: Shop) -> None:
    customer, m = sold_ahead(shop)
    runs(shop, SOLD, date(2025, 5, 12))
    assert available(shop, customer, local(date(2025, 5, 12), 23, 59)) == 8  # March's and April's
    assert available(shop, customer, local(date(2025, 5, 13), 0, 1)) == 8  # March's gone, May's here
    runs(shop, date(2025, 5, 13), date(2025, 5, 13))  # the day's run writes March's expiry
    assert usable_days(shop, m) == [date(2025, 4, 13), date(2025, 5, 13)]


def test_a_renewal_has_its_first_periods_credits_from_its_first_minute(shop: Shop) -> None:
    customer, m = sold_ahead(shop, end=date(2025, 4, 12))  # one month
    at(shop, date(2025, 4, 1))
    with shop.tx(STAFF) as ctx:
        renewal = memberships.renew(ctx, m)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, renewal.id)
    runs(shop, SOLD, date(2025, 4, 12))
    assert available(shop, customer, local(date(2025, 4, 13), 0, 1)) == 8  # March's and the renewal's
    assert usable_days(shop, renewal.id) == [date(2025, 4, 13)]


def test_after_downtime_the_periods_are_granted_from_their_first_day_and_tomorrows_is_ready(
    shop: Shop,
) -> None:
    customer, m = sold_ahead(shop)
    runs(shop, SOLD, SOLD)
    at(shop, date(2025, 4, 12))  # down from 11 March to 11 April
    daily.catch_up(shop.db, shop.team, shop.clock)
    assert usable_days(shop, m) == [START, date(2025, 4, 13)]
    assert available(shop, customer, local(date(2025, 4, 13), 0, 1)) == 8


def test_a_freeze_decided_after_the_period_was_written_takes_it_back(shop: Shop) -> None:
    customer, m = sold_ahead(shop)
    runs(shop, SOLD, date(2025, 4, 12))  # April's lot is written, usable from 13 April
    with shop.tx(MANAGER) as ctx:  # decided in the afternoon: frozen 13 to 20 April
        memberships.freeze(ctx, m, "Travelling", starts=date(2025, 4, 13), until=date(2025, 4, 20))
    runs(shop, date(2025, 4, 13), date(2025, 5, 12))
    assert usable_days(shop, m) == [START, date(2025, 5, 13)]  # April's taken back, May's written
    with shop.tx(STAFF, write=False) as ctx:
        assert ledger.balance(ctx, customer).adjusted[Unit.CREDIT] == -4


def test_a_freeze_withdrawn_before_it_starts_brings_tomorrows_period_back(shop: Shop) -> None:
    customer, m = sold_ahead(shop)
    runs(shop, SOLD, date(2025, 4, 11))
    with shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, m, "Travelling", starts=date(2025, 4, 13), until=date(2025, 4, 20))
    runs(shop, date(2025, 4, 12), date(2025, 4, 12))  # April's period is skipped: it is frozen ahead
    assert usable_days(shop, m) == [START]
    with shop.tx(MANAGER) as ctx:
        memberships.unfreeze(ctx, m, "Not travelling after all")
    assert available(shop, customer, local(date(2025, 4, 13), 0, 1)) == 8


def test_a_cancellation_from_a_period_start_grants_nothing_for_that_period(shop: Shop) -> None:
    _, m = sold_ahead(shop)
    runs(shop, SOLD, date(2025, 4, 11))
    with shop.tx(MANAGER) as ctx:
        memberships.cancel(ctx, m, "Moving away", on=date(2025, 4, 13))
    runs(shop, date(2025, 4, 12), date(2025, 4, 13))
    assert usable_days(shop, m) == [START]
    with shop.tx(MANAGER) as ctx:  # changed their mind: the membership runs on, April comes back
        memberships.reactivate(ctx, m, "Staying")
    assert usable_days(shop, m) == [START, date(2025, 4, 13)]
