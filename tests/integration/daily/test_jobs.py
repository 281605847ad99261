"""The daily jobs: a three-month run against a hand-computed table, reruns, a crash half-way,
downtime with catch-up, two schedulers at once, and a daylight-saving change."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time as time_module
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot import notifications
from core import outbox
from core.context import Ctx
from core.credits import grants as credit_grants
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.daily import jobs as daily
from core.kernel.errors import InvalidInput
from core.memberships import service as memberships
from core.workspace.tenants import update_settings
from core.workspace.test_clock import move_test_clock
from storage.tables.credits import LedgerOperation
from storage.tables.memberships import Contract
from storage.tables.outbox import Outbox
from storage.tables.workspace import DailyRun
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import at, credit_plan, member
from tests.integration.helpers import add_customer, shop_on_a_file, with_services

MONTHLY_4_FOR_30_DAYS = CreditTerms(
    kind=CreditKind.SERVICE, per_period=Decimal(4), expiry=Expiry.DAYS, expiry_days=30
)

# After each day's run: (day, granted so far, expired so far, available). Sold on 15 Jan, monthly:
# 4 credits on the 15th, written by the run of the day before, each lot usable from local midnight
# and gone 30 days later.
THREE_MONTHS = [
    (date(2025, 1, 15), 4, 0, 4),
    (date(2025, 2, 13), 4, 0, 4),  # the January lot's last day
    (date(2025, 2, 14), 8, 4, 0),  # expired at midnight, before the 06:00 run; February's is written
    (date(2025, 2, 15), 8, 4, 4),
    (date(2025, 3, 15), 12, 4, 8),  # February's lot lasts to 16 March
    (date(2025, 3, 16), 12, 4, 8),
    (date(2025, 3, 17), 12, 8, 4),
    (date(2025, 4, 13), 12, 8, 4),
    (date(2025, 4, 14), 16, 12, 0),
    (date(2025, 4, 15), 16, 12, 4),
]


def sold(shop: Shop) -> int:
    at(shop, date(2025, 1, 15))
    plan = credit_plan(shop, MONTHLY_4_FOR_30_DAYS)
    customer, _ = member(shop, plan, date(2025, 1, 15))
    return customer


def totals(shop: Shop, customer: int) -> tuple[Decimal, Decimal, Decimal]:
    with shop.tx(write=False) as ctx:
        b = ledger.balance(ctx, customer)
    return (
        b.granted.get(Unit.CREDIT, Decimal(0)),
        b.expired.get(Unit.CREDIT, Decimal(0)),
        b.total(Unit.CREDIT),
    )


def days_done(shop: Shop) -> list[date]:
    with shop.tx(write=False) as ctx:
        rows = ctx.uow.session.exec(select(DailyRun).where(col(DailyRun.tenant_id) == shop.team)).all()
    return sorted(r.business_date for r in rows)


def queued(shop: Shop) -> list[Outbox]:
    with shop.tx(write=False) as ctx:
        return outbox.pending(ctx)


def text(message: Outbox) -> str:
    """What Slack will show: core queues the kind and data, the bot words them at delivery."""
    return notifications.render(message.kind, message.data).text


def operations(shop: Shop) -> int:
    with shop.tx(write=False) as ctx:
        return len(ctx.uow.all(ctx.uow.select(LedgerOperation)))


def test_three_months_of_grants_and_expiries_match_the_hand_computed_table(shop: Shop) -> None:
    customer = sold(shop)
    expected = {day: (Decimal(g), Decimal(e), Decimal(a)) for day, g, e, a in THREE_MONTHS}
    day = date(2025, 1, 15)
    while day <= date(2025, 4, 15):
        at(shop, day)
        reports = daily.catch_up(shop.db, shop.team, shop.clock)
        assert [r.day for r in reports] == [day]
        if day in expected:
            assert totals(shop, customer) == expected[day], day
        day += timedelta(days=1)
    assert days_done(shop) == [date(2025, 1, 15) + timedelta(days=n) for n in range(91)]
    # The January lot's last day is 13 Feb: reminded 7 days and 1 day before (key: kind, day,
    # customer, unit, lead).
    reminded = {(k[1], k[4]) for k in (m.key.split(":") for m in queued(shop)) if k[0] == "expiry"}
    assert {("2025-02-06", "7"), ("2025-02-12", "1")} <= reminded
    assert ("2025-02-05", "7") not in reminded


@pytest.mark.faults
def test_a_day_run_twice_or_rerun_after_a_crash_changes_nothing_more(shop: Shop) -> None:
    customer = sold(shop)
    daily.catch_up(shop.db, shop.team, shop.clock)
    at(shop, date(2025, 2, 15))
    # A crash after the day's work but before it was marked done: run the day, do not mark it.
    daily.run_day(shop.db, shop.team, date(2025, 1, 16), shop.clock)
    before = operations(shop)
    reports = daily.catch_up(shop.db, shop.team, shop.clock)
    assert (reports[0].day, reports[-1].day) == (date(2025, 1, 16), date(2025, 2, 15))
    assert daily.catch_up(shop.db, shop.team, shop.clock) == []  # all done: nothing to run
    assert totals(shop, customer) == (Decimal(8), Decimal(4), Decimal(4))
    assert operations(shop) == before + 2  # February's grant and January's expiry, once each


def test_after_a_week_down_the_days_run_in_order_and_reminders_come_as_one_summary(shop: Shop) -> None:
    customer = sold(shop)
    at(shop, date(2025, 2, 1))
    daily.catch_up(shop.db, shop.team, shop.clock)  # a first run: only today
    at(shop, date(2025, 2, 14))  # down from 2 to 13 February
    reports = daily.catch_up(shop.db, shop.team, shop.clock)
    assert [r.day for r in reports] == [date(2025, 2, 2) + timedelta(days=n) for n in range(13)]
    # January's lot expired on time; February's is written, usable from tomorrow's midnight.
    assert totals(shop, customer) == (Decimal(8), Decimal(4), Decimal(0))
    messages = queued(shop)
    assert [m.key.split(":")[0] for m in messages] == ["summary"]  # not two separate reminders
    assert messages[0].to == STAFF and "2 reminders came due" in text(messages[0])
    assert "(in 7 days)" in text(messages[0]) and "(in 1 day)" in text(messages[0])


def test_two_schedulers_at_the_same_moment_do_everything_once(shop: Shop) -> None:
    customer = sold(shop)
    daily.catch_up(shop.db, shop.team, shop.clock)
    at(shop, date(2025, 3, 20))
    start, failures = threading.Barrier(2), list[BaseException]()

    def scheduler() -> None:
        start.wait()
        try:
            daily.catch_up(shop.db, shop.team, shop.clock)
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=scheduler) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    assert totals(shop, customer) == (Decimal(12), Decimal(8), Decimal(4))
    assert days_done(shop)[-1] == date(2025, 3, 20) and len(days_done(shop)) == 65
    keys = [m.key for m in queued(shop)]
    assert len(keys) == len(set(keys))


def test_the_run_time_follows_the_workspace_clock_through_a_daylight_saving_change(shop: Shop) -> None:
    with shop.tx(ADMIN) as ctx:
        ctx.tenant.daily_run_at = time(2, 30)  # on 9 March 2025 New York skips 02:00-03:00
        ctx.uow.session.add(ctx.tenant)
    with shop.tx(write=False) as ctx:
        assert daily.run_time(ctx, date(2025, 3, 8)).strftime("%H:%M %Z") == "02:30 EST"
        assert daily.run_time(ctx, date(2025, 3, 9)).strftime("%H:%M %Z") == "03:30 EDT"
        assert daily.run_time(ctx, date(2025, 3, 10)).strftime("%H:%M %Z") == "02:30 EDT"
    customer = sold(shop)
    at(shop, date(2025, 3, 8))
    daily.catch_up(shop.db, shop.team, shop.clock)
    shop.clock.set(daily_moment(shop, date(2025, 3, 9)) - timedelta(minutes=1))
    assert daily.due_days(shop.db, shop.team, shop.clock) == []  # 03:29 EDT: not yet
    shop.clock.set(daily_moment(shop, date(2025, 3, 9)))
    assert [r.day for r in daily.catch_up(shop.db, shop.team, shop.clock)] == [date(2025, 3, 9)]
    del customer


def daily_moment(shop: Shop, day: date) -> datetime:
    with shop.tx(write=False) as ctx:
        return daily.run_time(ctx, day)


def test_sweep_refuses_a_day_that_has_not_come(shop: Shop) -> None:
    sold(shop)
    with pytest.raises(InvalidInput, match="after today"):
        daily.catch_up(shop.db, shop.team, shop.clock, until=date(2025, 1, 20))


@pytest.mark.faults
def test_a_sweep_killed_half_way_and_run_again_grants_everything_once(tmp_path: Path) -> None:
    """kill -9 of a real `memberbot sweep` in the middle of a long catch-up, then a rerun."""
    shop = shop_on_a_file(tmp_path / "killed.sqlite", datetime(2025, 1, 15, 17, 0, tzinfo=UTC), "TKILLED")
    db = shop.db
    plan = credit_plan(shop, MONTHLY_4_FOR_30_DAYS, term_months=None)
    members = [member(shop, plan, date(2025, 1, 15))[1] for _ in range(5)]
    daily.catch_up(db, shop.team, shop.clock)
    move_test_clock(db, datetime(2026, 1, 15, 17, 0, tzinfo=UTC))  # a year to catch up
    env = {**os.environ, "DATABASE_URL": db.url, "MEMBERBOT_TEAM": shop.team}
    sweep = subprocess.Popen([str(Path(sys.executable).parent / "memberbot"), "sweep"], env=env)
    try:
        deadline = time_module.monotonic() + 60
        while grant_operations(shop) < 10 and time_module.monotonic() < deadline:
            time_module.sleep(0.02)
        sweep.send_signal(signal.SIGKILL)
    finally:
        sweep.wait(timeout=30)
    half_done = grant_operations(shop)
    assert 10 <= half_done < 5 * 13  # killed in the middle: some months granted, not all
    assert days_done(shop)[-1] == date(2025, 1, 15)  # and no day of the catch-up marked done
    shop.clock.set(datetime(2026, 1, 15, 17, 0, tzinfo=UTC))
    daily.catch_up(db, shop.team, shop.clock)
    assert grant_operations(shop) == 5 * 13  # Wed 15 Jan 2025 to Thu 15 Jan 2026: 13 months each, once
    assert len(days_done(shop)) == 366
    with shop.tx(write=False) as ctx:
        for contract in members:
            history = [e for e in ledger.history(ctx, _customer_of(ctx, contract)) if e.kind == "grant"]
            assert len(history) == 13
    db.dispose()


def _customer_of(ctx: Ctx, contract_id: int) -> int:
    return memberships.get(ctx, contract_id).customer_id


def grant_operations(shop: Shop) -> int:
    with shop.tx(write=False) as ctx:
        query = ctx.uow.select(LedgerOperation).where(col(LedgerOperation.key).like("grant:%"))
        return len(ctx.uow.all(query))


def test_tomorrows_services_go_to_the_operations_channel_and_mondays_bring_a_digest(shop: Shop) -> None:
    at(shop, date(2025, 1, 13))  # a Monday
    with shop.tx() as ctx:
        update_settings(ctx, operations_channel="COPS", reminders_channel="CREMIND")
        gold = with_services(ctx)  # a filter change every Tuesday at 09:00
        big = add_customer(ctx, "Big Spender", "")
        small = add_customer(ctx, "Small & <Co>", "")
        soon = ctx.now() + timedelta(days=3)
        ledger.grant(ctx, small, Unit.CREDIT, Decimal(3), key="s", expires_at=soon)
        ledger.grant(ctx, big, Unit.MONEY, Decimal(50), key="b", expires_at=soon)
    member(shop, gold.id, date(2025, 1, 13), customer=big)
    daily.catch_up(shop.db, shop.team, shop.clock)
    by_key = {m.key.split(":")[0]: m for m in queued(shop)}
    services = by_key["services"]
    assert services.to == "COPS" and "*Services tomorrow, Tue 14 Jan 2025*" in text(services)
    assert "• 09:00 Big Spender: HVAC maintenance / Filter change" in text(services)
    digest = by_key["digest"]
    assert digest.to == "CREMIND"
    lines = text(digest).splitlines()[1:]
    assert lines == ["• Big Spender: $50.00 of credit", "• Small &amp; &lt;Co&gt;: 3 credits"]  # money first
    at(shop, date(2025, 1, 14))  # a Tuesday: services, but no digest
    daily.catch_up(shop.db, shop.team, shop.clock)
    assert [m.key for m in queued(shop) if m.key.startswith("digest")] == [digest.key]
    services_days = [m.key for m in queued(shop) if m.key.startswith("services")]
    assert services_days == ["services:2025-01-13"]  # Wednesday has no visit: nothing is posted for it


def test_the_grant_job_reads_only_memberships_whose_day_has_come(shop: Shop) -> None:
    sold(shop)
    with shop.tx(write=False) as ctx:
        (contract,) = ctx.uow.all(ctx.uow.select(Contract))
    assert contract.next_grant_on == date(2025, 2, 15)  # approved on 15 Jan: January granted
    at(shop, date(2025, 2, 13))
    with shop.tx() as ctx:
        assert credit_grants.grant_due_page(ctx, 0, 10) == (0, None)
        query = ctx.uow.select(Contract).where(col(Contract.next_grant_on) <= ctx.today() + timedelta(days=1))
        assert ctx.uow.all(query) == []  # not read at all before the day before its day
    at(shop, date(2025, 2, 14))  # the day before: written ahead, usable from 15 Feb's midnight
    with shop.tx() as ctx:
        assert credit_grants.grant_due_page(ctx, 0, 10) == (1, None)
    with shop.tx(write=False) as ctx:
        again = ctx.uow.get(Contract, contract.id or 0)
        assert again is not None and again.next_grant_on == date(2025, 3, 15)
    # Moving the start back a month makes the job work the periods out again: one more is due.
    with shop.tx(MANAGER) as ctx:
        memberships.change_dates(ctx, contract.id or 0, date(2024, 12, 15), date(2025, 12, 14))
    with shop.tx() as ctx:
        assert credit_grants.grant_due_page(ctx, 0, 10)[0] >= 1


def test_an_expiry_reminder_names_the_customer_and_goes_to_the_seller_or_the_reminders_channel(
    shop: Shop,
) -> None:
    sold(shop)  # the January lot's last day is 13 Feb; sold by STAFF
    at(shop, date(2025, 2, 6))
    daily.catch_up(shop.db, shop.team, shop.clock)
    (seven_days,) = [m for m in queued(shop) if m.key.startswith("expiry:2025-02-06:")]
    assert seven_days.to == STAFF
    assert (
        text(seven_days)
        == "Customer 2025-01-15 (Ann Lee): 4 credits expire after Thu 13 Feb 2025 (in 7 days)."
    )
    with shop.tx() as ctx:
        update_settings(ctx, reminders_channel="CREMIND")
    at(shop, date(2025, 2, 12))
    daily.catch_up(shop.db, shop.team, shop.clock)
    (one_day,) = [m for m in queued(shop) if m.key.startswith("expiry:2025-02-12:")]
    assert one_day.to == "CREMIND" and "(in 1 day)" in text(one_day)


def test_a_quiet_day_posts_nothing_to_the_channels(shop: Shop) -> None:
    """No visits tomorrow and nothing expiring this week: no "None." in either channel."""
    at(shop, date(2025, 1, 13))  # a Monday
    with shop.tx() as ctx:
        update_settings(ctx, operations_channel="COPS", reminders_channel="CREMIND")
        far = ctx.now() + timedelta(days=30)
        ledger.grant(
            ctx, add_customer(ctx, "Later Ltd", ""), Unit.CREDIT, Decimal(2), key="l", expires_at=far
        )
    daily.catch_up(shop.db, shop.team, shop.clock)
    assert [m.to for m in queued(shop) if m.to in ("COPS", "CREMIND")] == []
