"""The customer search index (storage/customer_search.py, migration 0025): it follows every
write — added, edited, merged, imported, deleted — and the search reads it, on SQLite (an FTS5
trigram table kept by triggers) and PostgreSQL (pg_trgm on the column, read here with sequential
scans turned off, so that the planner answers from an index whenever it can)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from core.context import Ctx
from core.customers import merge
from core.customers.flows import CustomerChanges, edit_customer
from core.customers.service import CustomerInput, add_customer, import_csv, search_customers
from tests.conftest import MANAGER, STAFF, Shop


@contextmanager
def indexed(shop: Shop) -> Iterator[Ctx]:
    """A read-only unit of work whose searches go through the index on either database."""
    with shop.tx(STAFF, write=False) as ctx:
        if ctx.uow.dialect == "postgresql":
            ctx.uow.session.execute(text("SET LOCAL enable_seqscan = off"))
        yield ctx


def names(ctx: Ctx, query: str) -> list[str]:
    return [c.label for c in search_customers(ctx, query)]


def stale_index_rows(shop: Shop) -> list[tuple[Any, ...]]:
    """On SQLite, the index's rows that differ from the customers' search text (missing, stale,
    or left behind by a customer no longer there); PostgreSQL indexes the column itself."""
    if shop.db.dialect != "sqlite":
        return []
    with shop.db.engine.connect() as conn:
        missing_or_stale = conn.execute(
            text(
                "SELECT c.id, c.search_text, s.search_text FROM customer c "
                "LEFT JOIN customer_search s ON s.rowid = c.id "
                "WHERE s.search_text IS NULL OR s.search_text != c.search_text"
            )
        ).all()
        orphans = conn.execute(
            text(
                "SELECT rowid, search_text FROM customer_search WHERE rowid NOT IN (SELECT id FROM customer)"
            )
        ).all()
    return [tuple(row) for row in [*missing_or_stale, *orphans]]


def test_the_index_follows_added_edited_merged_imported_and_deleted_customers(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        cafe = add_customer(ctx, CustomerInput(company="Café Müller", contact="Anna Weber")).id
        duplicate = add_customer(ctx, CustomerInput(company="Zeppelin Fitness", contact="Tom Berg")).id
        survivor = add_customer(ctx, CustomerInput(contact="Tom Berg", email="tom@example.com")).id
        gone = add_customer(ctx, CustomerInput(company="Quokka Laundry")).id
        import_csv(ctx, "company,contact\nOrchard Pools,Mei Chen\n")
    with indexed(shop) as ctx:
        assert names(ctx, "muller") == ["Café Müller (Anna Weber)"]
        assert names(ctx, "zeppelin") == ["Zeppelin Fitness (Tom Berg)"]
        assert names(ctx, "orchard chen") == ["Orchard Pools (Mei Chen)"]
        assert names(ctx, "quokka") == ["Quokka Laundry"]

    with shop.tx(STAFF) as ctx:
        edit_customer(ctx, cafe, CustomerChanges(company="Bäckerei Sonne"))
    with shop.tx(MANAGER) as ctx:
        merge.merge_customers(ctx, duplicate, survivor)  # the survivor takes the company over
    with shop.db.engine.begin() as conn:  # no service deletes customers; the index follows anyway
        conn.execute(text("DELETE FROM customer WHERE id = :id"), {"id": gone})

    with indexed(shop) as ctx:
        assert names(ctx, "muller") == []
        assert names(ctx, "backerei") == ["Bäckerei Sonne (Anna Weber)"]
        assert names(ctx, "sonne weber") == ["Bäckerei Sonne (Anna Weber)"]
        assert names(ctx, "zeppelin") == ["Zeppelin Fitness (Tom Berg)"]
        assert [c.id for c in search_customers(ctx, "zeppelin")] == [survivor]
        assert names(ctx, "quokka") == []
    assert stale_index_rows(shop) == []


def test_words_the_index_cannot_look_up_still_match_as_before(shop: Shop) -> None:
    # Under three characters a trigram index has nothing to look up: those words are matched by
    # the LIKE conditions alone. A double quote is text, not the index's query syntax.
    with shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company='O"Brien & Co', contact="Al Li"))
        add_customer(ctx, CustomerInput(company="Fitness First", contact="Anna Weber"))
    with indexed(shop) as ctx:
        assert names(ctx, "al li") == ['O"Brien & Co (Al Li)']
        assert names(ctx, 'o"b') == ['O"Brien & Co (Al Li)']
        assert names(ctx, '"brien" OR fitness') == []
        assert names(ctx, "fi we") == ["Fitness First (Anna Weber)"]
        assert names(ctx, "we fitness") == ["Fitness First (Anna Weber)"]
        assert names(ctx, "a") == ['O"Brien & Co (Al Li)', "Fitness First (Anna Weber)"]


def test_the_search_reads_the_index(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company="Fedebe Fitness", contact="Anna Weber"))
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM customer" in statement:
            statements.append((statement, parameters))

    event.listen(shop.db.engine, "before_cursor_execute", seen)
    try:
        with indexed(shop) as ctx:
            assert names(ctx, "fedebe fit") == ["Fedebe Fitness (Anna Weber)"]
    finally:
        event.remove(shop.db.engine, "before_cursor_execute", seen)
    [(statement, parameters)] = statements
    with shop.db.engine.connect() as conn:
        cursor = conn.connection.cursor()
        if shop.db.dialect == "sqlite":
            plan = " ".join(str(row) for row in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
            assert "customer_search VIRTUAL TABLE" in plan
        else:
            # The search's statement is the LIKE conditions the trigram index answers (which plan
            # the planner picks depends on the table's size: bench/slack_commands.py shows it).
            assert statement.count("customer.search_text LIKE") >= 2
            cursor.execute(
                "SELECT i.indexdef, c.reloptions FROM pg_indexes i "
                "JOIN pg_class c ON c.relname = i.indexname "
                "WHERE i.indexname = 'ix_customer_search_trgm'"
            )
            [(definition, options)] = cursor.fetchall()
            assert "USING gin (search_text gin_trgm_ops)" in definition
            # New entries go straight into the index, not a pending list every search reads whole.
            assert options == ["fastupdate=off"]
