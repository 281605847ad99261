"""/healthz: whether the database answers, known within a second whatever the listeners are
doing. The check has a thread of its own (the listeners' executor may be busy or stuck on the
database) and a deadline; one check runs at a time, so probes during an outage wait on the one
in flight instead of piling up threads behind a hung connection."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import text

from storage.uow import Database

WITHIN = 1.0  # s: load balancers' probes commonly time out at 1-2 s


class Health:
    def __init__(self, db: Database, within: float = WITHIN) -> None:
        self._db, self._within = db, within
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="healthz")
        self._checking: Future[bool] | None = None

    async def healthy(self) -> bool:
        if self._checking is None or self._checking.done():
            self._checking = self._thread.submit(_database_answers, self._db)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(self._checking), self._within)
        except TimeoutError:
            return False

    def close(self) -> None:
        self._thread.shutdown(wait=False)


def _database_answers(db: Database) -> bool:
    try:
        with db.engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1")).scalar() == 1)
    except Exception:  # any failure to reach the database means unhealthy
        return False
