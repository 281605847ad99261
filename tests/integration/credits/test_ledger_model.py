"""A stateful property test: random sequences of grants, redemptions, reversals, transfers,
expiries, replays and clock moves, checked after every step against a small reference model
that predicts every answer (the ledger's own rules, written the plain way)."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func
from sqlmodel import col

from core.context import SYSTEM, Ctx, transaction
from core.credits import ledger
from core.credits.ledger import NotEnoughCredits
from core.credits.lots import Pool, Unit
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.clock import FixedClock
from core.kernel.errors import Conflict
from core.memberships import service as memberships
from core.plans import service as plans
from core.workspace.flows import ensure_tenant
from storage.tables.credits import CreditLot, LedgerEntry
from storage.uow import Database
from tests.conftest import ADMIN, new_team
from tests.integration.helpers import add_customer, plan_by_name

CI = os.environ.get("CI") == "true"
# CI explores more than hypothesis's defaults (100 examples of up to 50 steps).
PROFILE = settings(
    max_examples=150 if CI else 25,
    stateful_step_count=60 if CI else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAR = datetime.max.replace(tzinfo=UTC)


@dataclass
class ModelLot:
    id: int
    customer: int
    remaining: int
    usable_from: datetime
    expires_at: datetime | None
    priority: int
    promotional: bool
    seq: int

    def order(self) -> tuple[int, datetime, bool, int]:
        return (self.priority, self.expires_at or FAR, not self.promotional, self.seq)

    def usable(self, now: datetime) -> bool:
        return (
            self.remaining > 0
            and self.usable_from <= now
            and (self.expires_at is None or self.expires_at > now)
        )


class LedgerMachine(RuleBasedStateMachine):
    redemptions = Bundle("redemptions")

    database: Database  # set by the test for each backend

    def __init__(self) -> None:
        super().__init__()
        self.db = self.database
        self.clock = FixedClock(datetime(2025, 3, 1, 15, 0, tzinfo=UTC))
        self.team = new_team()
        self.lots: dict[int, ModelLot] = {}
        self.seq = 0
        self.counter = 0
        self.requests: dict[str, tuple[str, int, int]] = {}  # key -> (kind, customer, quantity)
        self.reversed: set[str] = set()
        self.granted = 0

    def tx(self, *, write: bool = True) -> AbstractContextManager[Ctx]:
        return transaction(self.db, self.team, ADMIN, self.clock, write=write)

    @initialize()
    def set_up(self) -> None:
        ensure_tenant(self.db, self.clock, self.team, admins=[ADMIN])
        with self.tx() as ctx:
            gold = plan_by_name(ctx, "Gold")
            plans.update_plan(
                ctx,
                gold.id,
                replace(gold.terms, credits=CreditTerms(kind=CreditKind.SERVICE, transferable=True)),
            )
            self.customers = [add_customer(ctx, company=name) for name in ("Ann", "Bo")]
            self.contracts = {}
        # Sold by the system (a CLI import, say), so the admin may approve them.
        with transaction(self.db, self.team, SYSTEM, self.clock) as ctx:
            for customer in self.customers:
                m = memberships.assign(ctx, customer, gold.id, date(2025, 1, 1), date(2026, 12, 31))
                self.contracts[customer] = m.id
        with self.tx() as ctx:
            for contract in self.contracts.values():
                memberships.approve(ctx, contract)

    def key(self) -> str:
        self.counter += 1
        return f"k{self.counter}"

    @rule(
        who=st.integers(0, 1),
        quantity=st.integers(1, 5),
        expires_in=st.one_of(st.none(), st.integers(1, 200)),
        starts_in=st.sampled_from([0, 0, 0, 24]),
        priority=st.sampled_from([10, 100]),
        promotional=st.booleans(),
    )
    def grant(
        self,
        who: int,
        quantity: int,
        expires_in: int | None,
        starts_in: int,
        priority: int,
        promotional: bool,
    ) -> None:
        customer = self.customers[who]
        now = self.clock.now()
        usable_from = now + timedelta(hours=starts_in)
        expires_at = None if expires_in is None else usable_from + timedelta(hours=expires_in)
        with self.tx() as ctx:
            result = ledger.grant(
                ctx,
                customer,
                Unit.CREDIT,
                Decimal(quantity),
                key=self.key(),
                contract_id=self.contracts[customer],
                usable_from=usable_from,
                expires_at=expires_at,
                priority=priority,
                promotional=promotional,
            )
        lot_id = result.entries[0].lot_id
        self.seq += 1
        self.lots[lot_id] = ModelLot(
            lot_id, customer, quantity, usable_from, expires_at, priority, promotional, self.seq
        )
        self.granted += quantity

    def predict(self, customer: int, quantity: int) -> list[tuple[int, int]] | None:
        now = self.clock.now()
        plan, left = [], quantity
        for lot in sorted(
            (x for x in self.lots.values() if x.customer == customer and x.usable(now)), key=ModelLot.order
        ):
            taken = min(lot.remaining, left)
            plan.append((lot.id, taken))
            left -= taken
            if left == 0:
                return plan
        return None

    @rule(target=redemptions, who=st.integers(0, 1), quantity=st.integers(1, 6))
    def redeem(self, who: int, quantity: int) -> str:
        customer = self.customers[who]
        expected = self.predict(customer, quantity)
        key = self.key()
        try:
            with self.tx() as ctx:
                result = ledger.redeem(ctx, customer, Decimal(quantity), key=key)
        except NotEnoughCredits:
            assert expected is None
            return key
        assert expected is not None, "the ledger spent credits the model says are not usable"
        assert [(e.lot_id, int(-e.quantity)) for e in result.entries] == expected  # the redemption order
        for lot_id, taken in expected:
            self.lots[lot_id].remaining -= taken
        self.requests[key] = ("redeem", customer, quantity)
        return key

    @rule(key=redemptions)
    def replay(self, key: str) -> None:
        if key not in self.requests:
            return
        _, customer, quantity = self.requests[key]
        before = self.snapshot()
        with self.tx() as ctx:
            assert ledger.redeem(ctx, customer, Decimal(quantity), key=key).replayed
        with pytest.raises(Conflict), self.tx() as ctx:
            ledger.redeem(ctx, customer, Decimal(quantity + 1), key=key)
        assert self.snapshot() == before

    @rule(key=redemptions)
    def reverse(self, key: str) -> None:
        if key not in self.requests:
            return
        with self.tx() as ctx:
            result = ledger.reverse(ctx, key, "changed mind")
        if key in self.reversed:
            assert result.replayed
            return
        self.reversed.add(key)
        now = self.clock.now()
        for entry in result.entries:
            lot = self.lots[entry.lot_id]
            lot.remaining += int(entry.quantity)
            if entry.kind == "expire":
                assert lot.expires_at is not None and lot.expires_at <= now

    @rule(who=st.integers(0, 1), quantity=st.integers(1, 4))
    def transfer(self, who: int, quantity: int) -> None:
        giver, taker = self.customers[who], self.customers[1 - who]
        expected = self.predict(giver, quantity)
        try:
            with self.tx() as ctx:
                result = ledger.transfer(ctx, giver, taker, Decimal(quantity), key=self.key())
        except NotEnoughCredits:
            assert expected is None
            return
        assert expected is not None
        outs = [(e.lot_id, int(-e.quantity)) for e in result.entries if e.kind == "transfer_out"]
        assert outs == expected
        now = self.clock.now()
        for (lot_id, taken), arrived in zip(
            expected, [e for e in result.entries if e.kind == "transfer_in"], strict=True
        ):
            self.lots[lot_id].remaining -= taken
            source = self.lots[lot_id]
            self.seq += 1
            # The recipient's plan keeps credits forever, so they arrive never expiring.
            self.lots[arrived.lot_id] = ModelLot(
                arrived.lot_id, taker, taken, now, None, source.priority, source.promotional, self.seq
            )

    @rule()
    def expire(self) -> None:
        now = self.clock.now()
        with self.tx() as ctx:
            count = ledger.expire_due(ctx)
        due = [
            x
            for x in self.lots.values()
            if x.remaining > 0 and x.expires_at is not None and x.expires_at <= now
        ]
        assert count == len(due)
        for lot in due:
            lot.remaining = 0
        with self.tx() as ctx:
            assert ledger.expire_due(ctx) == 0  # once, however often it runs

    @rule(hours=st.integers(1, 96))
    def advance(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    def snapshot(self) -> dict[int, Decimal]:
        with self.tx(write=False) as ctx:
            return self.stored(ctx)

    @staticmethod
    def stored(ctx: Ctx) -> dict[int, Decimal]:
        return {lot.id or 0: lot.remaining for lot in ctx.uow.all(ctx.uow.select(CreditLot))}

    @invariant()
    def lots_match_the_model_and_their_entries(self) -> None:
        if not hasattr(self, "customers"):
            return
        with self.tx(write=False) as ctx:
            stored = self.stored(ctx)
            assert stored == {i: Decimal(x.remaining) for i, x in self.lots.items()}
            assert all(v >= 0 for v in stored.values())
            sums = dict(
                ctx.uow.session.execute(
                    ctx.uow.select(LedgerEntry)
                    .with_only_columns(col(LedgerEntry.lot_id), func.sum(LedgerEntry.quantity))
                    .group_by(col(LedgerEntry.lot_id))
                ).all()
            )
            for lot_id, remaining in stored.items():
                assert sums[lot_id] == remaining
            self.check_balances(ctx)

    def check_balances(self, ctx: Ctx) -> None:
        now = self.clock.now()
        held = Decimal(0)
        for customer in self.customers:
            b = ledger.balance(ctx, customer)
            usable = sum(x.remaining for x in self.lots.values() if x.customer == customer and x.usable(now))
            assert b.total(Unit.CREDIT) == usable
            held += sum((b.available.get((Unit.CREDIT, p), Decimal(0)) for p in Pool), Decimal(0))
            held += b.upcoming.get(Unit.CREDIT, Decimal(0))
        # Conservation: what was granted is held, used or expired; transfers only move it.
        totals = [ledger.balance(ctx, c) for c in self.customers]
        used = sum((t.used.get(Unit.CREDIT, Decimal(0)) for t in totals), Decimal(0))
        expired = sum((t.expired.get(Unit.CREDIT, Decimal(0)) for t in totals), Decimal(0))
        moved_in = sum((t.transferred_in.get(Unit.CREDIT, Decimal(0)) for t in totals), Decimal(0))
        moved_out = sum((t.transferred_out.get(Unit.CREDIT, Decimal(0)) for t in totals), Decimal(0))
        stored = sum(self.stored(ctx).values(), Decimal(0))
        assert moved_in == moved_out
        assert self.granted == used + expired + stored


def test_the_ledger_agrees_with_its_reference_model(db: Database) -> None:
    class OnThisDatabase(LedgerMachine):
        database = db

    run_state_machine_as_test(OnThisDatabase, settings=PROFILE)
