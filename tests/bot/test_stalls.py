"""The database stalling under the real Bolt app: the person asking is told "Sorry" within a few
seconds and nothing is written, the next request is normal again, /healthz answers within a
second whatever the listeners' worker is doing, and the scheduler logs a line per failed tick.
PostgreSQL through a proxy told to hang (when MEMBERBOT_TEST_DATABASE_URL is set); SQLite with its
write lock held by another connection. Bounds are generous, for a loaded machine."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import build_app
from bot.deps import Deps
from bot.local_server import Running
from bot.scheduler import Scheduler
from bot.server import clients, create_server
from bot.standin import Driver, SlackStandIn
from core.catalog import locations as catalog
from core.catalog import services
from core.catalog.services import ServiceInput
from core.kernel.clock import FixedClock
from storage.limits import Limits
from storage.uow import Database
from tests.bot.conftest import SECRET, TOKEN, Slack, bot_settings, wait_until
from tests.conftest import Shop
from tests.integration.helpers import shop_on_a_file
from tests.stall_proxy import proxied_postgresql

pytestmark = pytest.mark.faults

QUICK = Limits(connect=2, statement=1, pool=1, busy=0.5)
ANSWERED_WITHIN = 8.0  # s: the apology, with room for a loaded machine
HEALTHZ_WITHIN = 1.5  # s: /healthz's own deadline is 1 s


@dataclass
class Stalled:
    """The bot on a database that `stall()` makes hang and `release()` lets go again."""

    slack: Slack
    bot_url: str
    stall: Callable[[], None]
    release: Callable[[], None]


@contextmanager
def the_database_stalls(shop: Shop, limits: Limits) -> Iterator[Stalled]:
    if shop.db.dialect == "sqlite":
        with sqlite_lock(shop.db.url) as (hold, release), bot_on(shop, Database(shop.db.url, limits)) as bot:
            yield Stalled(bot.slack, bot.url, hold, release)
    else:
        with proxied_postgresql() as (proxy, url), bot_on(shop, Database(url, limits)) as bot:
            yield Stalled(bot.slack, bot.url, proxy.hang, proxy.resume)


@contextmanager
def sqlite_lock(url: str) -> Iterator[tuple[Callable[[], None], Callable[[], None]]]:
    """Another process's write transaction on the file, begun by hold() and ended by release()."""
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)

    def hold() -> None:
        holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        if holder.in_transaction:
            holder.execute("ROLLBACK")

    try:
        yield hold, release
    finally:
        release()
        holder.close()


@dataclass
class Bot:
    slack: Slack
    url: str
    app: AsyncApp


@contextmanager
def bot_on(shop: Shop, db: Database) -> Iterator[Bot]:
    """The bot over signed HTTP on `db` (the shop's data, reached with other limits or a proxy)."""
    standin = SlackStandIn(team=shop.team, bot_token=TOKEN)
    fake = Running(standin.web_app())
    standin.url = fake.url
    settings = bot_settings(shop, fake.url)
    app = build_app(settings, Deps(db, shop.clock, settings.admins))
    bot = Running(create_server(app, db, signing_secret=SECRET))
    try:
        driver = Driver(bot.url, fake.url, SECRET, shop.team, standin)
        yield Bot(Slack(shop, standin, driver), bot.url, app)
    finally:
        bot.stop()
        fake.stop()
        db.dispose()


def a_priced_service(shop: Shop) -> None:
    with shop.tx() as ctx:
        services.create_service(ctx, ServiceInput("Massage 60", price=Decimal(100)))
        catalog.add_location(ctx, "Downtown")


def location_prices(shop: Shop) -> list[tuple[str, Decimal]]:
    with shop.tx(write=False) as ctx:
        return [p for s in services.list_services(ctx) for p in s.location_prices]


