"""Alembic owns the schema. `upgrade` brings a database to the newest revision.

Alembic (some 50 modules) is imported by the two functions that use it, not with this module:
every command starts with `prepare`, which on a database already migrated needs only SQLAlchemy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect

from storage.uow import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(db), revision)


def is_empty(db: Database) -> bool:
    return not inspect(db.engine).get_table_names()


def prepare(db: Database) -> None:
    """At start-up: an empty SQLite file is migrated automatically; anything else is the
    operator's call (`memberbot db upgrade`), so replicas never race to migrate PostgreSQL."""
    if db.dialect == "sqlite" and is_empty(db):
        upgrade(db)
