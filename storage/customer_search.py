"""The customer search index on SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 or
later) that holds each customer's `search_text` under the customer's id, kept in step by triggers
on `customer` (migration 0025), so every write — a form, an import, a merge, a bulk load — updates
it. It answers "which customers contain this text" without reading every customer, as
`LIKE '%word%'` must. PostgreSQL has a trigram index on the column itself (pg_trgm, migration
0006) and needs nothing here.

The index only narrows: the query keeps its LIKE conditions, so what matches is decided exactly
as before. A trigram index cannot look up fewer than three characters; such words are matched by
the LIKE conditions alone.

A batch migration that recreates `customer` on SQLite (Alembic's copy-and-rename) drops the
triggers with the old table: recreate them as migration 0025 does.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BindParameter, ColumnElement, Integer, String, column, select, table
from sqlalchemy.orm import Mapped

TABLE = "customer_search"
TRIGRAM = 3  # the shortest text a trigram index can look up

# Not part of the models' metadata: Alembic's comparison skips these (`include_name`).
_index = table(TABLE, column("rowid", Integer), column("search_text", String))
# FTS5 keeps each index in shadow tables named after it.
SHADOW_TABLES = tuple(f"{TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config"))


def match_query(words: Iterable[str]) -> str | None:
    """An FTS5 query for rows containing every word (already folded) of three characters or
    more, each as a phrase (a trigram phrase is any substring); None when no word is long enough."""
    phrases = ['"' + word.replace('"', '""') + '"' for word in dict.fromkeys(words) if len(word) >= TRIGRAM]
    return " AND ".join(phrases) or None


def narrowed(customer_id: Mapped[int | None], query: BindParameter[str]) -> ColumnElement[bool]:
    """A condition keeping the customers whose search text the SQLite index says matches `query`
    (a `match_query`)."""
    return customer_id.in_(select(_index.c.rowid).where(_index.c.search_text.match(query)))


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """For Alembic's comparison of the database with the models: the index's tables are not models."""
    return not (type_ == "table" and (name == TABLE or name in SHADOW_TABLES))
