"""Every table on one metadata: what migrations create and the schema test compares with them."""

from __future__ import annotations

from importlib import import_module

from sqlalchemy import MetaData
from sqlmodel import SQLModel

# A domain's module defines its tables on SQLModel's metadata when it is imported.
DOMAINS = [
    "approvals",
    "billing",
    "catalog",
    "checkout",
    "classes",
    "credits",
    "customers",
    "memberships",
    "outbox",
    "plans",
    "revenue",
    "slack",
    "visits",
    "workspace",
]
for _domain in DOMAINS:
    import_module(f"storage.tables.{_domain}")

metadata: MetaData = SQLModel.metadata
