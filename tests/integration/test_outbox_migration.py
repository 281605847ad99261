"""Migration 0016 keeps what was queued before it deliverable: a message stored as rendered text
and blocks becomes a `rendered` notification that the bot posts as it was, and the downgrade gives
the text and blocks back. On SQLite and, when asked for, on PostgreSQL (in a database of its own
beside the test database, which is left alone)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, make_url, text

from bot import notifications
from core.kernel.clock import FixedClock
from core.workspace.flows import ensure_tenant
from storage.migrate import alembic_config, upgrade
from storage.uow import Database
from tests.conftest import BACKENDS

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hello* <@U1>"}}]


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'migration.sqlite'}")
        yield db
        db.dispose()
        return
    url = make_url(os.environ["MEMBERBOT_TEST_DATABASE_URL"])
    name = f"{url.database}_outbox_migration"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(url.set(database=name).render_as_string(hide_password=False))
    yield db
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def test_a_message_queued_before_kinds_is_posted_as_it_was_written(empty: Database) -> None:
    # The workspace is made at the head (the tables' code is the head's), then the schema is taken
    # back to 0015 to hold a message queued before kinds existed.
    upgrade(empty, "head")
    now = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
    ensure_tenant(empty, FixedClock(now), "TOLD")
    command.downgrade(alembic_config(empty), "0015")
    row = {"text": "*Hello* <@U1>", "blocks": json.dumps(BLOCKS), "now": now}
    with empty.engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO outbox (tenant_id, key, "to", text, blocks, created_at, next_attempt_at, '
                "attempts, last_error) VALUES ('TOLD', 'old', 'U1', :text, :blocks, :now, :now, 0, '')"
            ),
            row,
        )
    upgrade(empty, "0016")
    with empty.engine.connect() as conn:
        kind, data = conn.execute(text("SELECT kind, data FROM outbox")).one()
    data = json.loads(data) if isinstance(data, str) else data
    said = notifications.render(kind, data)
    assert (kind, said.text, said.blocks) == ("rendered", "*Hello* <@U1>", BLOCKS)

    command.downgrade(alembic_config(empty), "0015")
    with empty.engine.connect() as conn:
        again, blocks = conn.execute(text("SELECT text, blocks FROM outbox")).one()
    assert (again, json.loads(blocks) if isinstance(blocks, str) else blocks) == ("*Hello* <@U1>", BLOCKS)
