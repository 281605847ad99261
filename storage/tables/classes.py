"""Class series, the plans that may book them, their sessions and the bookings."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Column, Time, UniqueConstraint
from sqlmodel import Field

from storage.tables.base import Created, Entity, Named, TenantRow, utc_instant
from storage.types import UTCDateTime


class ClassSeries(Entity, Named, Created, table=True):
    """A class on a schedule at a location (core/classes/service.py); its sessions are dated occurrences."""

    __tablename__ = "class_series"
    __table_args__ = (UniqueConstraint("tenant_id", "location_id", "name_key"),)
    location_id: int = Field(foreign_key="location.id")
    recurrence: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    starts_on: date  # the first day of the schedule (weekly intervals count from its week)
    ends_on: date | None = None  # None: until further notice
    start_time: time = Field(sa_column=Column(Time, nullable=False))  # local wall-clock time
    duration_minutes: int
    capacity: int
    cancel_cutoff_hours: int  # a cancellation at least this long before the start returns the credit
    session_rules: bool  # True: only the plans in class_series_plan may see and book it
    # Sessions exist up to this date; the daily horizon job extends it.
    sessions_until: date | None = None


class ClassSeriesPlan(TenantRow, table=True):
    """A plan whose members may see and book a series (its session rules)."""

    __tablename__ = "class_series_plan"
    series_id: int = Field(foreign_key="class_series.id", primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", primary_key=True)


class ClassSession(Entity, table=True):
    """One dated occurrence of a series: the row a booking locks to keep within capacity."""

    __tablename__ = "class_session"
    __table_args__ = (UniqueConstraint("series_id", "on_date"),)
    series_id: int = Field(foreign_key="class_series.id", index=True)
    on_date: date
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    capacity: int  # the series' capacity when the session was written


class ClassBooking(Entity, table=True):
    """A customer's place in a session, through one membership. One row per customer and session:
    booking again after a cancellation reuses it with the next `round` (a new credit key)."""

    __tablename__ = "class_booking"
    __table_args__ = (UniqueConstraint("session_id", "customer_id"),)
    session_id: int = Field(foreign_key="class_session.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    status: str = Field(max_length=16)  # booked, cancelled, late-cancel, attended, no-show
    round: int = 1
    credit_key: str = Field(default="", max_length=200)  # the ledger key of the credit spent; "": none
    credit_returned: bool = False
    booked_by: str = Field(max_length=32)
    booked_at: datetime = Field(sa_type=UTCDateTime)
    changed_by: str = Field(default="", max_length=32)
    changed_at: datetime | None = utc_instant(nullable=True)


class ClassWaitlist(Entity, table=True):
    """A customer's place in line for a full session (core/classes/waitlist.py). One row per
    customer and session: joining again after leaving reuses it at the back of the line."""

    __tablename__ = "class_waitlist"
    __table_args__ = (UniqueConstraint("session_id", "customer_id"),)
    session_id: int = Field(foreign_key="class_session.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    status: str = Field(max_length=16)  # waiting, booked, left
    position: int  # the line's order: the next number of the session when they joined
    joined_by: str = Field(max_length=32)
    joined_at: datetime = Field(sa_type=UTCDateTime)
    booking_id: int | None = Field(default=None, foreign_key="class_booking.id")  # status booked: the booking
    note: str = Field(default="", max_length=500)  # why they were last passed over, if they were
    changed_by: str = Field(default="", max_length=32)
    changed_at: datetime | None = utc_instant(nullable=True)
