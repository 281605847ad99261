"""The database going away: every wait on it is bounded (storage/limits.py), so a stall becomes an
error within seconds, nothing is written, and the next unit of work is normal again. PostgreSQL
through a proxy that hangs or cuts its connections (when MEMBERBOT_TEST_DATABASE_URL is set);
SQLite with its write lock held by another connection. Bounds are generous (a loaded machine)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.context import transaction
from core.customers.service import CustomerInput, add_customer
from core.kernel.clock import FixedClock
from core.workspace.flows import ensure_tenant
from storage.limits import Limits, unavailable
from storage.tables.customers import Customer
from storage.uow import Database
from tests.conftest import ADMIN, Shop, new_team
from tests.integration.helpers import shop_on_a_file
from tests.stall_proxy import Proxy, proxied_postgresql

pytestmark = pytest.mark.faults

QUICK = Limits(connect=2, statement=1, pool=1, busy=0.5)
BOUND = 8.0  # s: what "a few seconds" means here, with room for a loaded machine
NOW = datetime(2025, 3, 10, 18, 0, tzinfo=UTC)


def customers(db: Database, team: str) -> list[str]:
    with transaction(db, team, ADMIN, FixedClock(NOW), write=False) as ctx:
        return [c.company for c in ctx.uow.all(ctx.uow.select(Customer))]


def add(db: Database, team: str, company: str) -> None:
    with transaction(db, team, ADMIN, FixedClock(NOW)) as ctx:
        add_customer(ctx, CustomerInput(company=company))


def seconds(work: Callable[[], object]) -> float:
    """How long `work` took to fail because the database did not answer."""
    started = time.monotonic()
    with pytest.raises(SQLAlchemyError) as raised:
        work()
    assert unavailable(raised.value), raised.value
    return time.monotonic() - started


# --- SQLite -------------------------------------------------------------------------------------


def test_a_sqlite_writer_gives_up_after_the_busy_timeout_and_writes_nothing(tmp_path: Path) -> None:
    shop = shop_on_a_file(tmp_path / "busy.sqlite", NOW, new_team())
    impatient = Database(shop.db.url, QUICK)
    holder = sqlite3.connect(tmp_path / "busy.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        waited = seconds(lambda: add(impatient, shop.team, "Blue Fin Spa"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert waited < BOUND
    assert customers(shop.db, shop.team) == []
    add(impatient, shop.team, "Blue Fin Spa")  # normal again at once
    assert customers(shop.db, shop.team) == ["Blue Fin Spa"]


def test_the_daily_run_fails_in_one_line_when_the_database_is_locked_and_the_rerun_resumes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "daily.sqlite"
    shop = shop_on_a_file(path, NOW, new_team())
    env = {"MEMBERBOT_DB_RUN_TIMEOUT": "0.5", "MEMBERBOT_DB_BUSY_TIMEOUT": "0.5"}
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        failed, took = memberbot_sweep(shop.db.url, env)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert failed.returncode == 1 and took < 30
    assert failed.stdout == ""
    assert failed.stderr.strip().splitlines() == [
        "Error: the database did not answer (OperationalError: database is locked)"
    ]
    rerun, _ = memberbot_sweep(shop.db.url, env)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith(f"{shop.team} 2025-03-10: ")


def memberbot_sweep(url: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "memberbot"), "sweep"],
        env={**os.environ, "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, time.monotonic() - started


# --- PostgreSQL through a proxy -----------------------------------------------------------------


@pytest.fixture
def proxied(db: Database) -> Iterator[tuple[Proxy, Database, Shop]]:
    """A workspace on the test PostgreSQL, and a Database reaching it through a proxy."""
    assert db.dialect == "postgresql"  # the tests that use it are marked so
    with proxied_postgresql() as (proxy, url):
        through = Database(url, QUICK)
        shop = Shop(db, FixedClock(NOW), new_team())
        ensure_tenant(db, shop.clock, shop.team, admins=[ADMIN])
        assert customers(through, shop.team) == []  # a pooled connection, open before the stall
        try:
            yield proxy, through, shop
        finally:
            through.dispose()


@pytest.mark.postgresql  # SQLite has no connection to cut
def test_a_hung_database_fails_a_unit_of_work_within_seconds_and_nothing_is_written(
    proxied: tuple[Proxy, Database, Shop],
) -> None:
    proxy, through, shop = proxied
    proxy.hang()
    assert seconds(lambda: add(through, shop.team, "Blue Fin Spa")) < BOUND  # the pooled connection
    assert seconds(lambda: add(through, shop.team, "Blue Fin Spa")) < BOUND  # a new one: connect timeout
    proxy.resume()
    assert customers(shop.db, shop.team) == []
    add(through, shop.team, "Blue Fin Spa")  # normal again at once
    assert customers(shop.db, shop.team) == ["Blue Fin Spa"]


@pytest.mark.postgresql  # SQLite has no connection to cut
def test_the_ping_of_a_pooled_connection_waits_its_own_second_not_the_statement_budget(db: Database) -> None:
    """storage/engine.py pings a pooled connection before handing it out with a budget of its own
    (PING_SECONDS): with a statement budget of 20 s, a hung database still fails the unit of work
    in the ping's second plus the connect timeout of its replacement."""
    with proxied_postgresql() as (proxy, url):
        through = Database(url, replace(QUICK, statement=20))
        try:
            shop = Shop(db, FixedClock(NOW), new_team())
            ensure_tenant(db, shop.clock, shop.team, admins=[ADMIN])
            assert customers(through, shop.team) == []  # pooled, open before the stall
            proxy.hang()
            assert seconds(lambda: customers(through, shop.team)) < BOUND
            proxy.resume()
            assert customers(through, shop.team) == []  # normal again at once
        finally:
            through.dispose()


