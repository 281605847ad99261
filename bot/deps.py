"""What listeners need: the database, the clock and the bootstrap admins — and one unit of work
per request, opened and closed here (Bolt runs listeners concurrently; sessions are never shared).

A listener names the core function to run — a flow, or a single service — and `read` or `write`
runs it in one unit of work for the user who asked: listeners never open a unit of work themselves."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar, cast

from bot import once
from core.context import Ctx, transaction
from core.kernel.clock import Clock
from core.workspace.flows import ensure_tenant
from storage.limits import unavailable
from storage.uow import Database

P = ParamSpec("P")
T = TypeVar("T")


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

    def read(
        self, team: str, user: str, work: Callable[Concatenate[Ctx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`work(ctx, ...)` in a read-only unit of work for `user` in `team`."""
        with self.tx(team, user, write=False) as ctx:
            return work(ctx, *args, **kwargs)

    def write(
        self, team: str, user: str, work: Callable[Concatenate[Ctx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`work(ctx, ...)` in a unit of work that commits when it returns and rolls back if it
        raises — once per Slack request: the same request again gets the first answer (bot/once.py)."""
        key = once.next_key(work)
        worked = False
        try:
            with self.tx(team, user) as ctx:
                if key is not None:
                    first, answer = once.claimed(ctx, key)
                    if not first:
                        return cast(T, answer)
                done = work(ctx, *args, **kwargs)
                if key is not None:
                    once.keep(ctx, key, done)
                worked = True
        except Exception as failed:
            # The connection failed during COMMIT: the server may have committed and lost only
            # its answer. The key was written in the same transaction, so it says which.
            if key is None or not worked or not unavailable(failed):
                raise
            committed, answer = once.kept(self.db, team, key)
            if not committed:
                raise
            return cast(T, answer)
        return done

    def rehearse(
        self, team: str, user: str, work: Callable[Concatenate[Ctx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`work(ctx, ...)` in a unit of work that is always rolled back: what the write would
        answer (or the refusal it would meet), written nowhere."""
        done: list[T] = []
        try:
            with self.tx(team, user) as ctx:
                done.append(work(ctx, *args, **kwargs))
                raise _RolledBack
        except _RolledBack:
            return done[0]


class _RolledBack(Exception):
    """Raised to leave a rehearsal's unit of work without committing it."""
