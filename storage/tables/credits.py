"""The credit ledger: lots, idempotent operations, append-only entries, running totals, balance alerts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field

from storage.tables.base import Entity, TenantRow, utc_instant
from storage.types import Money, UTCDateTime


class CreditLot(Entity, table=True):
    """Credits from one grant: a quantity with a window of use. `remaining` is kept current so a
    balance reads open lots only, never the history."""

    __tablename__ = "credit_lot"
    __table_args__ = (
        Index(
            "ix_credit_lot_open",
            "tenant_id",
            "customer_id",
            sqlite_where=text("remaining > 0"),
            postgresql_where=text("remaining > 0"),
        ),
        # What the daily run expires and reminds of: open lots by expiry (migration 0026).
        Index(
            "ix_credit_lot_expiring",
            "tenant_id",
            "expires_at",
            sqlite_where=text("remaining > 0 AND expires_at IS NOT NULL"),
            postgresql_where=text("remaining > 0 AND expires_at IS NOT NULL"),
        ),
        # The database itself refuses an impossible lot, whatever code writes it (migration 0023).
        CheckConstraint("remaining >= 0 AND remaining <= granted", name="ck_credit_lot_remaining"),
    )
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    unit: str = Field(max_length=8)  # credit | money | points
    pool: str = Field(max_length=12)  # any | services | products | common
    scope: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    priority: int = 100
    promotional: bool = False
    granted: Decimal = Field(sa_type=Money)
    remaining: Decimal = Field(sa_type=Money)
    usable_from: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = utc_instant(nullable=True)
    granted_at: datetime = Field(sa_type=UTCDateTime)
    source: str = Field(max_length=16)


class LedgerOperation(Entity, table=True):
    """One request to the ledger under its idempotency key: a replay finds it and answers the same."""

    __tablename__ = "ledger_operation"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)
    key: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    request_hash: str = Field(max_length=64)
    actor: str = Field(max_length=32)
    at: datetime = Field(sa_type=UTCDateTime)


class LedgerEntry(Entity, table=True):
    """An append-only change to one lot. Never updated, never deleted."""

    __tablename__ = "ledger_entry"
    # Every entry changes its lot, but for the record of a lot handed over in a customer merge.
    __table_args__ = (CheckConstraint("quantity <> 0 OR kind = 'merge'", name="ck_ledger_entry_quantity"),)
    operation_id: int = Field(foreign_key="ledger_operation.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    lot_id: int = Field(foreign_key="credit_lot.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    kind: str = Field(max_length=16)
    quantity: Decimal = Field(sa_type=Money)  # signed: + adds to the lot, - takes from it
    remaining_after: Decimal = Field(sa_type=Money)  # the lot's remaining after this entry
    actor: str = Field(max_length=32)
    reason: str = Field(default="", max_length=1000)
    reference: str = Field(default="", max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)


class CreditTotals(TenantRow, table=True):
    """Running totals per customer and unit, kept with every entry so balances never sum history."""

    __tablename__ = "credit_totals"
    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    unit: str = Field(primary_key=True, max_length=8)
    granted: Decimal = Field(default=Decimal(0), sa_type=Money)
    used: Decimal = Field(default=Decimal(0), sa_type=Money)
    expired: Decimal = Field(default=Decimal(0), sa_type=Money)
    transferred_in: Decimal = Field(default=Decimal(0), sa_type=Money)
    transferred_out: Decimal = Field(default=Decimal(0), sa_type=Money)
    adjusted: Decimal = Field(default=Decimal(0), sa_type=Money)


class BalanceAlert(Entity, table=True):
    """One crossing of the balance threshold by a customer: alerted once when it opens, closed when
    the balance falls back under; the specialist's follow-ups and snooze are kept on it."""

    __tablename__ = "balance_alert"
    customer_id: int = Field(foreign_key="customer.id", index=True)
    opened_on: date
    balance: Decimal = Field(sa_type=Money)  # when it crossed
    closed_on: date | None = None
    snoozed_until: date | None = None
    followed_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followed_up_by: str = Field(default="", max_length=32)
    follow_up_note: str = Field(default="", max_length=1000)
