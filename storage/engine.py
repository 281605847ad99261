"""Engines for SQLite (embedded default) and PostgreSQL (production), and how they begin writes.

SQLite: WAL, a busy timeout (storage/limits.py) and foreign keys on every connection. The sqlite3
driver's default transaction mode starts a transaction lazily on the first write, so two threads
can both read a balance of 1 and both write it back (a lost update). We take the driver's transaction handling
away (SQLAlchemy's documented pysqlite recipe) and emit BEGIN IMMEDIATE for write units of work:
the write lock is taken up front and writers queue on the busy timeout instead of colliding.
"""

from __future__ import annotations

import os
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from storage.limits import CLIENT_GRACE, BoundedConnection, Limits, limits_from_env

DEFAULT_SQLITE_FILE = "memberbot.sqlite"
PING_SECONDS = 1.0  # the most a pooled PostgreSQL connection's check before use may wait
_FRESH = "memberbot_fresh"  # ConnectionPoolEntry.info: opened for the checkout under way

# Execution option read by the begin hook: "IMMEDIATE" for writers, "DEFERRED" for readers.
SQLITE_BEGIN = "memberbot_sqlite_begin"


def database_url_from_env() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_FILE}"


def database_limits_from_env() -> Limits:
    """The MEMBERBOT_DB_* timeouts (storage/limits.py); ValueError names a malformed one."""
    return limits_from_env(os.environ)


def make_engine(url: str, limits: Limits) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, limits)
    if url.startswith("postgresql"):
        return _postgresql_engine(url, limits)
    raise ValueError(f"unsupported DATABASE_URL {url!r}: use sqlite:///FILE or postgresql+psycopg://...")


def _postgresql_engine(url: str, limits: Limits) -> Engine:
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_timeout=limits.pool,
        connect_args=limits.postgresql_connect_args(),
    )

    budget = limits.statement + CLIENT_GRACE

    @event.listens_for(engine, "do_connect")
    def _bounded(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> BoundedConnection:
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.budget = budget
        return connection

    # Pessimistic disconnect handling, as SQLAlchemy documents it for a custom check: a `checkout`
    # pool event that raises DisconnectionError has the pool drop the connection and open another
    # (InvalidatePoolError: every connection pooled before now is suspect too, as pool_pre_ping
    # treats a failed ping). Our own event rather than `pool_pre_ping`, because the ping must not
    # wait the whole statement budget: it answers in milliseconds when the database is there, and
    # waiting the budget on it, then the connect timeout for its replacement, would double a
    # request's wait during a hang. A slow ping only costs a reconnect. A connection opened for
    # this checkout has just answered: it is not pinged (as pool_pre_ping skips a fresh one).
    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_FRESH] = True

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        if record.info.pop(_FRESH, False):
            return
        dbapi_connection.budget = min(budget, PING_SECONDS)
        try:
            engine.dialect.do_ping(dbapi_connection)
        except psycopg.Error as error:
            raise exc.InvalidatePoolError(f"a pooled connection failed its ping: {error}") from error
        finally:
            dbapi_connection.budget = budget

    return engine


def _sqlite_engine(url: str, limits: Limits) -> Engine:
    # Pooled connections: a new one costs its PRAGMAs and, on its first statement, parsing the whole
    # schema (bench/slack_commands.py: a third of a /credits command). A connection serves one
    # thread at a time (check_same_thread off only because the pool hands it between threads).
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=10,
        max_overflow=20,
        pool_timeout=limits.pool,
        connect_args={"check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {round(limits.busy * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writer(engine: Engine) -> Engine:
    """The engine to bind write units of work to (takes SQLite's write lock at BEGIN)."""
    return (
        engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}) if engine.dialect.name == "sqlite" else engine
    )
