"""The storage layer on each database: schema, exact money, UTC instants, locking, isolation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, event, text
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel, col

from core.context import transaction
from core.customers.service import CustomerInput, add_customer, search_customers
from core.plans.service import list_plans
from storage.customer_search import include_name
from storage.migrate import is_empty, prepare
from storage.tables.customers import Customer
from storage.tables.plans import Plan, PlanVersion
from storage.tables.workspace import Tenant
from storage.uow import Database
from tests.conftest import Shop, new_team
from tests.integration.threads import race


def schema_diff(db: Database, metadata: MetaData) -> list[object]:
    with db.engine.connect() as conn:
        # As the migrations compare (storage/migrations/env.py): the SQLite search index is no model.
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        return list(compare_metadata(context, metadata))


def test_migrated_schema_equals_the_models(db: Database) -> None:
    assert schema_diff(db, SQLModel.metadata) == []


def test_schema_comparison_notices_a_difference(db: Database) -> None:
    # The check above can fail: a model the migrations do not know about shows up as a diff.
    metadata = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(metadata)
    Table("not_migrated", metadata, Column("id", Integer, primary_key=True))
    diff = schema_diff(db, metadata)
    assert [d[0] for d in diff if isinstance(d, tuple)] == ["add_table"]


def test_money_is_stored_exactly(shop: Shop) -> None:
    with shop.tx() as ctx:
        version = ctx.uow.first(ctx.uow.select(PlanVersion))
        assert version is not None
        version.price = Decimal("98765432.1234")
        ctx.uow.add(version)
        version_id = version.id
    with shop.tx(write=False) as ctx:
        stored = ctx.uow.first(ctx.uow.select(PlanVersion).where(col(PlanVersion.id) == version_id))
        assert stored is not None and stored.price == Decimal("98765432.1234")
        raw = ctx.uow.session.execute(text("SELECT price FROM plan_version WHERE id = :i"), {"i": version_id})
        assert raw.scalar() == 987654321234  # integer ten-thousandths, summable exactly in SQL


@pytest.mark.parametrize("bad", [1.5, Decimal("0.00001")])
def test_money_refuses_floats_and_excess_precision(shop: Shop, bad: object) -> None:
    with (
        pytest.raises(StatementError, match=r"must be a Decimal|more than 4 decimal places"),
        shop.tx() as ctx,
    ):
        version = ctx.uow.first(ctx.uow.select(PlanVersion))
        assert version is not None
        version.price = cast(Decimal, bad)  # what a careless caller could pass
        ctx.uow.add(version)
        ctx.uow.flush()


def test_instants_come_back_aware_in_utc(shop: Shop) -> None:
    paris = timezone(timedelta(hours=1))
    with shop.tx() as ctx:
        plan = ctx.uow.first(ctx.uow.select(Plan))
        assert plan is not None
        plan.created_at = datetime(2025, 3, 1, 10, 30, tzinfo=paris)
        ctx.uow.add(plan)
        plan_id = plan.id
    with shop.tx(write=False) as ctx:
        stored = ctx.uow.get(Plan, plan_id or 0)
        assert stored is not None
        assert stored.created_at == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
        assert stored.created_at.utcoffset() == timedelta(0)


def test_naive_instants_are_refused(shop: Shop) -> None:
    with pytest.raises(StatementError, match="timezone-aware"), shop.tx() as ctx:
        plan = ctx.uow.first(ctx.uow.select(Plan))
        assert plan is not None
        plan.created_at = datetime(2025, 3, 1, 10, 30)
        ctx.uow.add(plan)
        ctx.uow.flush()


def test_a_unit_of_work_rolls_back_unless_committed(shop: Shop) -> None:
    with shop.db.unit_of_work(shop.team) as uow:
        plan = uow.first(uow.select(Plan))
        assert plan is not None
        plan.name = "Never saved"
        uow.add(plan)
        uow.flush()
    with shop.tx(write=False) as ctx:
        assert "Never saved" not in {p.name for p in list_plans(ctx)}


def test_rows_of_another_workspace_are_invisible(shop: Shop, db: Database) -> None:
    with shop.tx(write=False) as ctx:
        mine = ctx.uow.first(ctx.uow.select(Plan))
        assert mine is not None and mine.id is not None
    with db.unit_of_work("TSOMEONEELSE", write=False) as uow:
        assert uow.get(Plan, mine.id) is None
        assert uow.all(uow.select(Plan).where(col(Plan.id) == mine.id)) == []


def test_concurrent_read_modify_write_loses_no_update(shop: Shop) -> None:
    """20 workers each read a counter and write it back plus one. SQLite's BEGIN IMMEDIATE and
    PostgreSQL's FOR UPDATE make them queue, so no increment is lost."""
    workers = 20

    def bump(_: int) -> None:
        with shop.db.unit_of_work(shop.team) as uow:
            tenant = uow.session.get(Tenant, shop.team, with_for_update=True)
            assert tenant is not None
            seen = tenant.grace_days
            threading.Event().wait(0.01)  # widen the window a lost update needs
            tenant.grace_days = seen + 1
            uow.session.add(tenant)
            uow.commit()

    with shop.tx(write=False) as ctx:
        start = ctx.tenant.grace_days
    _, failures = race(bump, workers)
    assert failures == []
    with shop.tx(write=False) as ctx:
        assert ctx.tenant.grace_days == start + workers


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5_000


def test_an_empty_sqlite_file_is_migrated_at_start(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert is_empty(db)
    prepare(db)
    assert schema_diff(db, SQLModel.metadata) == []


def test_a_row_read_by_id_is_read_once_per_unit_of_work(shop: Shop) -> None:
    with shop.tx() as ctx:
        ann = add_customer(ctx, CustomerInput(company="Ann's Bakery")).id
        bo = add_customer(ctx, CustomerInput(company="Bo's Bikes")).id
    selects: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM customer" in statement:
            selects.append(statement)

    event.listen(shop.db.engine, "before_cursor_execute", seen)
    try:
        with shop.tx(write=False) as ctx:
            first = ctx.uow.get(Customer, ann)
            assert first is not None and ctx.uow.get(Customer, ann) is first
            assert len(selects) == 1
            [found] = search_customers(ctx, "bikes")  # the rows a search found are kept too
            assert found.id == bo and len(selects) == 2
            assert ctx.uow.get(Customer, bo) is not None and len(selects) == 2
            assert ctx.uow.get(Customer, ann, for_update=True) is first  # a lock always asks
            assert len(selects) == 3
        with transaction(shop.db, new_team(), "UADMIN", shop.clock, write=False) as other:
            # Even held by the session (read past the unit of work), another workspace's row is
            # not found.
            stray = other.uow.session.get(Customer, ann)
            assert stray is not None
            assert other.uow.get(Customer, ann) is None
    finally:
        event.remove(shop.db.engine, "before_cursor_execute", seen)
