"""Dated service visits: a membership's recurring services on the calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from storage.tables.base import Entity, utc_instant
from storage.types import UTCDateTime


class ServiceVisit(Entity, table=True):
    """One dated occurrence of a recurring service of a membership."""

    __tablename__ = "service_visit"
    __table_args__ = (UniqueConstraint("contract_id", "plan_service_id", "planned_on"),)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    # The plan service it came from; no foreign key because an edited plan replaces its services
    # while completed visits stay as history.
    plan_service_id: int
    job_template_id: int = Field(foreign_key="job_template.id")
    task_template_id: int = Field(foreign_key="task_template.id")
    planned_on: date  # the date the recurrence produced
    due_on: date  # differs from planned_on once rescheduled
    starts_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=16)
    done_at: datetime | None = utc_instant(nullable=True)
    done_by: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=1000)
    # The technician or staff member who is to carry it out (a Slack user id; None: nobody yet).
    assignee: str | None = Field(default=None, max_length=32, index=True)
