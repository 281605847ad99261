"""What every core service function receives: the unit of work, who acts, and the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.kernel.clock import Clock, today_in
from core.kernel.errors import NotFound
from storage.tables.base import Entity
from storage.tables.workspace import Tenant
from storage.uow import Database, UnitOfWork

# The actor of scheduled work and of operators' CLI commands (who already hold the database).
SYSTEM = "system"

E = TypeVar("E", bound=Entity)


@dataclass
class Ctx:
    uow: UnitOfWork
    actor: str
    clock: Clock
    _tenant: Tenant | None = field(default=None, repr=False)

    @property
    def tenant(self) -> Tenant:
        if self._tenant is None:
            tenant = self.uow.session.get(Tenant, self.uow.tenant_id)
            if tenant is None:
                raise NotFound(f"Workspace {self.uow.tenant_id} is not set up for memberbot.")
            self._tenant = tenant
        return self._tenant

    @property
    def tz(self) -> ZoneInfo:
        # Cached by hand: functools.cached_property holds one lock for every instance before Python
        # 3.12, so a thread computing this (and so waiting for SQLite's write lock) blocked every
        # other thread's `ctx.tz`, the holder of that write lock included: a deadlock.
        zone = self.__dict__.get("_tz")
        if zone is None:
            zone = self.__dict__["_tz"] = ZoneInfo(self.tenant.timezone)
        return zone

    def found(
        self, model: type[E], row_id: int, missing: str, field: str | None = None, *, for_update: bool = False
    ) -> E:
        """This workspace's row with that id (locked with `for_update`), or NotFound(missing, field):
        another workspace's row is not found either."""
        row = self.uow.get(model, row_id, for_update=for_update)
        if row is None:
            raise NotFound(missing, field)
        return row

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today's business date in the tenant's timezone."""
        return today_in(self.clock, self.tz)


@contextmanager
def transaction(
    db: Database, tenant_id: str, actor: str, clock: Clock, *, write: bool = True
) -> Iterator[Ctx]:
    """One unit of work: commits when the block ends normally, rolls back on any error."""
    with db.unit_of_work(tenant_id, write=write) as uow:
        yield Ctx(uow, actor, clock)
        if write:
            uow.commit()


@contextmanager
def rolled_back(ctx: Ctx) -> Iterator[None]:
    """The block's changes in a savepoint, always undone: a change made only to learn whether it
    can be made (whatever would refuse it raises here, as it would for real)."""
    savepoint = ctx.uow.session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
