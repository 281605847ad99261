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
