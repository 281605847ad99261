"""What is to be said, and to whom: messages delivered exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field

from storage.tables.base import Entity
from storage.types import UTCDateTime


class Outbox(Entity, table=True):
    """A notification to send, written in the transaction of the change that causes it and keyed by
    (job, business date, entity): a rerun writes none twice. The deliverer renders and sends it."""

    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index("ix_outbox_unsent", "sent_at", "next_attempt_at"),
    )
    key: str = Field(max_length=200)
    to: str = Field(max_length=32)  # a channel id, or a user id (a direct message)
    kind: str = Field(max_length=64)  # what it tells (core.outbox.Kind); the bot words it at delivery
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # plain values, no Slack syntax
    created_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=500)
