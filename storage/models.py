"""Tables. Every business row carries `tenant_id` (the Slack team id) and every query filters on it.

Names follow the product's words: a plan is sold as a plan *version* (its terms at the time of
sale); a customer holds contracts, of which a membership is the first kind; a membership's
recurring services become dated service visits.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import JSON, Column, Index, Time, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import Money, UTCDateTime


def _utc(nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class TenantRow(SQLModel):
    """A row that belongs to one workspace."""

    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=32)


class Entity(TenantRow):
    id: int | None = Field(default=None, primary_key=True)


class Tenant(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    currency: str = Field(max_length=3)
    plan_versioning: bool = False
    grace_days: int = 30
    visit_horizon_days: int = 90
    approvals_channel: str = Field(default="", max_length=32)  # "" : where the sale was made
    # Approval policies: what else waits for a second person (see core/approvals.py).
    approve_grants_above: Decimal | None = Field(default=None, sa_type=Money)  # None: never
    approve_freezes: bool = False
    approve_lock_in_cancels: bool = False
    # The daily jobs (core/daily.py): when they run, and whom reminders go to.
    daily_run_at: time = Field(
        default=time(6, 0), sa_column=Column(Time, nullable=False, server_default="06:00:00")
    )
    reminders_channel: str = Field(default="", max_length=32)  # "": the seller of the membership, by DM
    expiry_reminder_days: str = Field(default="7,1", max_length=40)  # lead times before credits expire
    renewal_reminder_days: int = 30  # days before a membership's end
    operations_channel: str = Field(default="", max_length=32)  # tomorrow's services; "": not sent
    balance_alert_above: Decimal | None = Field(default=None, sa_type=Money)  # monetary credit; None: off
    created_at: datetime = Field(sa_type=UTCDateTime)


class RoleGrant(TenantRow, table=True):
    __tablename__ = "role_grant"
    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    role: str = Field(primary_key=True, max_length=16)
    granted_by: str = Field(max_length=32)
    granted_at: datetime = Field(sa_type=UTCDateTime)


class Location(Entity, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)


class JobTemplate(Entity, table=True):
    __tablename__ = "job_template"
    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    description: str = Field(default="", max_length=2000)


class TaskTemplate(Entity, table=True):
    __tablename__ = "task_template"
    __table_args__ = (UniqueConstraint("job_template_id", "name_key"),)
    job_template_id: int = Field(foreign_key="job_template.id")
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)


class Plan(Entity, table=True):
    """The identity of a plan; what it sells lives in its versions."""

    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        # Names are unique among live plans only: an archived "Gold" frees the name.
        Index(
            "uq_plan_live_name",
            "tenant_id",
            "name_key",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
    )
    code: str = Field(max_length=20)
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    enabled: bool = True
    archived_at: datetime | None = _utc(nullable=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class PlanVersion(Entity, table=True):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)
    plan_id: int = Field(foreign_key="plan.id")
    version: int
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=3000)
    billing_type: str = Field(max_length=16)
    price: Decimal = Field(sa_type=Money)
    setup_fee: Decimal = Field(sa_type=Money)
    term_months: int | None = None  # None: no expiry
    freeze_fee: Decimal = Field(sa_type=Money)
    lock_in_months: int = 0
    all_locations: bool = True
    # The credit program sold with this version (core.credit_terms); None: unlimited, no credits.
    credit_terms: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime)


class PlanVersionLocation(TenantRow, table=True):
    __tablename__ = "plan_version_location"
    plan_version_id: int = Field(foreign_key="plan_version.id", primary_key=True)
    location_id: int = Field(foreign_key="location.id", primary_key=True)


class PlanService(Entity, table=True):
    """A recurring service a plan version includes: a job/task template and its recurrence."""

    __tablename__ = "plan_service"
    plan_version_id: int = Field(foreign_key="plan_version.id", index=True)
    position: int
    job_template_id: int = Field(foreign_key="job_template.id")
    task_template_id: int = Field(foreign_key="task_template.id")
    recurrence: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    time_of_day: time = Field(sa_column=Column(Time, nullable=False))


class Customer(Entity, table=True):
    # Search matches parts of words (`LIKE '%word%'`): on PostgreSQL a trigram index serves that
    # instead of reading every customer (bench/slack_commands.py measured 23 ms -> 0.4 ms at 100,000).
    __table_args__ = (
        Index(
            "ix_customer_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )
    company: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    notes: str = Field(default="", max_length=3000)
    # Company and contact folded (lower case, accents removed) for searching.
    search_text: str = Field(max_length=410)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Contract(Entity, table=True):
    """A customer's contract. `kind` is "membership" today; service agreements come later."""

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
    last_redeemed_at: datetime | None = _utc(nullable=True)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


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


