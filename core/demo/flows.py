"""A demo workspace, as the CLI's `demo` and the sandbox describe it (cli/demo.py): its location
and service catalogue, the default plans' recurring services and credit terms, customers and what
they bought, credit entries and a class. `seed` writes it, in that order, into a workspace that has
no customers yet; `tour` is what `memberbot demo` shows of a workspace, and `open_demo` does both
with the day's jobs between them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.catalog import locations as catalog
from core.classes import service as classes
from core.classes.service import SeriesTerms
from core.context import SYSTEM, Ctx, transaction
from core.credits import ledger
from core.credits.ledger import Balance
from core.credits.lots import Unit
from core.credits.terms import CreditTerms
from core.customers import service as customers
from core.customers.service import CustomerInput, CustomerView
from core.daily.jobs import catch_up
from core.kernel.clock import SystemClock
from core.kernel.recurrence import Recurrence
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.plans import service as plans
from core.plans.service import PlanView
from core.visits import service as visits
from core.visits.service import VisitView
from core.workspace.tenants import tenant_ids
from core.workspace.test_clock import clock_for, has_test_clock, start_test_clock
from storage.uow import Database


@dataclass(frozen=True)
class Visit:
    """A recurring service of a plan: a task of the catalogue's job, on a schedule."""

    task: str
    schedule: Recurrence
    at: time = plans.DEFAULT_AT  # local time of day


@dataclass(frozen=True)
class PlanSetup:
    """What a default plan (by name) is given: its recurring services, and credits if any."""

    plan: str
    services: tuple[Visit, ...]
    credits: CreditTerms | None = None


@dataclass(frozen=True)
class Sale:
    """A customer and what they bought: no plan is a prospect; a sale is approved unless pending,
    and frozen afterwards when a freeze reason is given."""

    company: str
    contact: str
    email: str
    plan: str | None
    start: date
    end: date | None = None
    sold_by: str | None = None  # a staff member's user id; None: whoever seeds
    approved: bool = True
    frozen: str = ""  # the freeze's reason


@dataclass(frozen=True)
class Credit:
    """Credits used (a negative quantity) or granted by hand for a reason; a grant with a last day
    goes into the customer's active membership and expires after that day."""

    company: str
    quantity: Decimal
    key: str
    unit: Unit = Unit.CREDIT
    reason: str = ""
    last_day: date | None = None


@dataclass(frozen=True)
class ClassSeries:
    """A class at the workspace's location (whatever `terms` say), with a seat in its first
    session booked for `booked` (a company)."""

    terms: SeriesTerms
    booked: str


@dataclass(frozen=True)
class Workspace:
    """A location and the one job of its service catalogue, with its tasks; the rest in order."""

    location: str
    job: str
    job_description: str = ""
    tasks: tuple[str, ...] = ()
    plans: tuple[PlanSetup, ...] = ()
    sales: tuple[Sale, ...] = ()
    credits: tuple[Credit, ...] = ()
    classes: tuple[ClassSeries, ...] = ()


@dataclass(frozen=True)
class Tour:
    timezone: str
    tz: ZoneInfo  # the workspace's, to show when each visit starts
    currency: str
    plans: tuple[PlanView, ...]
    visits: tuple[VisitView, ...]  # overdue and soon, soonest first
    balances: tuple[tuple[CustomerView, Balance], ...]  # customers holding credits now


def own_clock(db: Database) -> None:
    """A new database (no workspace, no test clock yet) runs its demo on a clock of its own,
    standing at now: `memberbot clock advance` moves it on."""
    if not tenant_ids(db) and not has_test_clock(db):
        start_test_clock(db, SystemClock().now())


def open_demo(db: Database, team: str, describe: Callable[[date], Workspace]) -> Tour:
    """The workspace described for its today, written once (see `seed`); today's daily jobs (the
    clock moves on from here); and the tour of it. The workspace itself exists already."""
    clock = clock_for(db)
    with transaction(db, team, SYSTEM, clock) as ctx:
        seed(ctx, describe(ctx.today()))
    catch_up(db, team, clock)
    with transaction(db, team, SYSTEM, clock, write=False) as ctx:
        return tour(ctx)


