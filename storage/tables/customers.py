"""Customers: the companies and people who hold memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from storage.tables.base import Entity, utc_instant
from storage.types import UTCDateTime


class Customer(Entity, table=True):
    # Search matches parts of words (`LIKE '%word%'`): on PostgreSQL a trigram index serves that
    # instead of reading every customer (bench/slack_commands.py measured 23 ms -> 0.4 ms at 100,000),
    # new entries going straight into it (migration 0025); on SQLite an FTS5 trigram table kept in
    # step by triggers (storage/customer_search.py).
    __table_args__ = (
        Index(
            "ix_customer_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
    )
    company: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    notes: str = Field(default="", max_length=3000)
    unsubscribed: bool = False  # the member asked for no e-mail: core/mail/service.py queues none
    # Company and contact folded (lower case, accents removed) for searching.
    search_text: str = Field(max_length=410)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # A duplicate merged into another customer (core/customers/merge.py): its history moved there,
    # search no longer finds it, and its number says where it went. Who merged it, and when.
    merged_into_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    merged_by: str = Field(default="", max_length=32)
    merged_at: datetime | None = utc_instant(nullable=True)
