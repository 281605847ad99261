"""Two (or twenty) people at the same moment: the database, not Python, keeps balances right."""

from __future__ import annotations

from datetime import date

from core.context import transaction
from core.credits import ledger
from core.credits.ledger import LedgerResult, NotEnoughCredits
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from tests.conftest import STAFF, Shop
from tests.integration.credit_helpers import D, at, credit_plan, member
from tests.integration.helpers import add_customer
from tests.integration.threads import race

WORKERS = 20


def test_twenty_people_redeeming_five_credits_exactly_five_succeed(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
        ledger.grant(ctx, customer, Unit.CREDIT, D(3), key="lot-1")
        ledger.grant(ctx, customer, Unit.CREDIT, D(2), key="lot-2")

    def redeem(i: int) -> LedgerResult:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return ledger.redeem(ctx, customer, D(1), key=f"visit-{i}")

    results, failures = race(redeem, WORKERS)
    assert len(results) == 5
    assert len(failures) == WORKERS - 5
    assert all(isinstance(f, NotEnoughCredits) for f in failures), failures
    with shop.tx(write=False) as ctx:
        b = ledger.balance(ctx, customer)
        lots = ledger.lots_of(ctx, customer)
        redeemed = [e for e in ledger.history(ctx, customer) if e.kind == "redeem"]
    assert (b.total(Unit.CREDIT), b.used[Unit.CREDIT], len(redeemed)) == (D(0), D(5), 5)
    assert all(lot.remaining == 0 for lot in lots)


def test_the_same_request_sent_twenty_times_at_once_is_applied_once(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
        ledger.grant(ctx, customer, Unit.CREDIT, D(10), key="lot")

    def redeem(_: int) -> LedgerResult:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return ledger.redeem(ctx, customer, D(2), key="one-visit")

    results, failures = race(redeem, WORKERS)
    assert failures == []
    assert len({r.operation_id for r in results}) == 1
    assert sum(1 for r in results if not r.replayed) == 1
    with shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == D(8)


def test_concurrent_transfers_both_ways_conserve_credits(shop: Shop) -> None:
    at(shop, date(2025, 1, 15))
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(10), transferable=True))
    first, _ = member(shop, plan, date(2025, 1, 15))
    second, _ = member(shop, plan, date(2025, 1, 15))

    def transfer(i: int) -> LedgerResult:
        giver, taker = (first, second) if i % 2 else (second, first)
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return ledger.transfer(ctx, giver, taker, D(1), key=f"gift-{i}")

    results, failures = race(transfer, WORKERS)
    assert all(isinstance(f, NotEnoughCredits) for f in failures), failures
    with shop.tx(write=False) as ctx:
        total = ledger.balance(ctx, first).total(Unit.CREDIT) + ledger.balance(ctx, second).total(Unit.CREDIT)
    assert total == D(20) and len(results) + len(failures) == WORKERS
