"""Member discounts on plans, each location's benefit order, invoices and removed discounts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from storage.tables.base import Entity, TenantRow, utc_instant
from storage.types import Money, UTCDateTime


class PlanDiscount(Entity, table=True):
    """A discount a plan version gives its members at checkout (core/discounts.py): a sold term,
    fixed once the version has a membership."""

    __tablename__ = "plan_discount"
    plan_version_id: int = Field(foreign_key="plan_version.id", index=True)
    position: int
    applies_to: str = Field(max_length=8)  # service | product
    kind: str = Field(max_length=8)  # percent | flat
    value: Decimal = Field(sa_type=Money)  # a percentage, or an amount off each unit
    services: list[int] = Field(sa_column=Column(JSON, nullable=False))  # service ids; [] with no
    categories: list[str] = Field(sa_column=Column(JSON, nullable=False))  # categories: every service
    products: list[str] = Field(sa_column=Column(JSON, nullable=False))  # product codes; []: every product


class LocationBenefitOrder(TenantRow, table=True):
    """Which benefit a location applies first at checkout; a location without a row: credits first."""

    __tablename__ = "location_benefit_order"
    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=32)
    location_id: int = Field(foreign_key="location.id", primary_key=True)
    benefit_order: str = Field(max_length=16)  # credits-first | discounts-first | manual
    changed_by: str = Field(max_length=32)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class CheckoutInvoice(Entity, table=True):
    """A posted invoice: its breakdown as posted (a retry with the same key answers with it), and
    the ledger operations it wrote, which a void reverses."""

    __tablename__ = "checkout_invoice"
    __table_args__ = (UniqueConstraint("tenant_id", "key"), UniqueConstraint("tenant_id", "reference"))
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    reference: str = Field(max_length=40)  # the invoice number staff know it by
    customer_id: int = Field(foreign_key="customer.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    status: str = Field(max_length=8)  # posted | void
    breakdown: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    gross: Decimal = Field(sa_type=Money)
    due: Decimal = Field(sa_type=Money)  # what the customer paid
    points: Decimal = Field(sa_type=Money)  # earned on it
    posted_by: str = Field(max_length=32)
    posted_at: datetime = Field(sa_type=UTCDateTime)
    voided_by: str = Field(default="", max_length=32)
    voided_at: datetime | None = utc_instant(nullable=True)
    void_reason: str = Field(default="", max_length=1000)


class RemovedDiscount(TenantRow, table=True):
    """A discount staff removed from a line of an invoice: it cannot be put back on that invoice."""

    __tablename__ = "removed_discount"
    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=32)
    reference: str = Field(primary_key=True, max_length=40)
    line: int = Field(primary_key=True)
    discount_id: int = Field(foreign_key="plan_discount.id", primary_key=True)
    removed_by: str = Field(max_length=32)
    removed_at: datetime = Field(sa_type=UTCDateTime)


class MembershipDiscount(TenantRow, table=True):
    """A sold membership's own amount for one of its plan's discounts, set by a manager after the
    sale (its kind and what it applies to stay the plan's); checkout applies it instead of the plan's."""

    __tablename__ = "membership_discount"
    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=32)
    contract_id: int = Field(foreign_key="contract.id", primary_key=True)
    discount_id: int = Field(foreign_key="plan_discount.id", primary_key=True)
    value: Decimal = Field(sa_type=Money)
    changed_by: str = Field(max_length=32)
    changed_at: datetime = Field(sa_type=UTCDateTime)
