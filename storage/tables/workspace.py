"""Workspaces (tenants) with their settings, who holds which role, the test clock, the daily runs
and the scheduler's leader lease."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Column, Time
from sqlmodel import Field, SQLModel

from storage.tables.base import TenantRow
from storage.types import Money, UTCDateTime


class Tenant(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    currency: str = Field(max_length=3)
    plan_versioning: bool = False
    grace_days: int = 30
    visit_horizon_days: int = 90
    approvals_channel: str = Field(default="", max_length=32)  # "" : where the sale was made
    # Approval policies: what else waits for a second person (see core/approvals/service.py).
    approve_grants_above: Decimal | None = Field(default=None, sa_type=Money)  # None: never
    approve_freezes: bool = False
    approve_lock_in_cancels: bool = False
    # The daily jobs (core/daily/jobs.py): when they run, and whom reminders go to.
    daily_run_at: time = Field(
        default=time(6, 0), sa_column=Column(Time, nullable=False, server_default="06:00:00")
    )
    reminders_channel: str = Field(default="", max_length=32)  # "": the seller of the membership, by DM
    expiry_reminder_days: str = Field(default="7,1", max_length=40)  # lead times before credits expire
    renewal_reminder_days: int = 30  # days before a membership's end
    operations_channel: str = Field(default="", max_length=32)  # tomorrow's services; "": not sent
    balance_alert_above: Decimal | None = Field(default=None, sa_type=Money)  # monetary credit; None: off
    # Billing (core/billing/service.py): an overdue charge stops redemptions and bookings until it is paid.
    enforce_billing: bool = False
    cancelled_credits: str = Field(default="keep", max_length=8)  # keep | forfeit (core/billing/service.py)
    # Member e-mail (core/mail/service.py): sent through this SMTP server; no host or no From: none sent.
    smtp_host: str = Field(default="", max_length=253)
    smtp_port: int = 587
    smtp_tls: str = Field(default="starttls", max_length=8)  # none | starttls | ssl
    smtp_user: str = Field(default="", max_length=200)  # "": no login
    smtp_password: str = Field(default="", max_length=200)  # never shown back: the form says "set"
    mail_from: str = Field(default="", max_length=320)  # "Studio <hello@studio.example>"
    created_at: datetime = Field(sa_type=UTCDateTime)


class RoleGrant(TenantRow, table=True):
    __tablename__ = "role_grant"
    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    role: str = Field(primary_key=True, max_length=16)
    granted_by: str = Field(max_length=32)
    granted_at: datetime = Field(sa_type=UTCDateTime)


class TestClock(SQLModel, table=True):
    """A sandbox or demo database's own clock (one row); a production database has none and uses
    the real clock."""

    __tablename__ = "test_clock"
    id: int = Field(default=1, primary_key=True)
    now: datetime = Field(sa_type=UTCDateTime)


class SchedulerLease(SQLModel, table=True):
    """Which process leads the scheduler on PostgreSQL, and until when (one row): renewed at each
    tick, taken over by another process once it has run out (bot/scheduler.py)."""

    __tablename__ = "scheduler_lease"
    id: int = Field(default=1, primary_key=True)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class DailyRun(SQLModel, table=True):
    """A business day whose daily jobs finished for a workspace: catch-up starts after the last."""

    __tablename__ = "daily_run"
    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=32)
    business_date: date = Field(primary_key=True)
    finished_at: datetime = Field(sa_type=UTCDateTime)
