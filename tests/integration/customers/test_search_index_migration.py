"""Migration 0025 builds the customer search index over the customers already there, and its
downgrade takes it away. On SQLite and, when asked for, on PostgreSQL (in a database of its own
beside the test database, which is left alone)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, make_url, text

from core.context import transaction
from core.customers.service import CustomerInput, add_customer, search_customers
from core.kernel.clock import FixedClock
from core.workspace.flows import ensure_tenant
from storage.migrate import alembic_config, upgrade
from storage.uow import Database
from tests.conftest import ADMIN, BACKENDS

NOW = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'migration.sqlite'}")
        yield db
        db.dispose()
        return
    url = make_url(os.environ["MEMBERBOT_TEST_DATABASE_URL"])
    name = f"{url.database}_search_migration"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(url.set(database=name).render_as_string(hide_password=False))
    yield db
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def test_the_customers_already_there_are_found_through_the_new_index(empty: Database) -> None:
    # The workspace is made at the head (the tables' code is the head's), then the schema is taken
    # back to 0024 to hold customers written before the index existed.
    upgrade(empty, "head")
    ensure_tenant(empty, FixedClock(NOW), "TOLD", admins=[ADMIN])
    command.downgrade(alembic_config(empty), "0024")
    with empty.engine.begin() as conn:
        for company, folded in [("Café Müller", "cafe muller"), ("Zeppelin Fitness", "zeppelin fitness")]:
            conn.execute(
                text(
                    "INSERT INTO customer (tenant_id, company, contact, email, phone, notes, search_text, "
                    "created_at, merged_by) VALUES ('TOLD', :company, '', '', '', '', :folded, :now, '')"
                ),
                {"company": company, "folded": folded, "now": NOW},
            )
    upgrade(empty, "0025")
    with empty.engine.connect() as conn:
        if empty.dialect == "sqlite":
            indexed = conn.execute(text("SELECT search_text FROM customer_search ORDER BY rowid")).scalars()
            assert list(indexed) == ["cafe muller", "zeppelin fitness"]
        else:
            options = conn.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'ix_customer_search_trgm'")
            ).scalar()
            assert options == ["fastupdate=off"]
    upgrade(empty, "head")
    with transaction(empty, "TOLD", ADMIN, FixedClock(NOW), write=False) as ctx:
        assert [c.company for c in search_customers(ctx, "muller")] == ["Café Müller"]
        assert [c.company for c in search_customers(ctx, "fitness zep")] == ["Zeppelin Fitness"]

    command.downgrade(alembic_config(empty), "0024")
    with empty.engine.connect() as conn:
        if empty.dialect == "sqlite":
            assert "customer_search" not in inspect(conn).get_table_names()
            triggers = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'customer_search%'")
            ).all()
            assert triggers == []
        else:
            options = conn.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'ix_customer_search_trgm'")
            ).scalar()
            assert options is None


def test_the_index_keeps_up_through_every_later_migration_and_their_downgrades(empty: Database) -> None:
    """A later migration that copies the customer table (SQLite's batch mode) would drop the
    index's triggers and leave new customers unfound: at the head, and back down to 0025 and up
    again, a customer added is found."""
    upgrade(empty, "head")
    command.downgrade(alembic_config(empty), "0025")
    upgrade(empty, "head")
    ensure_tenant(empty, FixedClock(NOW), "THEAD", admins=[ADMIN])
    with transaction(empty, "THEAD", ADMIN, FixedClock(NOW)) as ctx:
        add_customer(ctx, CustomerInput(company="Café Müller"))
    with transaction(empty, "THEAD", ADMIN, FixedClock(NOW), write=False) as ctx:
        assert [c.company for c in search_customers(ctx, "cafe mul")] == ["Café Müller"]
