"""The scheduler: APScheduler 3 (asyncio) inside `memberbot serve`, or alone as `memberbot
scheduler`. Two jobs: the daily sweep (core/daily/jobs.py), checked every minute because each
workspace has its own local run time, and the outbox deliverer, every few seconds.

APScheduler 3 must never share a job store between processes (its FAQ: duplicate or missed runs),
so each process keeps its jobs in memory, and only one process leads: on PostgreSQL the one
holding a session advisory lock on a connection kept open for it; when that process dies its
connection closes, the lock is released, and another replica takes over at its next tick. SQLite
is one machine's database: every process may lead, and the jobs' keys keep effects single.

Job settings, chosen on purpose: `coalesce` (a tick missed while the process was busy or asleep
runs once, not once per missed tick: the sweep catches up by itself), `max_instances=1` (a slow
sweep is never overlapped by the next tick), `misfire_grace_time=30` s (a tick later than that is
dropped, the next one comes within a minute anyway).

A tick that fails because the database does not answer (an outage: refused, cut, timed out) logs
one warning line and the next tick tries again; anything else logs its trace once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Connection, text

from bot import once
from bot.deliver import ClientFor, deliver_due
from core.daily import jobs as daily
from core.kernel.clock import Clock
from storage.limits import described, unavailable
from storage.uow import Database

log = logging.getLogger("memberbot.scheduler")
LEADER_LOCK = 0x6D656D62  # "memb": the advisory lock key of the scheduler's leader
SWEEP_SECONDS, DELIVER_SECONDS = 60, 5
T = TypeVar("T")


class Leadership:
    """Whether this process leads the scheduler (see the module's docstring)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._held: Connection | None = None

    def leads(self) -> bool:
        if self._db.dialect != "postgresql":
            return True
        if self._held is not None:
            try:
                self._held.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection is gone, and the lock with it: try again below
                self.resign()
        connection = self._db.engine.connect()
        try:
            got = bool(
                connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}).scalar()
            )
            connection.commit()  # the session lock outlives the transaction
        except BaseException:
            connection.invalidate()  # whether the lock was taken is unknown: drop the session with it
            connection.close()
            raise
        if got:
            self._held = connection
            log.info("this process leads the scheduler")
        else:
            connection.close()
        return got

    def resign(self) -> None:
        """Close the connection for real (not back to the pool, which would keep the lock)."""
        if self._held is not None:
            self._held.invalidate()
            self._held.close()
            self._held = None


class Scheduler:
    def __init__(self, db: Database, clock: Clock, client_for: ClientFor) -> None:
        self.db, self.clock, self.client_for = db, clock, client_for
        self.leadership = Leadership(db)
        self._scheduler: AsyncIOScheduler | None = None
        # Jobs get a thread of their own: a long catch-up must not queue Slack's requests behind it.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="scheduler")

    def start(self) -> None:
        defaults: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
        self._scheduler = AsyncIOScheduler(job_defaults=defaults)
        self._scheduler.add_job(self.sweep, "interval", seconds=SWEEP_SECONDS, id="sweep", next_run_time=None)
        self._scheduler.add_job(self.deliver, "interval", seconds=DELIVER_SECONDS, id="deliver")
        self._scheduler.start()
        self._scheduler.modify_job("sweep", next_run_time=_soon())

    def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        self.leadership.resign()
        self._thread.shutdown(wait=False)

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, *args)

    async def sweep(self) -> None:
        async def sweep() -> None:
            await self._run(daily.sweep, self.db, self.clock)
            await self._run(once.forget_before, self.db, datetime.now(UTC) - once.KEPT)

        await self._tick("the daily sweep", sweep)

    async def deliver(self) -> None:
        await self._tick("delivering the outbox", lambda: deliver_due(self.db, self.client_for))

    async def _tick(self, what: str, work: Callable[[], Awaitable[object]]) -> None:
        """`work` if this process leads; a failure is logged and the next tick tries again."""
        try:
            if await self._run(self.leadership.leads):
                await work()
        except Exception as error:
            if unavailable(error):  # an outage: a line per tick, not a trace every 5 s
                log.warning(
                    "%s failed, the database did not answer (%s); the next tick tries again",
                    what,
                    described(error),
                )
            else:
                log.exception("%s failed; the next tick tries again", what)


def _soon() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=1)
