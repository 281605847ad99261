"""Membership plans and their versions (the terms at the time of sale) with their recurring services."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, Time, UniqueConstraint, text
from sqlmodel import Field

from storage.tables.base import Entity, Named, TenantRow, utc_instant
from storage.types import Money, UTCDateTime


class Plan(Entity, Named, table=True):
    """The identity of a plan; what it sells lives in its versions."""

    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        # Names are unique among live plans only: an archived "Gold" frees the name.
        Index(
            "uq_plan_live_name",
            "tenant_id",
            "name_key",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
    )
    code: str = Field(max_length=20)
    enabled: bool = True
    archived_at: datetime | None = utc_instant(nullable=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class PlanVersion(Entity, table=True):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)
    plan_id: int = Field(foreign_key="plan.id")
    version: int
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=3000)
    billing_type: str = Field(max_length=16)
    price: Decimal = Field(sa_type=Money)
    setup_fee: Decimal = Field(sa_type=Money)
    term_months: int | None = None  # None: no expiry
    freeze_fee: Decimal = Field(sa_type=Money)
    lock_in_months: int = 0
    prorate_first_period: bool = False  # a start mid-period pays that part only (core/billing/schedule.py)
    all_locations: bool = True
    # The credit program sold with this version (core.credits.terms); None: unlimited, no credits.
    credit_terms: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime)


class PlanVersionLocation(TenantRow, table=True):
    __tablename__ = "plan_version_location"
    plan_version_id: int = Field(foreign_key="plan_version.id", primary_key=True)
    location_id: int = Field(foreign_key="location.id", primary_key=True)


class PlanService(Entity, table=True):
    """A recurring service a plan version includes: a job/task template and its recurrence."""

    __tablename__ = "plan_service"
    plan_version_id: int = Field(foreign_key="plan_version.id", index=True)
    position: int
    job_template_id: int = Field(foreign_key="job_template.id")
    task_template_id: int = Field(foreign_key="task_template.id")
    recurrence: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    time_of_day: time = Field(sa_column=Column(Time, nullable=False))
