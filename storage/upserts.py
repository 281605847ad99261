"""Single-statement writes for the ledger's hot path: insert-if-absent, add-to-counters, insert
returning the new id, and a conditional debit. They run as Core statements on the unit of work's
connection (the ORM's bookkeeping would double a redemption's cost). PostgreSQL and SQLite share
the ON CONFLICT syntax; SQLAlchemy has a dialect insert for each."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import CursorResult, Table, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.schema import metadata
from storage.uow import UnitOfWork


def _insert(uow: UnitOfWork, table: Table) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(table) if uow.dialect == "postgresql" else sqlite.insert(table)


def insert_if_absent(
    uow: UnitOfWork, table_name: str, values: dict[str, Any], unique: list[str]
) -> int | None:
    """Insert the row and return its id, or return None when a row with the same unique columns
    exists (on PostgreSQL, after waiting for a concurrent inserter of that row to finish)."""
    table = metadata.tables[table_name]
    statement = _insert(uow, table).values(**values).on_conflict_do_nothing(index_elements=unique)
    row = uow.session.connection().execute(statement.returning(table.c.id)).first()
    return None if row is None else int(row[0])


def insert_ignoring_duplicates(
    uow: UnitOfWork, table_name: str, values: dict[str, Any], unique: list[str]
) -> bool:
    """Insert the row unless one with the same unique columns exists; True when it was inserted."""
    table = metadata.tables[table_name]
    statement = _insert(uow, table).values(**values).on_conflict_do_nothing(index_elements=unique)
    result = uow.session.connection().execute(statement)
    return bool(result.rowcount)


def insert_many_ignoring_duplicates(
    uow: UnitOfWork, table_name: str, rows: list[dict[str, Any]], unique: list[str]
) -> int:
    """Insert the rows (one executemany) but those whose unique columns match an existing row;
    returns how many were inserted."""
    if not rows:
        return 0
    table = metadata.tables[table_name]
    statement = _insert(uow, table).on_conflict_do_nothing(index_elements=unique).returning(table.c.id)
    return len(uow.session.connection().execute(statement, rows).all())


def insert_returning_id(uow: UnitOfWork, table_name: str, values: dict[str, Any]) -> int:
    table = metadata.tables[table_name]
    statement = insert(table).values(**values).returning(table.c.id)
    return int(uow.session.connection().execute(statement).scalar_one())


def take_from(uow: UnitOfWork, table_name: str, row_id: int, column: str, amount: Decimal) -> bool:
    """Subtract `amount` from a row's column only while it holds at least that much."""
    table = metadata.tables[table_name]
    statement = (
        update(table)
        .where(table.c.id == row_id, table.c[column] >= amount)
        .values({column: table.c[column] - amount})
    )
    result = uow.session.connection().execute(statement)
    return isinstance(result, CursorResult) and result.rowcount == 1


def debit_and_record(
    uow: UnitOfWork, lot_id: int, amount: Decimal, entry: dict[str, Any]
) -> tuple[int, Decimal] | None:
    """Take `amount` from a credit lot, only while it holds that much, and write the ledger entry
    with the lot's new balance: (entry id, balance after), or None when the lot holds too little.
    One statement on PostgreSQL (a data-modifying CTE); two on SQLite, which has none and does not
    need it (its write lock is held from BEGIN)."""
    lots, entries = metadata.tables["credit_lot"], metadata.tables["ledger_entry"]
    taking = (
        update(lots)
        .where(lots.c.id == lot_id, lots.c.remaining >= amount)
        .values(remaining=lots.c.remaining - amount)
    )
    connection = uow.session.connection()
    if uow.dialect != "postgresql":
        row = connection.execute(taking.returning(lots.c.remaining)).first()
        if row is None:
            return None
        return insert_returning_id(uow, "ledger_entry", {**entry, "remaining_after": row[0]}), row[0]
    taken = taking.returning(lots.c.remaining).cte("taken")
    columns = [*entry, "remaining_after"]
    values = [literal(value, type_=entries.c[name].type) for name, value in entry.items()]
    recording = (
        insert(entries)
        .from_select(columns, select(*values, taken.c.remaining))
        .returning(entries.c.id, entries.c.remaining_after)
    )
    found = connection.execute(recording).first()
    return None if found is None else (int(found[0]), found[1])


def add_to_counters(
    uow: UnitOfWork,
    table_name: str,
    row: dict[str, Any],
    unique: list[str],
    deltas: dict[str, Decimal],
    *,
    zero: list[str],
) -> None:
    """Add `deltas` to the counters of the row whose `unique` columns match `row`, creating it
    (with the counters in `zero` at zero) if missing."""
    table = metadata.tables[table_name]
    statement = _insert(uow, table).values(**row, **deltas, **dict.fromkeys(zero, 0))
    statement = statement.on_conflict_do_update(
        index_elements=unique, set_={name: table.c[name] + statement.excluded[name] for name in deltas}
    )
    uow.session.connection().execute(statement)


def add_to_counters_many(
    uow: UnitOfWork,
    table_name: str,
    rows: list[dict[str, Any]],
    unique: list[str],
    deltas: list[str],
    *,
    zero: list[str],
) -> None:
    """`add_to_counters` of many rows, one executemany: each row holds its unique columns and its
    `deltas`; the counters in `zero` start at zero when a row is created."""
    if not rows:
        return
    table = metadata.tables[table_name]
    statement = _insert(uow, table)
    statement = statement.on_conflict_do_update(
        index_elements=unique, set_={name: table.c[name] + statement.excluded[name] for name in deltas}
    )
    uow.session.connection().execute(statement, [{**row, **dict.fromkeys(zero, 0)} for row in rows])


def insert_many_returning_ids(uow: UnitOfWork, table_name: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows (one executemany) and return their new ids, in the order of `rows`."""
    if not rows:
        return []
    table = metadata.tables[table_name]
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(row[0]) for row in uow.session.connection().execute(statement, rows)]


def insert_many_keys_if_absent(
    uow: UnitOfWork, table_name: str, rows: list[dict[str, Any]], unique: list[str], key: str
) -> dict[str, int]:
    """Insert the rows but those whose unique columns match an existing row (one executemany):
    the new ids by each inserted row's `key` column."""
    if not rows:
        return {}
    table = metadata.tables[table_name]
    statement = (
        _insert(uow, table).on_conflict_do_nothing(index_elements=unique).returning(table.c[key], table.c.id)
    )
    return {str(row[0]): int(row[1]) for row in uow.session.connection().execute(statement, rows)}


def set_where_positive(uow: UnitOfWork, table_name: str, ids: list[int], column: str, value: Decimal) -> int:
    """Set `column` to `value` in the rows with these ids whose `column` is above zero (one
    statement); returns the rows changed."""
    table = metadata.tables[table_name]
    statement = update(table).where(table.c.id.in_(ids), table.c[column] > 0).values({column: value})
    result = uow.session.connection().execute(statement)
    return result.rowcount if isinstance(result, CursorResult) else 0