def test_a_request_is_told_sorry_within_seconds_while_the_database_hangs_and_nothing_is_written(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    a_priced_service(shop)
    with the_database_stalls(shop, QUICK) as stalled:
        assert "No service" not in stalled.slack.command("/services", "")["text"]  # a pooled connection
        stalled.stall()
        started = time.monotonic()
        try:
            with caplog.at_level(logging.ERROR, logger="memberbot.bot"):
                reply = stalled.slack.command("/services", "price massage 60 at downtown 110")["text"]
            took = time.monotonic() - started
        finally:
            stalled.release()
        assert reply.startswith("Sorry, something went wrong on our side. Reference: `")
        assert took < ANSWERED_WITHIN
        reference = reply.split("`")[1]
        logged = [r for r in caplog.records if reference in r.getMessage()]
        assert len(logged) == 1 and logged[0].exc_info is None  # an outage: one line, no trace
        assert "the database did not answer /services from" in logged[0].getMessage()
        assert location_prices(shop) == []
        priced = stalled.slack.command("/services", "price massage 60 at downtown 110")["text"]
        assert "*Massage 60* costs $110.00 at Downtown" in priced  # normal again at once
    assert location_prices(shop) == [("Downtown", Decimal(110))]


def healthz(url: str) -> tuple[int, float]:
    started = time.monotonic()
    status = httpx.get(f"{url}/healthz", timeout=10).status_code
    return status, time.monotonic() - started


def test_healthz_answers_within_a_second_while_the_worker_waits_on_a_stalled_database(shop: Shop) -> None:
    """The one listener thread is stuck in a write; /healthz does not queue behind it. On
    PostgreSQL the hung database makes it 503; SQLite still answers reads (200)."""
    a_priced_service(shop)
    patient = Limits(connect=2, statement=3, pool=1, busy=3)
    with the_database_stalls(shop, patient) as stalled:
        assert healthz(stalled.bot_url)[0] == 200
        stalled.stall()
        try:
            http, _ = stalled.slack.driver.slash(
                "/services", "price massage 60 at downtown 110", user="UADMIN"
            )
            assert http.status_code == 200  # acknowledged; the worker now waits on the database
            probes = [healthz(stalled.bot_url) for _ in range(3)]
        finally:
            stalled.release()
        expected = 200 if shop.db.dialect == "sqlite" else 503
        assert [status for status, _ in probes] == [expected] * 3
        assert max(took for _, took in probes) < HEALTHZ_WITHIN
        wait_until(lambda: healthz(stalled.bot_url)[0] == 200, what="/healthz healthy again")


def test_the_scheduler_logs_one_line_per_tick_the_database_fails_and_a_trace_per_fault(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shop = shop_on_a_file(tmp_path / "ticks.sqlite", datetime(2025, 1, 15, 17, 0, tzinfo=UTC), "TTICKS")
    db = Database(shop.db.url, QUICK)
    with bot_on(shop, db) as bot, sqlite_lock(shop.db.url) as (hold, release):
        scheduler = Scheduler(db, FixedClock(shop.clock.now()), clients(bot.app))
        hold()
        with caplog.at_level(logging.INFO, logger="memberbot.scheduler"):
            for _ in range(3):
                asyncio.run(scheduler.sweep())
        release()
        ticks = [r for r in caplog.records if r.name == "memberbot.scheduler"]
        assert [r.levelno for r in ticks] == [logging.WARNING] * 3
        assert all(r.exc_info is None and "\n" not in r.getMessage() for r in ticks)
        assert "the database did not answer (OperationalError: database is locked)" in ticks[0].getMessage()
        caplog.clear()
        with db.engine.begin() as conn:  # a fault, not an outage: the table the sweep reads is gone
            conn.execute(text("ALTER TABLE daily_run RENAME TO daily_run_gone"))
        with caplog.at_level(logging.INFO, logger="memberbot.scheduler"):
            asyncio.run(scheduler.sweep())
        faults = [r for r in caplog.records if r.name == "memberbot.scheduler"]
        assert [r.levelno for r in faults] == [logging.ERROR] and faults[0].exc_info is not None
        scheduler.shutdown()


@pytest.mark.postgresql  # on SQLite every process leads: there is no leadership check to hang
def test_the_leadership_check_logs_one_line_per_tick_while_postgresql_hangs(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    assert shop.db.dialect == "postgresql"
    with proxied_postgresql() as (proxy, url), bot_on(shop, Database(url, QUICK)) as bot:
        db = Database(url, QUICK)
        scheduler = Scheduler(db, shop.clock, clients(bot.app))
        proxy.hang()  # before the first tick: the leadership check itself waits on the database
        try:
            with caplog.at_level(logging.INFO, logger="memberbot.scheduler"):
                for _ in range(2):
                    asyncio.run(scheduler.deliver())
        finally:
            proxy.resume()
            scheduler.shutdown()
            db.dispose()
    ticks = [r for r in caplog.records if r.name == "memberbot.scheduler"]
    assert [r.levelno for r in ticks] == [logging.WARNING] * 2
    assert all(r.exc_info is None and "delivering the outbox failed" in r.getMessage() for r in ticks)
