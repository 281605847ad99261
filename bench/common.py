"""What the benchmarks share: the workspace they seed, their command line, a fresh database, and
the rows they write in bulk (core would take an hour for 100,000 memberships; the rows are the
shape it writes)."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, insert, text
from sqlmodel import SQLModel

from storage.limits import Limits
from storage.migrate import upgrade
from storage.uow import Database

TEAM = "TBENCH"


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options every benchmark takes (its module docstring's first line as the description);
    each adds its own."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--memberships", type=int, default=100_000)
    return parser


def fresh(url: str) -> Database:
    """The database at `url`, migrated from empty (a PostgreSQL one's public schema is dropped)."""
    db = Database(url, Limits().for_runs())  # seeding writes 30,000 rows a statement: a run's budget
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(db)
    return db


def table_of(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def insert_rows(conn: Connection, table_name: str, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(table_of(table_name)), rows)


def contract_row(
    customer_id: int,
    version_id: int,
    seller: str,
    at: datetime,
    start: date = date(2025, 1, 1),
    end: date = date(2025, 12, 31),
    **more: Any,
) -> dict[str, Any]:
    """An active membership sold (and written) by `seller` at `at`."""
    return {
        "tenant_id": TEAM,
        "customer_id": customer_id,
        "kind": "membership",
        "plan_version_id": version_id,
        "status": "active",
        "start_date": start,
        "end_date": end,
        "summary": "",
        "seller_id": seller,
        "created_by": seller,
        "created_at": at,
        **more,
    }


def totals_row(
    customer_id: int, granted: Decimal, expired: Decimal = Decimal(0), adjusted: Decimal = Decimal(0)
) -> dict[str, Any]:
    """A customer's running credit totals when nothing was used or transferred."""
    zero = Decimal(0)
    return {
        "tenant_id": TEAM,
        "customer_id": customer_id,
        "unit": "credit",
        "granted": granted,
        "used": zero,
        "expired": expired,
        "transferred_in": zero,
        "transferred_out": zero,
        "adjusted": adjusted,
    }
