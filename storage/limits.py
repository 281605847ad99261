"""How long memberbot waits on its database before it gives up, so that a stall becomes an error
the caller answers ("Sorry…" to a Slack user, one line from the CLI) within seconds instead of a
request, a daily run or a health check that never returns.

PostgreSQL: libpq's connect timeout and TCP keepalives (a peer that vanished is noticed); the
server's statement_timeout (a slow statement or a lock wait is cancelled there, the connection
stays usable); and the client's own deadline on every round trip, one second past the statement
timeout, for a database or network that accepts bytes and never answers: the connection is then
closed and the pool drops it. SQLite: the busy timeout (how long a writer queues for the lock).
Both: how long a request waits for a free connection in the pool.

Requests get `statement` per statement; the CLI, and with it `memberbot sweep`, and migrations
get the larger `run` budget (`for_runs`).
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from psycopg.connection import _WAIT_INTERVAL
from psycopg.errors import _WaitTimeout
from sqlalchemy import exc

CLIENT_GRACE = 1.0  # s the client waits past the server's statement timeout before cutting


@dataclass(frozen=True)
class Limits:
    connect: float = 5.0  # MEMBERBOT_DB_CONNECT_TIMEOUT: opening a PostgreSQL connection
    statement: float = 5.0  # MEMBERBOT_DB_STATEMENT_TIMEOUT: one statement of a request
    run: float = 60.0  # MEMBERBOT_DB_RUN_TIMEOUT: one statement of the CLI and the daily run
    pool: float = 5.0  # MEMBERBOT_DB_POOL_TIMEOUT: waiting for a free pooled connection
    busy: float = 5.0  # MEMBERBOT_DB_BUSY_TIMEOUT: a SQLite writer waiting for the lock
    keepalives_idle: int = 30  # MEMBERBOT_DB_KEEPALIVES_IDLE: s of silence before TCP probes
    keepalives_interval: int = 10  # MEMBERBOT_DB_KEEPALIVES_INTERVAL: s between probes
    keepalives_count: int = 3  # MEMBERBOT_DB_KEEPALIVES_COUNT: probes unanswered before giving up

    def for_runs(self) -> Limits:
        """The budget of long units of work (the CLI, the daily run, migrations)."""
        return replace(self, statement=self.run, busy=max(self.busy, self.run))

    def postgresql_connect_args(self) -> dict[str, Any]:
        return {
            # libpq counts whole seconds and takes less than 2 as 2
            "connect_timeout": max(2, math.ceil(self.connect)),
            "keepalives": 1,
            "keepalives_idle": self.keepalives_idle,
            "keepalives_interval": self.keepalives_interval,
            "keepalives_count": self.keepalives_count,
            "options": f"-c statement_timeout={round(self.statement * 1000)}",
        }


_SECONDS = {
    "connect": "MEMBERBOT_DB_CONNECT_TIMEOUT",
    "statement": "MEMBERBOT_DB_STATEMENT_TIMEOUT",
    "run": "MEMBERBOT_DB_RUN_TIMEOUT",
    "pool": "MEMBERBOT_DB_POOL_TIMEOUT",
    "busy": "MEMBERBOT_DB_BUSY_TIMEOUT",
}
_COUNTS = {
    "keepalives_idle": "MEMBERBOT_DB_KEEPALIVES_IDLE",
    "keepalives_interval": "MEMBERBOT_DB_KEEPALIVES_INTERVAL",
    "keepalives_count": "MEMBERBOT_DB_KEEPALIVES_COUNT",
}


def limits_from_env(env: Mapping[str, str] = os.environ) -> Limits:
    """The limits the environment sets, the defaults for the rest; ValueError names a bad one."""
    changes: dict[str, Any] = {}
    for field, name in _SECONDS.items():
        if text := env.get(name, "").strip():
            changes[field] = _seconds(name, text)
    for field, name in _COUNTS.items():
        if text := env.get(name, "").strip():
            if not text.isdigit() or not 1 <= int(text) <= 3600:
                raise ValueError(f"{name} must be a whole number from 1 to 3600, not {text!r}")
            changes[field] = int(text)
    return replace(Limits(), **changes)


def _seconds(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.1 <= value <= 3600:  # also false for nan and inf
        raise ValueError(f"{name} must be a number of seconds from 0.1 to 3600, not {text!r}")
    return value


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every round trip (statement, commit, rollback, ping) gives up
    after `budget` seconds: the connection is then closed, since what the server did with the
    request is unknown, and the pool, seeing it closed, drops it."""

    budget: float | None = None

    def wait(self, gen: Any, interval: float = _WAIT_INTERVAL, timeout: float | None = None) -> Any:
        try:
            return super().wait(gen, interval, self.budget if timeout is None else timeout)
        except _WaitTimeout:
            self.pgconn.finish()
            raise psycopg.OperationalError(f"the database did not answer within {self.budget:g} s") from None


# SQLite's codes for a database that cannot be used now (locked, busy, unreadable), as opposed to
# one that refuses what was asked (no such table, a constraint), which sqlite3 also raises as
# OperationalError.
_SQLITE_UNAVAILABLE = frozenset(
    {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_FULL", "SQLITE_PROTOCOL"}
)


def unavailable(error: BaseException) -> bool:
    """Whether `error` is the database not answering — a connection refused, cut or timed out, a
    statement cancelled by its timeout, the lock not free within the busy timeout, no free
    connection in the pool — rather than a fault in what was asked of it."""
    if isinstance(error, exc.TimeoutError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause = error.orig
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorname", "") in _SQLITE_UNAVAILABLE
    return isinstance(cause, (psycopg.OperationalError, psycopg.InterfaceError))


def described(error: BaseException) -> str:
    """A database failure in one line: the driver's first line, without SQL or parameters."""
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"{type(cause).__name__}: {first}"