@pytest.mark.postgresql  # SQLite has no connection to cut
def test_a_cut_connection_fails_at_once_and_the_next_unit_of_work_reconnects(
    proxied: tuple[Proxy, Database, Shop],
) -> None:
    proxy, through, shop = proxied
    started = time.monotonic()
    with pytest.raises(SQLAlchemyError) as raised, transaction(through, shop.team, ADMIN, shop.clock) as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin Spa"))
        ctx.uow.flush()
        proxy.cut()  # mid-transaction, before its COMMIT
    assert unavailable(raised.value) and time.monotonic() - started < BOUND
    proxy.resume()
    assert customers(through, shop.team) == []  # reconnected: the pool dropped the cut connection


@pytest.mark.postgresql  # SQLite has no connection to cut
def test_a_slow_statement_is_cancelled_by_the_server_and_the_connection_stays_usable(
    proxied: tuple[Proxy, Database, Shop],
) -> None:
    _, through, _ = proxied
    with through.engine.connect() as conn:
        started = time.monotonic()
        with pytest.raises(SQLAlchemyError, match="statement timeout") as raised:
            conn.execute(text("SELECT pg_sleep(30)"))
        assert unavailable(raised.value)
        assert time.monotonic() - started < BOUND
        conn.rollback()
        assert conn.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.postgresql  # SQLite has no connection to cut
def test_the_daily_run_fails_in_one_line_when_postgresql_hangs_or_is_cut(
    proxied: tuple[Proxy, Database, Shop],
) -> None:
    proxy, through, _ = proxied
    env = {"MEMBERBOT_DB_CONNECT_TIMEOUT": "2", "MEMBERBOT_DB_RUN_TIMEOUT": "1"}
    for stall in (proxy.hang, proxy.cut):
        stall()
        failed, took = memberbot_sweep(through.url, env)
        assert failed.returncode == 1 and took < 30, failed.stderr
        lines = failed.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: the database did not answer (")
        proxy.resume()
