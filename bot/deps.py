"""What listeners need: the database, the clock and the bootstrap admins — and one unit of work
per request, opened and closed here (Bolt runs listeners concurrently; sessions are never shared)."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from core.context import Ctx, transaction
from core.kernel.clock import Clock
from core.workspace.tenants import ensure_tenant
from storage.uow import Database


@dataclass
class Deps:
    db: Database
    clock: Clock
    admins: tuple[str, ...] = ()
    _known: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def tx(self, team: str, user: str, *, write: bool = True) -> AbstractContextManager[Ctx]:
        """A unit of work for `user` in the workspace `team`, set up on its first request."""
        if team not in self._known:
            ensure_tenant(self.db, self.clock, team, admins=self.admins)
            with self._lock:
                self._known.add(team)
        return transaction(self.db, team, user, self.clock, write=write)
