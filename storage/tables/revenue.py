"""How a plan version's price splits into IRR, MRR and SCR, per location."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from storage.tables.base import TenantRow
from storage.types import Money, UTCDateTime


class Split(SQLModel):
    """The three parts of a price, and who set them when."""

    irr: Decimal = Field(sa_type=Money)
    mrr: Decimal = Field(sa_type=Money)
    scr: Decimal = Field(sa_type=Money)
    set_by: str = Field(max_length=32)
    set_at: datetime = Field(sa_type=UTCDateTime)


class RevenueSplit(TenantRow, Split, table=True):
    """How a plan version's price divides into initially recognised (IRR), monthly recognised
    (MRR) and service credit revenue (SCR); see core/revenue/service.py. Fixed once the version is sold.
    Revenue itself is not stored: it is derived from contracts and ledger entries."""

    __tablename__ = "revenue_split"
    plan_version_id: int = Field(foreign_key="plan_version.id", primary_key=True)


class RevenueSplitLocation(TenantRow, Split, table=True):
    """A location's own split of a plan version's price (Zenoti's per-center IRR/MRR/SCR)."""

    __tablename__ = "revenue_split_location"
    plan_version_id: int = Field(foreign_key="plan_version.id", primary_key=True)
    location_id: int = Field(foreign_key="location.id", primary_key=True)
