"""The daily run's set-based paths: a page of grants and a page of expiries written a statement per
table, a day run again that finds everything done before it reads anything, a day half done that
finishes once, the ledger's running totals equal to its entries, and the calendar's moves read
through the status and date indexes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, func
from sqlmodel import col, select

from core.context import SYSTEM, transaction
from core.credits import grants as credit_grants
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.daily import jobs as daily
from core.kernel.clock import FixedClock
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from storage.tables.credits import CreditLot, CreditTotals, LedgerEntry, LedgerOperation
from storage.tables.outbox import Outbox
from storage.tables.workspace import DailyRun
from tests.conftest import Shop
from tests.integration.credit_helpers import at, credit_plan, member

MONTHLY_4_FOR_30_DAYS = CreditTerms(
    kind=CreditKind.SERVICE, per_period=Decimal(4), expiry=Expiry.DAYS, expiry_days=30
)
DAY = date(2025, 2, 14)  # the January lots of those sold on 15 Jan expire; February's are written
COUNTED = (LedgerOperation, LedgerEntry, CreditLot, Outbox)


def three_members(shop: Shop) -> None:
    """Two members sold on 15 Jan (DAY grants their February and expires their January) and one
    on 23 Jan (DAY reminds the seller that their lot's last day is a week away); the day before
    DAY already run."""
    at(shop, date(2025, 1, 15))
    plan = credit_plan(shop, MONTHLY_4_FOR_30_DAYS)
    member(shop, plan, date(2025, 1, 15))
    member(shop, plan, date(2025, 1, 15))
    at(shop, date(2025, 1, 23))
    member(shop, plan, date(2025, 1, 23))
    at(shop, DAY - timedelta(days=1))
    daily.catch_up(shop.db, shop.team, shop.clock)
    at(shop, DAY)


def counts(shop: Shop) -> dict[str, int]:
    with shop.tx(write=False) as ctx:
        return {
            t.__name__: int(ctx.uow.session.execute(select(func.count()).select_from(t)).scalar_one())
            for t in COUNTED
        }


def assert_ledger_adds_up(shop: Shop) -> None:
    """Every lot holds the sum of its entries, and every customer's running totals are the sums
    of their entries by kind."""
    with shop.tx(write=False) as ctx:
        entries = ctx.uow.all(ctx.uow.select(LedgerEntry))
        lots = {lot.id: lot for lot in ctx.uow.all(ctx.uow.select(CreditLot))}
        totals = ctx.uow.all(ctx.uow.select(CreditTotals))
    held: dict[int, Decimal] = defaultdict(Decimal)
    by_kind: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for e in entries:
        held[e.lot_id] += e.quantity
        by_kind[(e.customer_id, lots[e.lot_id].unit, e.kind)] += e.quantity
    assert {i: lot.remaining for i, lot in lots.items()} == {i: held[i or 0] for i in lots}
    assert totals
    for t in totals:
        assert t.granted == by_kind[(t.customer_id, t.unit, "grant")]
        assert t.expired == -by_kind[(t.customer_id, t.unit, "expire")]


def test_a_day_run_again_with_its_mark_lost_writes_nothing_and_collects_nothing(shop: Shop) -> None:
    three_members(shop)
    before = counts(shop)
    (report,) = daily.catch_up(shop.db, shop.team, shop.clock)
    assert (report.granted, report.expired) == (2, 2)
    assert [r.key.split(":")[0] for r in report.reminders] == ["expiry"]
    after = counts(shop)
    assert after == {**before, "LedgerOperation": before["LedgerOperation"] + 4,
                     "LedgerEntry": before["LedgerEntry"] + 4, "CreditLot": before["CreditLot"] + 2,
                     "Outbox": before["Outbox"] + 1}  # fmt: skip
    with shop.tx() as ctx:  # as after a crash just before the day was marked done
        ctx.uow.session.execute(delete(DailyRun).where(col(DailyRun.business_date) == DAY))
    (again,) = daily.catch_up(shop.db, shop.team, shop.clock)
    assert (again.granted, again.expired, again.moved, again.reminders) == (0, 0, 0, [])
    assert counts(shop) == after
    assert_ledger_adds_up(shop)


def test_a_day_half_done_before_a_crash_finishes_once(shop: Shop) -> None:
    three_members(shop)
    with shop.tx(write=False) as ctx:
        run_at = FixedClock(daily.run_time(ctx, DAY))
    # The crash: the first membership's grant page and the first lot's expiry page were committed.
    with transaction(shop.db, shop.team, SYSTEM, run_at) as ctx:
        assert credit_grants.grant_due_page(ctx, 0, 1)[0] == 1
    with transaction(shop.db, shop.team, SYSTEM, run_at) as ctx:
        assert ledger.expire_page(ctx, 0, 1)[0] == 1
    (report,) = daily.catch_up(shop.db, shop.team, shop.clock)
    assert (report.granted, report.expired) == (1, 1)  # the rest, once
    with shop.tx(write=False) as ctx:
        keys = [op.key for op in ctx.uow.all(ctx.uow.select(LedgerOperation))]
    assert len(keys) == len(set(keys))
    assert sum(k.startswith("expire:") for k in keys) == 2
    assert sum(k.startswith("grant:") and k.endswith(":1") for k in keys) == 2  # February, twice over two
    assert_ledger_adds_up(shop)


def test_a_grant_written_set_based_replays_through_the_single_grant(shop: Shop) -> None:
    """The set-based path writes the request hash `grant` writes: the same key asked again of
    `ledger.grant` with the same request replays it instead of refusing it as a different one."""
    three_members(shop)
    daily.catch_up(shop.db, shop.team, shop.clock)
    with shop.tx(write=False) as ctx:
        op = ctx.uow.first(ctx.uow.select(LedgerOperation).where(col(LedgerOperation.key).endswith(":1")))
        assert op is not None
        entry = ctx.uow.first(ctx.uow.select(LedgerEntry).where(col(LedgerEntry.operation_id) == op.id))
        assert entry is not None
        february = datetime.combine(date(2025, 2, 15), time(0), tzinfo=ctx.tz)
    with shop.tx() as ctx:
        result = ledger.grant(
            ctx,
            entry.customer_id,
            Unit.CREDIT,
            Decimal(4),
            key=op.key,
            contract_id=entry.contract_id,
            usable_from=february,
            expires_at=february + timedelta(days=30),
            reference="period 2",
        )
    assert result.replayed and [e.lot_id for e in result.entries] == [entry.lot_id]


def test_the_calendar_reads_only_the_memberships_it_moves(shop: Shop) -> None:
    at(shop, date(2025, 1, 15))
    plan = credit_plan(shop, MONTHLY_4_FOR_30_DAYS)
    _, later = member(shop, plan, date(2025, 3, 1), date(2025, 3, 31))
    _, now = member(shop, plan, date(2025, 1, 15), date(2025, 2, 14))
    at(shop, date(2025, 2, 14))
    with shop.tx() as ctx:
        assert memberships.advance_page(ctx, 0, 10) == ([], None)  # neither moves: neither is read
    at(shop, date(2025, 2, 15))
    with shop.tx() as ctx:
        assert memberships.advance_page(ctx, 0, 10) == ([(now, Status.ACTIVE, Status.GRACE)], None)
    at(shop, date(2025, 3, 1))
    with shop.tx() as ctx:
        moved, _ = memberships.advance_page(ctx, 0, 10)
    assert (later, Status.SCHEDULED, Status.ACTIVE) in moved
