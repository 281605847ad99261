"""What every table is built on. Every business row carries `tenant_id` (the Slack team id) and every
query filters on it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utc_instant(nullable: bool = False) -> Any:
    """A timezone-aware instant column (naive datetimes are refused by UTCDateTime)."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class TenantRow(SQLModel):
    """A row that belongs to one workspace."""

    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=32)


class Entity(TenantRow):
    id: int | None = Field(default=None, primary_key=True)
