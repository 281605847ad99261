"""customer search index: on SQLite an FTS5 trigram table kept in step by triggers, filled from
the customers already there; on PostgreSQL the pg_trgm index of migration 0006 takes new entries
straight into the index (fastupdate off), its pending list flushed

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 18:45:00
"""

import sqlite3
from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_SINCE = (3, 34, 0)  # the first SQLite with FTS5's trigram tokenizer


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # With fastupdate on, new entries wait in an unsorted pending list that every search reads
        # whole until a vacuum merges it: after a bulk load or a CSV import of thousands of
        # customers, autovacuum may not come for a long while (bench/slack_commands.py: 14 ms a
        # search instead of 0.08 ms at 20,000 customers). Customers are written one at a time.
        op.execute("ALTER INDEX ix_customer_search_trgm SET (fastupdate = off)")
        op.execute("SELECT gin_clean_pending_list('ix_customer_search_trgm')")
        return
    if op.get_bind().dialect.name != "sqlite":
        return
    if sqlite3.sqlite_version_info < TRIGRAM_SINCE:
        raise RuntimeError(
            f"memberbot needs SQLite 3.34 or later for its customer search index; "
            f"this Python has SQLite {sqlite3.sqlite_version}."
        )
    # The customer's id is the row's id in the index (storage/customer_search.py).
    op.execute("CREATE VIRTUAL TABLE customer_search USING fts5(search_text, tokenize = 'trigram')")
    op.execute(
        "CREATE TRIGGER customer_search_insert AFTER INSERT ON customer BEGIN "
        "INSERT INTO customer_search (rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER customer_search_update AFTER UPDATE OF id, search_text ON customer BEGIN "
        "DELETE FROM customer_search WHERE rowid = old.id; "
        "INSERT INTO customer_search (rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER customer_search_delete AFTER DELETE ON customer BEGIN "
        "DELETE FROM customer_search WHERE rowid = old.id; END"
    )
    op.execute("INSERT INTO customer_search (rowid, search_text) SELECT id, search_text FROM customer")
    op.execute("INSERT INTO customer_search (customer_search) VALUES ('optimize')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_customer_search_trgm RESET (fastupdate)")
        return
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("customer_search_insert", "customer_search_update", "customer_search_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS customer_search")
