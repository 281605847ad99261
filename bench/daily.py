"""Daily-run benchmark: one day's jobs (expiries, grants, statuses, visits, reminders) over 100,000
memberships and 1,000,000 credit lots, run by `memberbot sweep` in a process of its own.

It reports the run's wall time, its peak memory next to the same day's run on a database ten times
smaller (the jobs page 500 rows per transaction, so the peaks should match), and the ratio of the
run's time to a raw bulk insert of as many ledger rows as the run wrote, on the same database in
the same run. It checks that the grants are exactly the memberships due that day and that running
the day again writes nothing.

Run:  .venv/bin/python -m bench.daily [--database-url URL] [--memberships 100000]
                                      [--lots-per-membership 10]
Without --database-url it uses a fresh SQLite file in a temporary directory. A PostgreSQL URL is
wiped (its public schema is dropped) before each of the two databases is built. Exits 1 when a
check fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, delete, func, insert, select, text

from bench.common import TEAM, arguments, contract_row, fresh, insert_rows, table_of, totals_row
from bench.slack_commands import STAFF, customer_row, machine
from core.context import SYSTEM, transaction
from core.credits.calendar import next_grant_day, period_starts
from core.credits.grants import LEAD_DAYS
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.kernel.clock import FixedClock
from core.plans import service as plans
from core.visits.service import HORIZON_STEP
from core.workspace import roles
from core.workspace.flows import ensure_tenant
from core.workspace.test_clock import start_test_clock
from storage.uow import Database

DAY = date(2025, 6, 16)  # the business day benchmarked
RUN_AT = datetime(2025, 6, 16, 6, 0, tzinfo=UTC)  # its run time (workspace in UTC, default 06:00)
CLOCK_AT = datetime(2025, 6, 16, 12, 0, tzinfo=UTC)  # the test clock: the day is due, the next not
AHEAD = DAY + timedelta(days=LEAD_DAYS)  # the last day whose periods DAY's run writes
SETUP_AT = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
TERMS = CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4), expiry=Expiry.DAYS, expiry_days=30)
BONUS = Decimal(1)  # each top-up lot (never expires), so every member holds the lots asked for
SPREAD_DAYS = 360  # memberships started on each of the 360 days before DAY: all still active
BATCH = 2_000  # memberships per seeding transaction
LEDGER_TABLES = ("ledger_entry", "ledger_operation", "credit_lot")
COUNTED = (*LEDGER_TABLES, "credit_totals", "outbox", "contract_event", "service_visit", "daily_run")
SWEEP_LINE = re.compile(r"expired (\d+) lot\(s\), granted (\d+), moved (\d+).* (\d+) reminder\(s\)")


@dataclass
class Expected:
    """What the benchmarked day must do, worked out while seeding."""

    grants: int = 0  # memberships whose monthly period starts on AHEAD (written by DAY's run)
    expiries: int = 0  # open lots whose expiry came since the previous day's run
    lots: int = 0


@dataclass
class Ids:
    """The next id of each table: rows are written with their ids, so no RETURNING is needed."""

    next: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEDGER_TABLES, 1))

    def take(self, table: str) -> int:
        self.next[table] += 1
        return self.next[table] - 1


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_kib: int
    report: tuple[int, int, int, int]  # expired, granted, moved, reminders (as sweep prints them)
    written: dict[str, int]  # rows added per table


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--lots-per-membership", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        return run(args, tmp)


def run(args: argparse.Namespace, tmp: str) -> int:
    idle = os.getloadavg()
    url_of = (
        (lambda name: args.database_url) if args.database_url else (lambda name: f"sqlite:///{tmp}/{name}")
    )
    floor = baseline(url_of("floor.sqlite"), args.lots_per_membership)
    small_n = max(1, args.memberships // 10)
    small_db, small_expected = build(url_of("small.sqlite"), small_n, args.lots_per_membership)
    small = sweep(small_db)
    db, expected = build(url_of("large.sqlite"), args.memberships, args.lots_per_membership)
    large = sweep(db)
    again = rerun(db)
    rows = sum(large.written[t] for t in LEDGER_TABLES)
    bulk = bulk_insert(db, rows)
    ok = verify(large, again, expected) & verify(small, None, small_expected)
    table(args, small, large, again, rows, bulk, floor)
    print("\n".join(machine(db, idle)))
    return 0 if ok else 1


# --- the database ---------------------------------------------------------------------------------


def build(url: str, memberships: int, lots_each: int) -> tuple[Database, Expected]:
    """A workspace as it stands after the previous day's run, for DAY's run to find."""
    db = fresh(url)
    clock = FixedClock(SETUP_AT)
    started = time.perf_counter()
    version_id = workspace(db, clock)
    expected, ids = Expected(), Ids()
    for start in range(0, memberships, BATCH):
        with db.engine.begin() as conn:
            seed_batch(
                conn, version_id, range(start, min(start + BATCH, memberships)), lots_each, expected, ids
            )
    finish(db)
    print(
        f"{db.dialect}: {memberships:,} memberships, {expected.lots:,} lots seeded in "
        f"{time.perf_counter() - started:.0f} s; due on {DAY}: {expected.grants:,} grants, "
        f"{expected.expiries:,} expiries"
    )
    return db, expected


def workspace(db: Database, clock: FixedClock) -> int:
    """The tenant, a staff member and Gold with 4 service credits a month, each lasting 30 days,
    through core; returns Gold's version."""
    ensure_tenant(db, clock, TEAM, admins=["UBENCH"])
    with transaction(db, TEAM, SYSTEM, clock) as ctx:
        roles.grant(ctx, STAFF, "staff")
        gold = next(p for p in plans.list_plans(ctx) if p.code == "GOLD")
        plans.update_plan(ctx, gold.id, dataclasses.replace(gold.terms, credits=TERMS))
        return plans.get_plan(ctx, gold.id).version_id


