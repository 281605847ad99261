"""The scheduler: APScheduler 3 (asyncio) inside `memberbot serve`, or alone as `memberbot
scheduler`. Two jobs: the daily sweep (core/daily/jobs.py), checked every minute because each
workspace has its own local run time, and the outbox deliverer, every few seconds.

APScheduler 3 must never share a job store between processes (its FAQ: duplicate or missed runs),
so each process keeps its jobs in memory, and only one process leads: on PostgreSQL the one
holding the lease in `scheduler_lease`, renewed at each of its ticks and timed by the database's
own clock. A leader that dies, hangs or is paused stops renewing, and another replica takes over
at its first tick after the lease has run out (`LEASE_SECONDS`); the old one, resumed, finds the
lease taken and stops leading. What a resumed old leader still had in hand cannot go twice: the
daily jobs are keyed, and a delivery batch stops before its messages' own leases could run out
(bot/deliver.py). A session advisory lock, used before, was kept by a paused process and held
every other replica back until it resumed. SQLite is one machine's database: every process may
lead, and the jobs' keys keep effects single.

Job settings, chosen on purpose: `coalesce` (a tick missed while the process was busy or asleep
runs once, not once per missed tick: the sweep catches up by itself), `max_instances=1` (a slow
sweep is never overlapped by the next tick), `misfire_grace_time=30` s (a tick later than that is
dropped, the next one comes within a minute anyway).

A tick that fails because the database does not answer (an outage: refused, cut, timed out) logs
one warning line and the next tick tries again; anything else logs its trace once."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from bot import once
from bot.deliver import ClientFor, deliver_due
from core.daily import jobs as daily
from core.kernel.clock import Clock
from storage.limits import described, unavailable
from storage.uow import Database

log = logging.getLogger("memberbot.scheduler")
LEASE_SECONDS = 30.0  # a leader renews at every tick (5 s); another takes over 30 s after it stops
SWEEP_SECONDS, DELIVER_SECONDS = 60, 5
T = TypeVar("T")


class Leadership:
    """Whether this process leads the scheduler (see the module's docstring)."""

    def __init__(self, db: Database, lease_seconds: float = LEASE_SECONDS) -> None:
        self._db = db
        self._lease = lease_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._leading = False

    def leads(self) -> bool:
        """Take or renew the lease: True while this process holds it."""
        if self._db.dialect != "postgresql":
            return True
        with self._db.engine.begin() as connection:
            held = connection.execute(_TAKE, {"holder": self.holder, "seconds": self._lease}).first()
        if (held is not None) != self._leading:
            self._leading = held is not None
            log.info("this process %s the scheduler", "leads" if self._leading else "no longer leads")
        return self._leading

    def resign(self) -> None:
        """Let the lease go at once (a clean shutdown): another replica takes over at its next tick."""
        if self._db.dialect != "postgresql":
            return
        self._leading = False
        try:
            with self._db.engine.begin() as connection:
                connection.execute(_RESIGN, {"holder": self.holder})
        except Exception as error:  # the database is away: the lease runs out by itself
            if not unavailable(error):
                raise
            log.warning("could not let the scheduler's lease go: %s", described(error))


# One statement, timed by the database's clock (replicas' clocks may disagree): the lease is
# taken when nobody holds it or it has run out, renewed when this process holds it.
_TAKE = text(
    """
    INSERT INTO scheduler_lease (id, holder, expires_at)
    VALUES (1, :holder, clock_timestamp() + make_interval(secs => :seconds))
    ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE scheduler_lease.holder = excluded.holder OR scheduler_lease.expires_at < clock_timestamp()
    RETURNING holder
    """
)
_RESIGN = text(
    "UPDATE scheduler_lease SET expires_at = clock_timestamp() - interval '1 second' WHERE holder = :holder"
)


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
