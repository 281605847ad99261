"""Requests that wait for a manager's decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from storage.tables.base import Entity
from storage.types import UTCDateTime


class ApprovalRequest(Entity, table=True):
    """A change held until a manager who did not ask for it approves it (an approval policy)."""

    __tablename__ = "approval_request"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)
    key: str = Field(max_length=100)  # the requester's idempotency key: asking twice asks once
    kind: str = Field(max_length=16)  # grant, freeze, cancel
    request: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    summary: str = Field(max_length=500)
    status: str = Field(default="pending", max_length=16)  # pending, approved, rejected
    requested_by: str = Field(max_length=32)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: str = Field(default="", max_length=32)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=1000)


class ApprovalPost(Entity, table=True):
    """Where the message asking for a decision was posted — a sale (M-12) or a held change (A-3) —
    so that a decision made anywhere else (the Home, a list, the CLI) updates it in place."""

    __tablename__ = "approval_post"
    __table_args__ = (UniqueConstraint("tenant_id", "reference"),)
    reference: str = Field(max_length=32)  # M-12 or A-3
    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)  # the message's timestamp: Slack's id of it in the channel
    posted_at: datetime = Field(sa_type=UTCDateTime)