def finish(db: Database) -> None:
    """The previous day marked done, the test clock at DAY, sequences past the ids written, and
    planner statistics, as a database in service has them."""
    with db.engine.begin() as conn:
        conn.execute(
            insert(table_of("daily_run")),
            {"tenant_id": TEAM, "business_date": DAY - timedelta(days=1), "finished_at": RUN_AT},
        )
        if db.dialect == "postgresql":
            for name in ("customer", "contract", *LEDGER_TABLES):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}")
                )
        conn.execute(text("ANALYZE"))
    start_test_clock(db, CLOCK_AT)


def seed_batch(
    conn: Connection, version_id: int, numbers: range, lots_each: int, expected: Expected, ids: Ids
) -> None:
    """Customers with an active membership each, and their lots with the ledger operations and
    entries core writes for them (grants, and expiries of what expired before DAY)."""
    ledger: dict[str, list[dict[str, Any]]] = {
        name: [] for name in ("credit_lot", "ledger_operation", "ledger_entry")
    }
    totals = []
    for n in numbers:
        member = n + 1  # customer and contract ids: a fresh database numbers them from 1
        start = DAY - timedelta(days=1 + n % SPREAD_DAYS)
        end = start + relativedelta(months=12) - timedelta(days=1)
        # The runs before DAY wrote each period a day ahead (LEAD_DAYS); DAY's run writes tomorrow's.
        due = period_starts(start, end, TERMS, "monthly", AHEAD)
        done = [d for d in due if d < AHEAD]
        expected.grants += len(due) - len(done)
        granted = expired = Decimal(0)
        for k, day in enumerate(done):
            lot_expired = period_lot(ledger, ids, member, k, day, expected)
            granted, expired = granted + TERMS.per_period, expired + (TERMS.per_period if lot_expired else 0)
        for j in range(max(0, lots_each - len(done))):
            bonus_lot(ledger, ids, member, j)
        expected.lots += max(lots_each, len(done))
        bonus = BONUS * max(0, lots_each - len(done))
        totals.append(totals_row(member, granted, expired, bonus))
        ledger.setdefault("contract", []).append(membership_row(member, version_id, start, end))
    insert_rows(conn, "customer", [{"id": n + 1, **customer_row(n)} for n in numbers])
    for name in ("contract", "credit_lot", "ledger_operation", "ledger_entry"):
        insert_rows(conn, name, ledger[name])
    insert_rows(conn, "credit_totals", totals)


def period_lot(
    ledger: dict[str, list[dict[str, Any]]], ids: Ids, member: int, k: int, day: date, expected: Expected
) -> bool:
    """Period k's grant (key `grant:<membership>:<k>`, as core.credits.grants writes it) and, when
    its expiry came before DAY's run, its expiry. True when it has expired."""
    usable_from = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    expires_at = usable_from + timedelta(days=TERMS.expiry_days)
    expired_on = expires_at.date()  # the run of this day expires it (00:00 comes before 06:00)
    lot = ids.take("credit_lot")
    remaining = Decimal(0) if expired_on < DAY else TERMS.per_period
    expected.expiries += expired_on == DAY
    ledger["credit_lot"].append(
        lot_row(lot, member, TERMS.per_period, remaining, usable_from, expires_at, "grant")
    )
    op = operation(ledger, ids, f"grant:{member}:{k}", "grant", usable_from)
    entry = (op, member, lot, "grant", TERMS.per_period, TERMS.per_period, usable_from)
    ledger["ledger_entry"].append(entry_row(ids, *entry, reference=f"period {k + 1}"))
    if expired_on < DAY:
        at = datetime.combine(expired_on, RUN_AT.timetz())
        op = operation(ledger, ids, f"expire:{lot}:{expires_at.isoformat()}", "expire", at)
        ledger["ledger_entry"].append(
            entry_row(ids, op, member, lot, "expire", -TERMS.per_period, Decimal(0), at)
        )
    return expired_on < DAY


