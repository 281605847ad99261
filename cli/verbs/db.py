"""`memberbot db`: the database's schema."""

from __future__ import annotations

import click

from cli.app import database
from storage.migrate import upgrade

db_group = click.Group("db", help="Database schema.")


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL (SQLite file by default)."""
    upgrade(database())
    click.echo("Database is up to date.")