def seed(ctx: Ctx, workspace: Workspace) -> bool:
    """Write the workspace described; False (nothing written) when it has customers already."""
    if customers.search_customers(ctx, "", limit=1):
        return False
    location = catalog.add_location(ctx, workspace.location)
    job = catalog.add_job_template(ctx, workspace.job, workspace.job_description)
    tasks = {name: catalog.add_task_template(ctx, job, name) for name in workspace.tasks}
    by_name = {p.name: p for p in plans.list_plans(ctx)}
    for setup in workspace.plans:
        plan = by_name[setup.plan]
        services = tuple(plans.RecurringService(job, tasks[v.task], v.schedule, v.at) for v in setup.services)
        terms = replace(plan.terms, services=services)
        plans.update_plan(
            ctx, plan.id, terms if setup.credits is None else replace(terms, credits=setup.credits)
        )
    found = {
        sale.company: _sell(ctx, sale, workspace.location, by_name, location) for sale in workspace.sales
    }
    for entry in workspace.credits:
        _credit(ctx, found[entry.company], entry)
    for series in workspace.classes:
        _class(ctx, series, location, found[series.booked])
    return True


def tour(ctx: Ctx, *, days: int = 30, visits_shown: int = 15, customers_shown: int = 20) -> Tour:
    """The plans, the visits to do (overdue and the next `days`), and who holds credits now."""
    soon = visits.upcoming(ctx, until=ctx.today() + timedelta(days=days))
    held = (
        (c, ledger.balance(ctx, c.id)) for c in customers.search_customers(ctx, "", limit=customers_shown)
    )
    return Tour(
        ctx.tenant.timezone,
        ctx.tz,
        ctx.tenant.currency,
        tuple(plans.list_plans(ctx)),
        tuple(soon[:visits_shown]),
        tuple((c, b) for c, b in held if b.by_scope),
    )


def _sell(ctx: Ctx, sale: Sale, location_name: str, by_name: dict[str, PlanView], location: int) -> int:
    data = CustomerInput(company=sale.company, contact=sale.contact, email=sale.email, location=location_name)
    customer = customers.add_customer(ctx, data).id
    if sale.plan is None:
        return customer
    seller = ctx if sale.sold_by is None else replace(ctx, actor=sale.sold_by)  # the same unit of work
    plan = by_name[sale.plan].id
    sold = memberships.assign(seller, customer, plan, sale.start, sale.end, location_id=location)
    if sale.approved:
        memberships.approve(ctx, sold.id)
        if sale.frozen:
            memberships.freeze(ctx, sold.id, sale.frozen)
    return customer


def _credit(ctx: Ctx, customer_id: int, given: Credit) -> None:
    if given.quantity < 0:
        ledger.redeem(ctx, customer_id, -given.quantity, key=given.key, unit=given.unit)
        return
    contract_id, expires_at = None, None
    if given.last_day is not None:
        held = memberships.memberships_of(ctx, customer_id)
        contract_id = next(m.id for m in held if m.status is Status.ACTIVE)
        expires_at = _midnight_after(ctx, given.last_day)
    ledger.grant(
        ctx,
        customer_id,
        given.unit,
        given.quantity,
        key=given.key,
        contract_id=contract_id,
        expires_at=expires_at,
        source="adjust",
        reason=given.reason,
    )


def _class(ctx: Ctx, series: ClassSeries, location: int, customer_id: int) -> None:
    made = classes.create_series(ctx, replace(series.terms, location_id=location))
    sessions = classes.upcoming_sessions(ctx, made.id, until=series.terms.starts_on + timedelta(days=14))
    if sessions:
        classes.book(ctx, sessions[0].id, customer_id)


def _midnight_after(ctx: Ctx, day: date) -> datetime:
    """A lot's expires_at is the local midnight after its last day (core/credits/reminders.py)."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=ctx.tz)
