"""The database and its units of work.

A unit of work is one transaction for one tenant: one per Slack interaction, scheduler job or CLI
command, never shared between threads. It rolls back unless the caller commits. Every read goes
through `select`/`get`, which add the tenant filter, so no query can read across workspaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, inspect
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import Select
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.engine import make_engine, writer
from storage.limits import Limits
from storage.tables.base import Entity, TenantRow

ID_MIN, ID_MAX = -(2**31), 2**31 - 1  # the id columns are INTEGER (32 bits on PostgreSQL)

R = TypeVar("R", bound=TenantRow)
E = TypeVar("E", bound=Entity)

TENANT = "tenant_id"  # the bound parameter of a prepared statement's tenant filter


def prepared(model: type[R]) -> SelectOfScalar[R]:
    """SELECT of `model` whose tenant is bound when a unit of work runs it (`UnitOfWork.run`):
    a statement on a hot path is built once, so a request pays neither its construction nor its
    cache key. Run by `all` instead, it fails for want of the tenant: no query reads across
    workspaces."""
    return select(model).where(col(model.tenant_id) == bindparam(TENANT))


class Database:
    def __init__(self, url: str, limits: Limits | None = None) -> None:
        """`limits`: how long to wait on the database (storage/limits.py); the defaults if None."""
        self.url = url
        self.limits = limits or Limits()
        self.engine: Engine = make_engine(url, self.limits)
        self._writer = writer(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self, tenant_id: str, *, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self._writer if write else self.engine, tenant_id)

    def session(self, *, write: bool = False) -> Session:
        """A session for the few rows that belong to no workspace (the test clock): the caller
        closes it (`with db.session() as s`) and commits what it writes."""
        return Session(self._writer if write else self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    def __init__(self, bind: Engine, tenant_id: str) -> None:
        self._bind = bind
        self.tenant_id = tenant_id
        self._session: Session | None = None
        # Rows asked for by id (or kept for that): the session's identity map holds rows weakly,
        # so without this a row read earlier in the unit of work would be read again.
        self._kept: list[Entity] = []

    @property
    def dialect(self) -> str:
        return self._bind.dialect.name

    def __enter__(self) -> UnitOfWork:
        self._session = Session(bind=self._bind, expire_on_commit=False, autoflush=True)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back whatever was not committed and detaches the rows without expiring
        # them, so values read inside the unit of work stay readable after it.
        self.session.close()
        self._session = None
        self._kept = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()

    def add(self, row: R) -> R:
        self.session.add(row)
        return row

    def delete(self, row: SQLModel) -> None:
        self.session.delete(row)

    def select(self, model: type[R]) -> SelectOfScalar[R]:
        """SELECT of this tenant's rows of `model`."""
        return select(model).where(col(model.tenant_id) == self.tenant_id)

    def all(self, statement: SelectOfScalar[R]) -> Sequence[R]:
        return self.session.exec(statement).all()

    def run(self, statement: SelectOfScalar[R], **params: Any) -> Sequence[R]:
        """The rows of a `prepared` statement, for this tenant, with its other parameters."""
        return self.session.exec(statement, params={TENANT: self.tenant_id, **params}).all()

    def first(self, statement: SelectOfScalar[R]) -> R | None:
        return self.session.exec(statement).first()

    def scalar(self, statement: Select[Any]) -> Any:
        return self.session.execute(statement).scalar()

    def get(self, model: type[E], row_id: int, *, for_update: bool = False) -> E | None:
        """This tenant's row with that id, or None (also when it belongs to another tenant).

        A row this unit of work has read already is answered from the session without asking
        again (a SELECT would hand back that same object, unchanged: the ORM does not refresh rows
        it holds). `for_update` always asks, and locks the row on PostgreSQL; SQLite already holds
        the write lock. An id no id column can hold (a number someone typed,
        #99999999999999999999) names no row: the database is not asked, as it would refuse the
        number itself (SQLite beyond 64 bits with OverflowError, PostgreSQL's INTEGER beyond 32
        bits with "out of range").
        """
        if not ID_MIN <= row_id <= ID_MAX:
            return None
        if not for_update:
            held = self._held(model, row_id)
            if held is not None:
                return held if held.tenant_id == self.tenant_id else None
        statement = self.select(model).where(col(model.id) == row_id)
        if for_update:
            statement = statement.with_for_update()
        row = self.first(statement)
        if row is not None:
            self._kept.append(row)
        return row

    def keep(self, rows: Sequence[Entity]) -> None:
        """Rows the caller is about to ask for again by id in this unit of work (the customers a
        search found, say): `get` answers them from the session instead of the database."""
        self._kept.extend(rows)

    def _held(self, model: type[E], row_id: int) -> E | None:
        """The row of `model` with that id if the session holds it loaded, not deleted, not expired."""
        held = self.session.identity_map.get(identity_key(model, row_id))
        if not isinstance(held, model) or held in self.session.deleted:
            return None
        return held if not inspect(held).expired_attributes else None
