"""A database's own clock, for the sandbox and demos: it stands still until moved forward, and
moving it runs the daily jobs of each day passed (core/daily/jobs.py), as billing systems' test clocks
do. A production database has no test clock, uses the real one, and refuses to move it."""

from __future__ import annotations

from datetime import datetime

from core.kernel.clock import Clock, SystemClock, aware
from core.kernel.errors import Conflict, InvalidInput
from storage.tables.workspace import TestClock
from storage.uow import Database


class StoredClock:
    """Reads the database's test clock each time (another process may move it)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def now(self) -> datetime:
        with self._db.session() as session:
            row = session.get(TestClock, 1)
            if row is None:
                raise Conflict("This database's test clock was removed.")
            return row.now


def clock_for(db: Database) -> Clock:
    """The test clock of a sandbox or demo database, or the real clock."""
    return StoredClock(db) if has_test_clock(db) else SystemClock()


def has_test_clock(db: Database) -> bool:
    with db.session() as session:
        return session.get(TestClock, 1) is not None


def start_test_clock(db: Database, at: datetime) -> None:
    """Give a new sandbox or demo database a clock of its own, standing at `at`."""
    with db.session(write=True) as session:
        if session.get(TestClock, 1) is None:
            session.add(TestClock(id=1, now=aware(at)))
            session.commit()


def move_test_clock(db: Database, to: datetime) -> datetime:
    """Move the test clock forward to `to`; returns where it stood. Never backwards: what has
    happened (grants, expiries, reminders sent) cannot be undone by turning the clock back."""
    to = aware(to)
    with db.session(write=True) as session:
        row = session.get(TestClock, 1, with_for_update=True)
        if row is None:
            raise Conflict("This database uses the real clock, which cannot be moved.")
        if to < row.now:
            stands = f"{row.now:%Y-%m-%d %H:%M} UTC"
            raise InvalidInput.single("to", f"The test clock stands at {stands}; it only moves forward.")
        before, row.now = row.now, to
        session.add(row)
        session.commit()
        return before
