"""Charges, location prices, freezes, cancellations and the credits a cancellation forfeited."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from storage.tables.base import Entity, Reasoned, TenantRow, utc_instant
from storage.types import Money, UTCDateTime


class Charge(Entity, table=True):
    """An amount a membership owes for one billing period, or a freeze or lock-in fee. Keyed by
    (membership, kind, period start): raising the charges of a membership twice raises them once."""

    __table_args__ = (UniqueConstraint("tenant_id", "contract_id", "kind", "period_start"),)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    kind: str = Field(max_length=8)  # regular | freeze | lock-in
    period_start: date
    period_end: date  # the last day the charge pays for
    due_on: date = Field(index=True)
    amount: Decimal = Field(sa_type=Money)  # setup fee included
    setup_fee: Decimal = Field(default=Decimal(0), sa_type=Money)  # the part of `amount` that is setup fee
    status: str = Field(max_length=8)  # due | paid | failed | void
    void_reason: str = Field(default="", max_length=12)  # freeze | cancel: what unfreeze/reactivation restore
    overdue_since: date | None = None  # set by the daily jobs; enforcement reads due_on itself
    settled_at: datetime | None = utc_instant(nullable=True)  # paid or failed
    settled_by: str = Field(default="", max_length=32)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)


class LocationPrice(TenantRow, table=True):
    """A location's own price or setup fee for a plan version (None: the plan's)."""

    __tablename__ = "location_price"
    plan_version_id: int = Field(foreign_key="plan_version.id", primary_key=True)
    location_id: int = Field(foreign_key="location.id", primary_key=True)
    price: Decimal | None = Field(default=None, sa_type=Money)
    setup_fee: Decimal | None = Field(default=None, sa_type=Money)


class MembershipFreeze(Entity, Reasoned, table=True):
    """One freeze of a membership: planned dates, and the day it really ended."""

    __tablename__ = "membership_freeze"
    contract_id: int = Field(foreign_key="contract.id", index=True)
    starts_on: date
    until: date | None = None  # the last frozen day asked for; None: until unfrozen
    ended_on: date | None = None  # the first day no longer frozen, once unfrozen


class Cancellation(Entity, Reasoned, table=True):
    """A cancellation, effective now or on a later date, and what it removed (for reactivation)."""

    contract_id: int = Field(foreign_key="contract.id", index=True)
    effective_on: date  # the first day no longer covered
    lock_in_fee: Decimal = Field(default=Decimal(0), sa_type=Money)
    credits: str = Field(max_length=8)  # keep | forfeit, the workspace's rule when it was asked for
    applied: bool = False  # the membership is cancelled (the effective date has come)
    revoked_at: datetime | None = utc_instant(nullable=True)  # reactivated, or withdrawn before it applied


class ForfeitedLot(TenantRow, table=True):
    """A lot whose credits a cancellation forfeited, with its expiry before, for reactivation."""

    __tablename__ = "forfeited_lot"
    cancellation_id: int = Field(foreign_key="cancellation.id", primary_key=True)
    lot_id: int = Field(foreign_key="credit_lot.id", primary_key=True)
    expires_at: datetime | None = utc_instant(nullable=True)
    remaining: Decimal = Field(sa_type=Money)
