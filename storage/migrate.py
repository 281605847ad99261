"""Alembic owns the schema. `upgrade` brings a database to the newest revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from storage.uow import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(db), revision)


def is_empty(db: Database) -> bool:
    return not inspect(db.engine).get_table_names()


def prepare(db: Database) -> None:
    """At start-up: an empty SQLite file is migrated automatically; anything else is the
    operator's call (`memberbot db upgrade`), so replicas never race to migrate PostgreSQL."""
    if db.dialect == "sqlite" and is_empty(db):
        upgrade(db)
