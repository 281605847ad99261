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
    prorate_first_period: bool = False  # a start mid-period pays that part only (core/billing/schedule.py)
    all_locations: bool = True
    # The credit program sold with this version (core.credits.terms); None: unlimited, no credits.
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
    settled_at: datetime | None = _utc(nullable=True)  # paid or failed
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


class MembershipFreeze(Entity, table=True):
    """One freeze of a membership: planned dates, and the day it really ended."""

    __tablename__ = "membership_freeze"
    contract_id: int = Field(foreign_key="contract.id", index=True)
    starts_on: date
    until: date | None = None  # the last frozen day asked for; None: until unfrozen
    ended_on: date | None = None  # the first day no longer frozen, once unfrozen
    reason: str = Field(default="", max_length=1000)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Cancellation(Entity, table=True):
    """A cancellation, effective now or on a later date, and what it removed (for reactivation)."""

    contract_id: int = Field(foreign_key="contract.id", index=True)
    effective_on: date  # the first day no longer covered
    lock_in_fee: Decimal = Field(default=Decimal(0), sa_type=Money)
    credits: str = Field(max_length=8)  # keep | forfeit, the workspace's rule when it was asked for
    applied: bool = False  # the membership is cancelled (the effective date has come)
    revoked_at: datetime | None = _utc(nullable=True)  # reactivated, or withdrawn before it applied
    reason: str = Field(default="", max_length=1000)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ForfeitedLot(TenantRow, table=True):
    """A lot whose credits a cancellation forfeited, with its expiry before, for reactivation."""

    __tablename__ = "forfeited_lot"
    cancellation_id: int = Field(foreign_key="cancellation.id", primary_key=True)
    lot_id: int = Field(foreign_key="credit_lot.id", primary_key=True)
    expires_at: datetime | None = _utc(nullable=True)
    remaining: Decimal = Field(sa_type=Money)


# --- classes (issue 7) ---


class ClassSeries(Entity, table=True):
    """A class on a schedule at a location (core/classes/service.py); its sessions are dated occurrences."""

    __tablename__ = "class_series"
    __table_args__ = (UniqueConstraint("tenant_id", "location_id", "name_key"),)
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    location_id: int = Field(foreign_key="location.id")
    recurrence: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    starts_on: date  # the first day of the schedule (weekly intervals count from its week)
    ends_on: date | None = None  # None: until further notice
    start_time: time = Field(sa_column=Column(Time, nullable=False))  # local wall-clock time
    duration_minutes: int
    capacity: int
    cancel_cutoff_hours: int  # a cancellation at least this long before the start returns the credit
    session_rules: bool  # True: only the plans in class_series_plan may see and book it
    # Sessions exist up to this date; the daily horizon job extends it.
    sessions_until: date | None = None
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ClassSeriesPlan(TenantRow, table=True):
    """A plan whose members may see and book a series (its session rules)."""

    __tablename__ = "class_series_plan"
    series_id: int = Field(foreign_key="class_series.id", primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", primary_key=True)


class ClassSession(Entity, table=True):
    """One dated occurrence of a series: the row a booking locks to keep within capacity."""

    __tablename__ = "class_session"
    __table_args__ = (UniqueConstraint("series_id", "on_date"),)
    series_id: int = Field(foreign_key="class_series.id", index=True)
    on_date: date
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    capacity: int  # the series' capacity when the session was written


class ClassBooking(Entity, table=True):
    """A customer's place in a session, through one membership. One row per customer and session:
    booking again after a cancellation reuses it with the next `round` (a new credit key)."""

    __tablename__ = "class_booking"
    __table_args__ = (UniqueConstraint("session_id", "customer_id"),)
    session_id: int = Field(foreign_key="class_session.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    status: str = Field(max_length=16)  # booked, cancelled, late-cancel, attended, no-show
    round: int = 1
    credit_key: str = Field(default="", max_length=200)  # the ledger key of the credit spent; "": none
    credit_returned: bool = False
    booked_by: str = Field(max_length=32)
    booked_at: datetime = Field(sa_type=UTCDateTime)
    changed_by: str = Field(default="", max_length=32)
    changed_at: datetime | None = _utc(nullable=True)


# --- checkout (issue 7) ---


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
    voided_at: datetime | None = _utc(nullable=True)
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


# --- revenue (issue 7) ---


class RevenueSplit(TenantRow, table=True):
    """How a plan version's price divides into initially recognised (IRR), monthly recognised
    (MRR) and service credit revenue (SCR); see core/revenue/service.py. Fixed once the version is sold.
    Revenue itself is not stored: it is derived from contracts and ledger entries."""

    __tablename__ = "revenue_split"
    plan_version_id: int = Field(foreign_key="plan_version.id", primary_key=True)
    irr: Decimal = Field(sa_type=Money)
    mrr: Decimal = Field(sa_type=Money)
    scr: Decimal = Field(sa_type=Money)
    set_by: str = Field(max_length=32)
    set_at: datetime = Field(sa_type=UTCDateTime)


class RevenueSplitLocation(TenantRow, table=True):
    """A location's own split of a plan version's price (Zenoti's per-center IRR/MRR/SCR)."""

    __tablename__ = "revenue_split_location"
    plan_version_id: int = Field(foreign_key="plan_version.id", primary_key=True)
    location_id: int = Field(foreign_key="location.id", primary_key=True)
    irr: Decimal = Field(sa_type=Money)
    mrr: Decimal = Field(sa_type=Money)
    scr: Decimal = Field(sa_type=Money)
    set_by: str = Field(max_length=32)
    set_at: datetime = Field(sa_type=UTCDateTime)


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
