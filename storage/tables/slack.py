"""Slack's side: delivered events (for de-duplication) and the OAuth installation and state tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    func,
)
from sqlmodel import Field, SQLModel

from storage.tables.base import Entity
from storage.types import UTCDateTime


class SlackEvent(Entity, table=True):
    """Events API deliveries already handled: Slack retries a delivery it thinks failed, with the
    same event_id, and each must take effect once."""

    __tablename__ = "slack_event"
    __table_args__ = (UniqueConstraint("tenant_id", "event_id"),)
    event_id: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)


class SlackRequest(Entity, table=True):
    """Writes already made for a Slack request (a command, a submission, a button press), keyed
    by what Slack sent, with the answer they gave: a retry, a double submission or a replay of the
    same signed request answers as the first did and changes nothing (bot/once.py)."""

    __tablename__ = "slack_request"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)
    key: str = Field(max_length=64)  # a SHA-256, hex
    answer: bytes = Field(sa_type=LargeBinary)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)


# Workspaces that installed the app (OAuth) and pending install states. slack_sdk's SQLAlchemy stores
# (bot/installations.py) build the same tables on their own metadata; these definitions, column for
# column the same, put them on ours so that Alembic creates and checks them like every other table
# (tests/bot/test_oauth.py runs the real stores on them). They belong to the app, not to a tenant.
_NOW = func.now()


def _bot_columns() -> list[Column[Any]]:
    """What an installation and a bot share (fresh columns: a column belongs to one table)."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]


def _bot_token_columns() -> list[Column[Any]]:
    return [
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]


SLACK_INSTALLATIONS = Table(
    "slack_installations",
    SQLModel.metadata,
    *_bot_columns(),
    Column("enterprise_url", String(200)),
    *_bot_token_columns(),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=_NOW),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)
SLACK_BOTS = Table(
    "slack_bots",
    SQLModel.metadata,
    *_bot_columns(),
    *_bot_token_columns(),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("installed_at", DateTime, nullable=False, default=_NOW),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
SLACK_OAUTH_STATES = Table(
    "slack_oauth_states",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
