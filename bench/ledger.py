"""Ledger benchmark: the two targets of the credit ledger, measured in one run on one database.

1. In a database of 100,000 memberships, a balance query for a customer with 10,000 ledger entries
   costs within 1.5x of one for a customer with 10 entries (balances read open lots and running
   totals, never the history).
2. A redemption costs within 3x of a bare transaction that inserts one row and updates one row on
   the same database.

Run:  .venv/bin/python -m bench.ledger [--database-url URL] [--memberships 100000] [--repeat 300]
Without --database-url it uses a fresh SQLite file in a temporary directory. A PostgreSQL URL is
wiped (its public schema is dropped) before the run. Exits 1 when a target is missed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text, update
from sqlmodel import SQLModel

from bench.common import TEAM, arguments, contract_row, fresh
from core.context import SYSTEM, transaction
from core.credits import ledger
from core.credits.lots import Unit
from core.kernel.clock import FixedClock
from core.plans import service as plans
from core.workspace.flows import ensure_tenant
from storage.tables.customers import Customer
from storage.tables.memberships import Contract
from storage.uow import Database

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BATCH = 5_000


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    db = fresh(url)
    clock = FixedClock(NOW)
    print(f"database: {db.dialect}; memberships: {args.memberships:,}")

    started = time.perf_counter()
    ensure_tenant(db, clock, TEAM, admins=["UBENCH"])
    populate(db, clock, args.memberships)
    small, large = customer_with_entries(db, clock, 10), customer_with_entries(db, clock, 10_000)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # planner statistics, as a database in service has them
    print(f"set-up: {time.perf_counter() - started:.1f} s")

    def balance_of(customer: int) -> Callable[[], object]:
        def run() -> object:
            with transaction(db, TEAM, SYSTEM, clock, write=False) as ctx:
                return ledger.balance(ctx, customer)

        return run

    counter = iter(range(10**9))
    rich = customer_with_entries(db, clock, 1, grant=Decimal(1_000_000))

    def redeem() -> object:
        with transaction(db, TEAM, SYSTEM, clock) as ctx:
            return ledger.redeem(ctx, rich, Decimal(1), key=f"bench-{next(counter)}")

    bare = bare_transaction(db)
    results = {
        "balance, 10 entries": measure(balance_of(small), args.repeat),
        "balance, 10,000 entries": measure(balance_of(large), args.repeat),
        "redemption": measure(redeem, args.repeat),
        "bare insert + update": measure(bare, args.repeat),
    }
    for name, seconds in results.items():
        print(f"{name:<26} median {seconds * 1000:8.3f} ms")
    checks = [
        (
            "balance 10,000 vs 10 entries",
            results["balance, 10,000 entries"] / results["balance, 10 entries"],
            1.5,
        ),
        ("redemption vs bare transaction", results["redemption"] / results["bare insert + update"], 3.0),
    ]
    ok = True
    for name, ratio, limit in checks:
        passed = ratio <= limit
        ok &= passed
        print(f"{name:<32} {ratio:5.2f}x (target <= {limit}x) {'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


def populate(db: Database, clock: FixedClock, memberships: int) -> None:
    """Customers, active memberships and one open lot each, written in bulk (the core functions
    would take an hour for 100,000; the rows are the same shape)."""
    with transaction(db, TEAM, SYSTEM, clock) as ctx:
        version_id = next(p for p in plans.list_plans(ctx) if p.code == "GOLD").version_id
    tables = SQLModel.metadata.tables
    customers, contracts, lots = tables["customer"], tables["contract"], tables["credit_lot"]
    with db.engine.begin() as conn:
        for start in range(0, memberships, BATCH):
            n = min(BATCH, memberships - start)
            conn.execute(
                insert(customers),
                [
                    {
                        "tenant_id": TEAM,
                        "company": f"Customer {start + i}",
                        "contact": "",
                        "email": "",
                        "phone": "",
                        "notes": "",
                        "search_text": f"customer {start + i}",
                        "created_at": NOW,
                    }
                    for i in range(n)
                ],
            )
        ids = [row[0] for row in conn.execute(select(customers.c.id).where(customers.c.tenant_id == TEAM))]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            conn.execute(insert(contracts), [contract_row(c, version_id, "UBENCH", NOW) for c in chunk])
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            conn.execute(
                insert(lots),
                [
                    {
                        "tenant_id": TEAM,
                        "customer_id": c,
                        "unit": "credit",
                        "pool": "any",
                        "priority": 100,
                        "promotional": False,
                        "granted": Decimal(4),
                        "remaining": Decimal(4),
                        "usable_from": NOW,
                        "granted_at": NOW,
                        "source": "grant",
                    }
                    for c in chunk
                ],
            )


def customer_with_entries(db: Database, clock: FixedClock, entries: int, grant: Decimal | None = None) -> int:
    """A new member whose history holds `entries` ledger entries, written by the real ledger: a
    grant to their membership and then single-credit redemptions."""
    with transaction(db, TEAM, SYSTEM, clock) as ctx:
        customer = ctx.uow.add(
            Customer(tenant_id=TEAM, company=f"History of {entries}", search_text="history", created_at=NOW)
        )
        ctx.uow.flush()
        customer_id = customer.id or 0
        gold = next(p for p in plans.list_plans(ctx) if p.code == "GOLD")
        contract = ctx.uow.add(
            Contract(
                tenant_id=TEAM,
                customer_id=customer_id,
                plan_version_id=gold.version_id,
                status="active",
                start_date=date(2025, 1, 1),
                end_date=date(2025, 12, 31),
                created_by="UBENCH",
                created_at=NOW,
            )
        )
        ctx.uow.flush()
        ledger.grant(
            ctx,
            customer_id,
            Unit.CREDIT,
            grant or Decimal(entries),
            key=f"h{customer_id}-grant",
            contract_id=contract.id,
        )
    done = 1
    while done < entries:
        with transaction(db, TEAM, SYSTEM, clock) as ctx:
            for _ in range(min(200, entries - done)):
                ledger.redeem(ctx, customer_id, Decimal(1), key=f"h{customer_id}-{done}")
                done += 1
    return customer_id


def bare_transaction(db: Database) -> Callable[[], object]:
    """The yardstick: one transaction inserting a row and updating a row, on the same engine."""
    metadata = MetaData()
    log = Table("bench_log", metadata, Column("id", Integer, primary_key=True), Column("value", Integer))
    counter = Table(
        "bench_counter", metadata, Column("id", Integer, primary_key=True), Column("value", Integer)
    )
    metadata.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(insert(counter).values(id=1, value=0))

    def run() -> object:
        with db.unit_of_work(TEAM) as uow:
            uow.session.execute(insert(log).values(value=1))
            uow.session.execute(update(counter).where(counter.c.id == 1).values(value=counter.c.value + 1))
            uow.commit()
        return None

    return run


def measure(work: Callable[[], object], repeat: int) -> float:
    """Median seconds per call, after a warm-up."""
    for _ in range(max(10, repeat // 10)):
        work()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


if __name__ == "__main__":
    sys.exit(main())
