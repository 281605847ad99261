"""What every table is built on. Every business row carries `tenant_id` (the Slack team id) and every
query filters on it."""

from __future__ import annotations

from datetime import datetime
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


# Column groups several tables share. A mixin's columns come first in the model's field order; the
# migrations fix the order in the database, and the schema test compares columns, not their order.
class Named(SQLModel):
    """A row people pick by name: `name_key` is the folded name that must be unique."""

    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)


class Created(SQLModel):
    """Who wrote the row (a Slack user id) and when."""

    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Reasoned(Created):
    """A change someone asked for, with the reason they gave."""

    reason: str = Field(default="", max_length=1000)
