"""Alembic environment: runs on the engine handed over in config.attributes, or DATABASE_URL."""

from __future__ import annotations

from alembic import context

from storage.customer_search import include_name
from storage.engine import database_limits_from_env, database_url_from_env, make_engine
from storage.schema import metadata

config = context.config
target_metadata = metadata  # every table of every domain (storage/schema.py)


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(
        database_url_from_env(), database_limits_from_env().for_runs()
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,  # the SQLite search index is not a model
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
