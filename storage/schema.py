"""Every table on one metadata: what migrations create and the schema test compares with them."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from storage.tables import (
    approvals,
    billing,
    catalog,
    checkout,
    classes,
    credits,
    customers,
    memberships,
    outbox,
    plans,
    revenue,
    slack,
    visits,
    workspace,
)

# Importing a domain's module defines its tables on SQLModel's metadata; this names them all.
DOMAINS = (
    approvals,
    billing,
    catalog,
    checkout,
    classes,
    credits,
    customers,
    memberships,
    outbox,
    plans,
    revenue,
    slack,
    visits,
    workspace,
)
metadata: MetaData = SQLModel.metadata