def bonus_lot(ledger: dict[str, list[dict[str, Any]]], ids: Ids, member: int, j: int) -> None:
    """A manual top-up that never expires (an admin's adjustment), so every member holds as many
    lots as asked for whatever their start date."""
    lot = ids.take("credit_lot")
    ledger["credit_lot"].append(lot_row(lot, member, BONUS, BONUS, SETUP_AT, None, "adjust"))
    op = operation(ledger, ids, f"bonus:{member}:{j}", "adjust", SETUP_AT)
    ledger["ledger_entry"].append(entry_row(ids, op, member, lot, "adjust", BONUS, BONUS, SETUP_AT))


def operation(ledger: dict[str, list[dict[str, Any]]], ids: Ids, key: str, kind: str, at: datetime) -> int:
    op = ids.take("ledger_operation")
    ledger["ledger_operation"].append(
        {
            "id": op,
            "tenant_id": TEAM,
            "key": key,
            "kind": kind,
            "request_hash": "0" * 64,
            "actor": SYSTEM,
            "at": at,
        }
    )
    return op


def membership_row(member: int, version_id: int, start: date, end: date) -> dict[str, Any]:
    return contract_row(
        member,
        version_id,
        STAFF,
        datetime.combine(start, SETUP_AT.timetz()),
        start,
        end,
        id=member,
        # As the previous runs left them: visits planned up to a step past the horizon, spread
        # over the step; the next grant day worked out by the previous day's run.
        visits_until=DAY - timedelta(days=1) + timedelta(days=90 + member % HORIZON_STEP),
        next_grant_on=next_grant_day(start, end, TERMS, "monthly", AHEAD - timedelta(days=1)) or date.max,
    )


def lot_row(
    lot: int,
    member: int,
    granted: Decimal,
    remaining: Decimal,
    usable_from: datetime,
    expires_at: datetime | None,
    source: str,
) -> dict[str, Any]:
    return {
        "id": lot,
        "tenant_id": TEAM,
        "customer_id": member,
        "contract_id": member,
        "unit": "credit",
        "pool": "any",
        "priority": 100,
        "promotional": False,
        "granted": granted,
        "remaining": remaining,
        "usable_from": usable_from,
        "expires_at": expires_at,
        "granted_at": usable_from,
        "source": source,
    }


def entry_row(
    ids: Ids,
    op: int,
    member: int,
    lot: int,
    kind: str,
    quantity: Decimal,
    after: Decimal,
    at: datetime,
    reference: str = "",
) -> dict[str, Any]:
    return {
        "id": ids.take("ledger_entry"),
        "tenant_id": TEAM,
        "operation_id": op,
        "customer_id": member,
        "lot_id": lot,
        "contract_id": member,
        "kind": kind,
        "quantity": quantity,
        "remaining_after": after,
        "actor": SYSTEM,
        "reason": "",
        "reference": reference,
        "at": at,
    }


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t: int(conn.execute(select(func.count()).select_from(table_of(t))).scalar_one()) for t in COUNTED
        }


# --- the runs -------------------------------------------------------------------------------------


