"""Contracts (a membership is the first kind) and their audit trail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field

from storage.tables.base import Created, Entity, utc_instant
from storage.types import UTCDateTime


class Contract(Entity, Created, table=True):
    """A customer's contract. `kind` is "membership" today; service agreements come later."""

    # The daily run's questions (migration 0026): which live memberships the calendar moves on
    # (status, start and end dates) and which need visits planned further (visits_until).
    __table_args__ = (
        Index("ix_contract_status_start", "tenant_id", "status", "start_date"),
        Index("ix_contract_status_end", "tenant_id", "status", "end_date"),
        Index("ix_contract_visits_until", "tenant_id", "visits_until"),
    )

    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(default="membership", max_length=24)
    plan_version_id: int | None = Field(default=None, foreign_key="plan_version.id", index=True)
    status: str = Field(max_length=24, index=True)
    start_date: date
    end_date: date | None = None  # None: no expiry
    summary: str = Field(default="", max_length=3000)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    seller_id: str = Field(default="", max_length=32)
    renewal_of_id: int | None = Field(default=None, foreign_key="contract.id")
    frozen_since: date | None = None
    # Visits exist up to this date; the daily horizon job extends it.
    visits_until: date | None = None
    # The next day a periodic or anniversary grant can come (None: not worked out yet; date.max:
    # never). The daily grant job reads only the memberships due, not every one every day.
    next_grant_on: date | None = Field(default=None, index=True)
    # For the plan's wait time between redemptions.
    last_redeemed_at: datetime | None = utc_instant(nullable=True)


class ContractEvent(Entity, table=True):
    """Audit trail of a contract: every transition with who, when and why.

    No foreign key on purpose: the record of a deletion outlives the deleted contract.
    """

    __tablename__ = "contract_event"
    contract_id: int = Field(index=True)
    action: str = Field(max_length=24)
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    actor: str = Field(max_length=32)
    at: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=1000)