class ServiceVisit(Entity, table=True):
    """One dated occurrence of a recurring service of a membership."""

    __tablename__ = "service_visit"
    __table_args__ = (UniqueConstraint("contract_id", "plan_service_id", "planned_on"),)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    # The plan service it came from; no foreign key because an edited plan replaces its services
    # while completed visits stay as history.
    plan_service_id: int
    job_template_id: int = Field(foreign_key="job_template.id")
    task_template_id: int = Field(foreign_key="task_template.id")
    planned_on: date  # the date the recurrence produced
    due_on: date  # differs from planned_on once rescheduled
    starts_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=16)
    done_at: datetime | None = _utc(nullable=True)
    done_by: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=1000)


class Service(Entity, table=True):
    """A service the business sells; service credits can be limited to some services or categories."""

    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    category: str = Field(default="", max_length=100)
    duration_minutes: int | None = None


class EqualityTemplate(Entity, table=True):
    """Which services may stand in for which: each listed service costs `cost` credits."""

    __tablename__ = "equality_template"
    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)


class EqualityEntry(TenantRow, table=True):
    __tablename__ = "equality_entry"
    template_id: int = Field(foreign_key="equality_template.id", primary_key=True)
    service_id: int = Field(foreign_key="service.id", primary_key=True)
    cost: int


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
    expires_at: datetime | None = _utc(nullable=True)
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


class ApprovalRequest(Entity, table=True):
    """A change held until a manager who did not ask for it approves it (an approval policy)."""

    __tablename__ = "approval_request"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)
    key: str = Field(max_length=100)  # the requester's idempotency key: asking twice asks once
    kind: str = Field(max_length=16)  # grant, freeze, cancel
    request: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    summary: str = Field(max_length=500)
    status: str = Field(default="pending", max_length=16)  # pending, approved, rejected
    requested_by: str = Field(max_length=32)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: str = Field(default="", max_length=32)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=1000)


class DailyRun(SQLModel, table=True):
    """A business day whose daily jobs finished for a workspace: catch-up starts after the last."""

    __tablename__ = "daily_run"
    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=32)
    business_date: date = Field(primary_key=True)
    finished_at: datetime = Field(sa_type=UTCDateTime)


class Outbox(Entity, table=True):
    """A notification to send to Slack, written in the transaction of the change that causes it and
    keyed by (job, business date, entity): a rerun writes none twice. The deliverer sends it."""

    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index("ix_outbox_unsent", "sent_at", "next_attempt_at"),
    )
    key: str = Field(max_length=200)
    to: str = Field(max_length=32)  # a channel id, or a user id (a direct message)
    text: str = Field(max_length=4000)
    blocks: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=500)


class TestClock(SQLModel, table=True):
    """A sandbox or demo database's own clock (one row); a production database has none and uses
    the real clock."""

    __tablename__ = "test_clock"
    id: int = Field(default=1, primary_key=True)
    now: datetime = Field(sa_type=UTCDateTime)


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


class SlackEvent(Entity, table=True):
    """Events API deliveries already handled: Slack retries a delivery it thinks failed, with the
    same event_id, and each must take effect once."""

    __tablename__ = "slack_event"
    __table_args__ = (UniqueConstraint("tenant_id", "event_id"),)
    event_id: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)


# --- billing (issue 7) ---


# --- classes (issue 7) ---


# --- checkout (issue 7) ---


# --- revenue (issue 7) ---


# Workspaces that installed the app (OAuth) and pending install states: slack_sdk's own table
# definitions, registered with our metadata so that Alembic creates and checks them like ours.
# They belong to the app, not to a tenant, so they carry no tenant_id.
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(
    SQLModel.metadata, SQLAlchemyInstallationStore.default_installations_table_name
)
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(
    SQLModel.metadata, SQLAlchemyInstallationStore.default_bots_table_name
)
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    SQLModel.metadata, SQLAlchemyOAuthStateStore.default_table_name
)