def memberbot(db_url: str, *command: str) -> tuple[float, int, str]:
    """`memberbot <command>` in a process of its own: wall seconds, its peak resident memory (KiB)
    and what it printed."""
    script = Path(sys.executable).with_name("memberbot")
    env = {**os.environ, "DATABASE_URL": db_url, "MEMBERBOT_TEAM": TEAM}
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        child = subprocess.Popen([str(script), *command], env=env, stdout=out, text=True)
        peak = 0
        while child.poll() is None:
            peak = max(peak, high_water(child.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        printed = out.read()
    if child.returncode != 0:
        raise RuntimeError(f"memberbot {' '.join(command)} exited {child.returncode}: {printed}")
    return seconds, peak, printed


def high_water(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, KiB). Not getrusage: a child's ru_maxrss
    keeps the parent's size from before exec (Linux carries it over), which here grows with the
    data seeded, so it would show growth that is not the child's."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def baseline(url: str, lots_each: int) -> int:
    """The peak of a memberbot process that does next to nothing (imports, connecting): the floor
    under the runs' peaks. Measured on a tiny database built for it."""
    db, _ = build(url, 10, lots_each)
    return memberbot(db.url, "clock", "show")[1]


def sweep(db: Database) -> Run:
    before = counts(db)
    seconds, peak, out = memberbot(db.url, "sweep")
    after = counts(db)
    found = SWEEP_LINE.search(out)
    if found is None:
        raise RuntimeError(f"memberbot sweep printed {out!r}")
    report = (int(found[1]), int(found[2]), int(found[3]), int(found[4]))
    print(out.strip(), f"({seconds:.1f} s, peak {peak / 1024:.0f} MiB)")
    return Run(seconds, peak, report, {t: after[t] - before[t] for t in COUNTED})


def rerun(db: Database) -> Run:
    """DAY again, as after a crash just before it was marked done: its mark removed, every job
    runs again over the same data and must find everything done."""
    with db.engine.begin() as conn:
        conn.execute(delete(table_of("daily_run")).where(table_of("daily_run").c.business_date == DAY))
    return sweep(db)


def bulk_insert(db: Database, rows: int) -> float:
    """The yardstick: `rows` ledger-entry rows in one transaction, one executemany (SQLAlchemy
    Core), pointing at existing operations and lots as real entries do."""
    with db.engine.connect() as conn:
        refs = conn.execute(
            select(table_of("ledger_entry").c.operation_id, table_of("ledger_entry").c.lot_id).limit(rows)
        ).all()
    batch = [bulk_row(refs[i % len(refs)][0], refs[i % len(refs)][1]) for i in range(rows)]
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(insert(table_of("ledger_entry")), batch)
    return time.perf_counter() - started


def bulk_row(op: int, lot: int) -> dict[str, Any]:
    return {
        "tenant_id": TEAM,
        "operation_id": op,
        "customer_id": 1,
        "lot_id": lot,
        "contract_id": 1,
        "kind": "grant",
        "quantity": TERMS.per_period,
        "remaining_after": TERMS.per_period,
        "actor": SYSTEM,
        "reason": "",
        "reference": "bulk",
        "at": RUN_AT,
    }


# --- the report ------------------------------------------------------------------------------------


def verify(run: Run, again: Run | None, expected: Expected) -> bool:
    expired, granted, _, _ = run.report
    checks = [
        (f"grants {granted:,} = memberships due {expected.grants:,}", granted == expected.grants),
        (f"expiries {expired:,} = lots due {expected.expiries:,}", expired == expected.expiries),
        (
            f"grant lots written {run.written['credit_lot']:,} = memberships due",
            run.written["credit_lot"] == expected.grants,
        ),
    ]
    if again is not None:
        wrote = {t: n for t, n in again.written.items() if n and t != "daily_run"}
        checks.append((f"the day run again wrote nothing else than its mark {wrote or ''}", not wrote))
    for name, passed in checks:
        print(f"{name:<70} {'PASS' if passed else 'FAIL'}")
    return all(passed for _, passed in checks)


def table(
    args: argparse.Namespace, small: Run, large: Run, again: Run, rows: int, bulk: float, floor: int
) -> None:
    small_n = max(1, args.memberships // 10)
    lines = [
        ("", f"{small_n:,} memberships", f"{args.memberships:,} memberships"),
        ("run (memberbot sweep, one day)", f"{small.seconds:.1f} s", f"{large.seconds:.1f} s"),
        ("peak memory of the run", f"{small.peak_kib / 1024:.0f} MiB", f"{large.peak_kib / 1024:.0f} MiB"),
        ("  (memberbot doing nothing)", f"{floor / 1024:.0f} MiB", ""),
        (
            "expired / granted / moved",
            "{:,} / {:,} / {:,}".format(*small.report[:3]),
            "{:,} / {:,} / {:,}".format(*large.report[:3]),
        ),
        ("reminders queued", f"{small.written['outbox']:,}", f"{large.written['outbox']:,}"),
        ("ledger rows written", f"{sum(small.written[t] for t in LEDGER_TABLES):,}", f"{rows:,}"),
        ("same day again (writes nothing)", "", f"{again.seconds:.1f} s"),
        ("bulk insert of as many entry rows", "", f"{bulk:.2f} s"),
        ("run / bulk insert", "", f"{large.seconds / bulk:.0f}x"),
    ]
    for name, a, b in lines:
        print(f"{name:<36}{a:>22}{b:>22}")


if __name__ == "__main__":
    sys.exit(main())
