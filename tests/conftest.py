"""Shared fixtures. Storage tests run on SQLite and, when MEMBERBOT_TEST_DATABASE_URL is set, on
PostgreSQL too. Each test works in a workspace of its own, so tests share one migrated database
per backend and tenant isolation keeps them apart."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from core.context import Ctx, transaction
from core.kernel.clock import FixedClock
from core.workspace import roles
from core.workspace.flows import ensure_tenant
from storage.migrate import upgrade
from storage.uow import Database

ADMIN, MANAGER, STAFF, SPECIALIST, NOBODY = "UADMIN", "UMANAGER", "USTAFF", "USPEC", "UNOBODY"
TZ = "America/New_York"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("MEMBERBOT_TEST_DATABASE_URL") else [])


def fresh_database(backend: str, tmp: Path) -> Database:
    """An empty, migrated database. A PostgreSQL that was asked for and is unreachable fails the run."""
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp / 'test.sqlite'}")
    else:
        db = Database(os.environ["MEMBERBOT_TEST_DATABASE_URL"])
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(db)
    return db


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `postgresql` runs on the PostgreSQL backend only: its SQLite variant is
    deselected (not skipped), so CI, which sets MEMBERBOT_TEST_DATABASE_URL, always runs it."""
    sqlite_only = [
        item for item in items if item.get_closest_marker("postgresql") and _backend(item) == "sqlite"
    ]
    if sqlite_only:
        config.hook.pytest_deselected(items=sqlite_only)
        items[:] = [item for item in items if item not in sqlite_only]


def _backend(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)  # only parametrized items have one
    return None if callspec is None else callspec.params.get("db")


@pytest.fixture(scope="session", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = fresh_database(request.param, tmp_path_factory.mktemp(request.param))
    yield database
    database.dispose()


@dataclass
class Shop:
    """One workspace with a user in each role, and a clock the test controls."""

    db: Database
    clock: FixedClock
    team: str

    def tx(self, actor: str = ADMIN, *, write: bool = True) -> AbstractContextManager[Ctx]:
        return transaction(self.db, self.team, actor, self.clock, write=write)


def new_team() -> str:
    return "T" + uuid.uuid4().hex[:12].upper()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 1, 15, 15, 0, tzinfo=UTC))


@pytest.fixture
def shop(db: Database, clock: FixedClock) -> Shop:
    team = new_team()
    ensure_tenant(db, clock, team, name="Test Shop", timezone=TZ, currency="USD", admins=[ADMIN])
    s = Shop(db, clock, team)
    with s.tx() as ctx:
        roles.grant(ctx, MANAGER, "manager")
        roles.grant(ctx, STAFF, "staff")
        roles.grant(ctx, SPECIALIST, "specialist")
    return s
