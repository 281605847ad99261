"""Message shortcut benchmark: finding the customer a message names, among many customers.

A message shortcut looks up every word of the message (core/customers/lookup.py `named_in`):
the words prefilter candidates in the database (`LIKE '%word%'`, any of them), then the names
written whole are kept. Measured for a short and a long message, one naming a customer and one
naming none, with a number (`#12`) as the fast path beside them.

Run:  .venv/bin/python -m bench.named [--database-url URL] [--customers 20000] [--repeat 100]
Without --database-url it uses a fresh SQLite file in a temporary directory. A PostgreSQL URL is
wiped (its public schema is dropped) before the run. Exits 1 when a lookup's median is above
100 ms (a shortcut's answer should feel immediate; Slack allows 3 seconds for the ack alone).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.common import TEAM, arguments, fresh, insert_rows
from core.context import SYSTEM, transaction
from core.customers.lookup import Lookup, named_in
from core.kernel.clock import FixedClock
from core.kernel.text import fold
from core.workspace.flows import ensure_tenant
from storage.uow import Database

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TARGET_MS = 100.0
WORDS = ("North", "Harbour", "Maple", "Cedar", "Summit", "River", "Golden", "Blue", "Oak", "Pine")
KINDS = ("Cafe", "Bakery", "Clinic", "Studio", "Plumbing", "Spa", "Dental", "Fitness", "Salon", "Garage")
FIRST = ("Anna", "Bo", "Carla", "Dev", "Emil", "Fatima", "Greta", "Hugo", "Ines", "Jonas")


def names(n: int) -> tuple[str, str]:
    """Customer n's company and contact."""
    return f"{WORDS[n % 10]} {KINDS[n // 10 % 10]} {n}", f"{FIRST[n // 100 % 10]} Person{n}"


def populate(db: Database, count: int) -> None:
    rows = []
    for n in range(count):
        company, contact = names(n)
        rows.append(
            {
                "tenant_id": TEAM,
                "company": company,
                "contact": contact,
                "search_text": fold(f"{company} {contact}"),
                "created_at": NOW,
            }
        )
    with db.engine.begin() as conn:
        for start in range(0, len(rows), 5_000):
            insert_rows(conn, "customer", rows[start : start + 5_000])
        conn.execute(text("ANALYZE"))


def measure(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    db = fresh(url)
    clock = FixedClock(NOW)
    ensure_tenant(db, clock, TEAM, admins=["UBENCH"])
    populate(db, args.customers)
    print(f"database: {db.dialect}; customers: {args.customers:,}")
    filler = " ".join(["please call back about the invoice and the appointment next week"] * 6)
    company, contact = names(1234)
    messages = {
        "short, names one": f"{contact} from {company} called",
        "long, names one": f"{filler} {company} {filler}",
        "short, names none": "Lunch at noon tomorrow?",
        "long, names none": filler,
        "a number": "re #1234: leaking tap",
    }

    def lookup(message: str) -> Callable[[], Lookup]:
        def run() -> Lookup:
            with transaction(db, TEAM, SYSTEM, clock, write=False) as ctx:
                return named_in(ctx, message)

        return run

    worst = 0.0
    for label, message in messages.items():
        found = lookup(message)()
        median = measure(lookup(message), args.repeat)
        worst = max(worst, median)
        print(f"{label:>20}: {median:7.2f} ms median  ({len(found.matches)} found)")
    print(f"target: every median under {TARGET_MS:.0f} ms — {'met' if worst <= TARGET_MS else 'MISSED'}")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
