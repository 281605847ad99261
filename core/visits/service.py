"""Upcoming service visits: the dated occurrences of a membership's recurring services.

Visits are written on a rolling horizon (the workspace's `visit_horizon_days`, 90 by default)
and the daily job extends it, so a long or open-ended membership never writes thousands of rows
at once. Regenerating touches only future visits that were not carried out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlmodel import and_, col, or_

from core.context import Ctx
from core.kernel import formats, paging, recurrence
from core.kernel.errors import Conflict, Errors, InvalidInput, NotFound
from core.kernel.text import clean
from core.memberships.lifecycle import SERVICED, Status
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.catalog import JobTemplate, TaskTemplate
from storage.tables.customers import Customer
from storage.tables.memberships import Contract
from storage.tables.plans import PlanService
from storage.tables.visits import ServiceVisit


class VisitStatus(StrEnum):
    UPCOMING = "upcoming"
    COMPLETED = "completed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"  # the membership was cancelled; reactivation brings it back


@dataclass(frozen=True)
class VisitView:
    id: int
    contract_id: int
    customer: str
    job: str
    task: str
    due_on: date
    starts_at: datetime
    status: VisitStatus
    overdue: bool
    rescheduled_from: date | None
    note: str
    assignee: str | None = None  # who is to carry it out (a Slack user id)


# The daily job plans visits this many days past the horizon, so that it has nothing to do for a
# membership until the horizon catches up with them.
HORIZON_STEP = 28


def horizon(ctx: Ctx) -> date:
    return ctx.today() + timedelta(days=ctx.tenant.visit_horizon_days)


def materialize(ctx: Ctx, contract: Contract, until: date) -> int:
    """Write the contract's visits dated up to `until` (within its term) that do not exist yet."""
    if contract.plan_version_id is None:
        return 0
    first = contract.start_date
    if contract.visits_until is not None:
        first = max(first, contract.visits_until + timedelta(days=1))
    last = until if contract.end_date is None else min(until, contract.end_date)
    if last < first:
        return 0
    existing = {
        (v.plan_service_id, v.planned_on)
        for v in ctx.uow.all(
            ctx.uow.select(ServiceVisit).where(
                col(ServiceVisit.contract_id) == contract.id, col(ServiceVisit.planned_on) >= first
            )
        )
    }
    written = 0
    services = ctx.uow.select(PlanService).where(col(PlanService.plan_version_id) == contract.plan_version_id)
    for service in ctx.uow.all(services.order_by(col(PlanService.position))):
        rule = recurrence.from_dict(service.recurrence)
        for day in recurrence.occurrences(rule, anchor=contract.start_date, start=first, end=last):
            if (service.id, day) in existing:
                continue
            ctx.uow.add(
                ServiceVisit(
                    tenant_id=ctx.uow.tenant_id,
                    contract_id=contract.id or 0,
                    plan_service_id=service.id or 0,
                    job_template_id=service.job_template_id,
                    task_template_id=service.task_template_id,
                    planned_on=day,
                    due_on=day,
                    starts_at=recurrence.at_local_time(day, service.time_of_day, ctx.tz),
                    status=VisitStatus.UPCOMING.value,
                )
            )
            written += 1
    contract.visits_until = last
    ctx.uow.add(contract)
    ctx.uow.flush()
    return written


def regenerate_future(ctx: Ctx, contract: Contract) -> None:
    """After the dates or the services changed: rewrite visits from today on that were neither
    carried out nor moved by hand; a moved visit is kept unless it now falls outside the term."""
    today = ctx.today()
    for visit in _upcoming(ctx, contract, from_day=today):
        moved = visit.due_on != visit.planned_on
        outside = visit.due_on < contract.start_date or (
            contract.end_date is not None and visit.due_on > contract.end_date
        )
        if not moved or outside:
            ctx.uow.delete(visit)
    ctx.uow.flush()
    contract.visits_until = None if contract.start_date >= today else today - timedelta(days=1)
    if Status(contract.status) in SERVICED:
        materialize(ctx, contract, horizon(ctx))


def regenerate_for_version(ctx: Ctx, version_id: int) -> None:
    query = ctx.uow.select(Contract).where(
        col(Contract.plan_version_id) == version_id, col(Contract.status).in_([s.value for s in SERVICED])
    )
    for contract in ctx.uow.all(query):
        regenerate_future(ctx, contract)


def extend_horizons(ctx: Ctx) -> int:
    """The daily job: write every serviced membership's visits up to the horizon. Rerunning it
    on the same day writes nothing."""
    return sum(paging.pages(lambda after: extend_page(ctx, after, 1000)))


def extend_page(ctx: Ctx, after: int, limit: int) -> tuple[int, int | None]:
    """`extend_horizons` for the next `limit` memberships after id `after`; the last id seen.

    Only memberships whose visits stop short of the horizon (and of their own end) are read, and
    they are extended a step beyond it: each is visited once every HORIZON_STEP days, not every
    day as the horizon moves (bench/daily.py)."""
    roles.require(ctx, Action.RUN_JOBS)
    until = horizon(ctx)
    query = ctx.uow.select(Contract).where(
        col(Contract.status).in_([s.value for s in SERVICED]),
        col(Contract.plan_version_id).is_not(None),
        or_(
            col(Contract.visits_until).is_(None),
            and_(
                col(Contract.visits_until) < until,
                or_(col(Contract.end_date).is_(None), col(Contract.visits_until) < col(Contract.end_date)),
            ),
        ),
        col(Contract.id) > after,
    )
    page = ctx.uow.all(query.order_by(col(Contract.id)).limit(limit))
    ahead = until + timedelta(days=HORIZON_STEP)
    return sum(materialize(ctx, c, ahead) for c in page), paging.last_id(page, limit)


def cancel_future(ctx: Ctx, contract: Contract, from_day: date) -> None:
    for visit in _upcoming(ctx, contract, from_day=from_day):
        visit.status = VisitStatus.CANCELLED.value
        ctx.uow.add(visit)
    ctx.uow.flush()


def restore_future(ctx: Ctx, contract: Contract) -> None:
    today = ctx.today()
    query = ctx.uow.select(ServiceVisit).where(
        col(ServiceVisit.contract_id) == contract.id,
        col(ServiceVisit.status) == VisitStatus.CANCELLED.value,
        col(ServiceVisit.due_on) >= today,
    )
    for visit in ctx.uow.all(query):
        visit.status = VisitStatus.UPCOMING.value
        ctx.uow.add(visit)
    ctx.uow.flush()
    materialize(ctx, contract, horizon(ctx))


def delete_all(ctx: Ctx, contract: Contract) -> None:
    for visit in ctx.uow.all(
        ctx.uow.select(ServiceVisit).where(col(ServiceVisit.contract_id) == contract.id)
    ):
        ctx.uow.delete(visit)
    ctx.uow.flush()


def get(ctx: Ctx, visit_id: int) -> VisitView:
    roles.require(ctx, Action.VIEW)
    visit = ctx.uow.get(ServiceVisit, visit_id)
    if visit is None:
        raise NotFound(f"There is no visit #{visit_id}.", "visit")
    return _views(ctx, [visit])[0]


def complete(ctx: Ctx, visit_id: int, note: str = "") -> VisitView:
    """Carried out, with an optional note; who did it and when are kept."""
    return _close(ctx, visit_id, VisitStatus.COMPLETED, note)


def skip(ctx: Ctx, visit_id: int, reason: str = "") -> VisitView:
    """Not carried out, and not to be: the reason is required (the membership report counts it)."""
    return _close(ctx, visit_id, VisitStatus.SKIPPED, reason, required=True)


def reschedule(ctx: Ctx, visit_id: int, new_day: date) -> VisitView:
    roles.require(ctx, Action.WORK_VISITS)
    visit, contract = _open_visit(ctx, visit_id)
    if new_day < ctx.today():
        raise InvalidInput.single("date", f"{formats.day(new_day)} is in the past; choose today or later.")
    if new_day < contract.start_date or (contract.end_date is not None and new_day > contract.end_date):
        raise InvalidInput.single("date", f"{formats.day(new_day)} is outside the membership's term.")
    service = ctx.uow.get(PlanService, visit.plan_service_id)
    at = service.time_of_day if service is not None else visit.starts_at.astimezone(ctx.tz).time()
    visit.due_on, visit.starts_at = new_day, recurrence.at_local_time(new_day, at, ctx.tz)
    ctx.uow.add(visit)
    ctx.uow.flush()
    return _views(ctx, [visit])[0]


def assign(ctx: Ctx, visit_id: int, assignee: str | None) -> VisitView:
    """Give a visit still to do to someone who works visits (None or "": to nobody)."""
    roles.require(ctx, Action.WORK_VISITS)
    visit, _ = _open_visit(ctx, visit_id)
    who = (assignee or "").strip() or None
    if who is not None and who not in roles.allowed(ctx, Action.WORK_VISITS):
        raise InvalidInput.single(
            "assignee", "Assign the visit to someone who works visits (staff or above)."
        )
    visit.assignee = who
    ctx.uow.add(visit)
    ctx.uow.flush()
    return _views(ctx, [visit])[0]


def visits_of(ctx: Ctx, contract_id: int) -> list[VisitView]:
    query = ctx.uow.select(ServiceVisit).where(col(ServiceVisit.contract_id) == contract_id)
    return _views(ctx, ctx.uow.all(query.order_by(col(ServiceVisit.due_on), col(ServiceVisit.id))))


def upcoming(
    ctx: Ctx,
    *,
    until: date,
    customer_id: int | None = None,
    from_day: date | None = None,
    assignee: str | None = None,
) -> list[VisitView]:
    """Visits still to do up to `until` (from `from_day`; None: overdue ones included), soonest
    first; only those assigned to `assignee` when one is given."""
    query = ctx.uow.select(ServiceVisit).where(
        col(ServiceVisit.status) == VisitStatus.UPCOMING.value, col(ServiceVisit.due_on) <= until
    )
    if assignee is not None:
        query = query.where(col(ServiceVisit.assignee) == assignee)
    if from_day is not None:
        query = query.where(col(ServiceVisit.due_on) >= from_day)
    if customer_id is not None:
        contracts = (
            ctx.uow.select(Contract)
            .where(col(Contract.customer_id) == customer_id)
            .with_only_columns(col(Contract.id))
        )
        query = query.where(col(ServiceVisit.contract_id).in_(contracts))
    return _views(ctx, ctx.uow.all(query.order_by(col(ServiceVisit.starts_at), col(ServiceVisit.id))))


def _close(ctx: Ctx, visit_id: int, status: VisitStatus, note: str, *, required: bool = False) -> VisitView:
    roles.require(ctx, Action.WORK_VISITS)
    visit, _ = _open_visit(ctx, visit_id)
    errors = Errors()
    label = "The reason" if required else "The note"
    note = clean(errors, "note", note, label=label, max_length=1000, required=required)
    errors.raise_if_any()
    visit.status, visit.done_at, visit.done_by, visit.note = status.value, ctx.now(), ctx.actor, note
    ctx.uow.add(visit)
    ctx.uow.flush()
    return _views(ctx, [visit])[0]


def _open_visit(ctx: Ctx, visit_id: int) -> tuple[ServiceVisit, Contract]:
    visit = ctx.uow.get(ServiceVisit, visit_id, for_update=True)
    if visit is None:
        raise NotFound(f"There is no visit #{visit_id}.", "visit")
    if visit.status != VisitStatus.UPCOMING.value:
        raise Conflict(f"This visit is already {visit.status}.")
    contract = ctx.uow.get(Contract, visit.contract_id)
    assert contract is not None
    if Status(contract.status) not in SERVICED | {Status.GRACE}:
        raise Conflict(f"The membership is {Status(contract.status).label}; its visits cannot change.")
    return visit, contract


def _upcoming(ctx: Ctx, contract: Contract, *, from_day: date) -> list[ServiceVisit]:
    query = ctx.uow.select(ServiceVisit).where(
        col(ServiceVisit.contract_id) == contract.id,
        col(ServiceVisit.status) == VisitStatus.UPCOMING.value,
        or_(col(ServiceVisit.due_on) >= from_day, col(ServiceVisit.planned_on) >= from_day),
    )
    return list(ctx.uow.all(query))


def _views(ctx: Ctx, rows: Iterable[ServiceVisit]) -> list[VisitView]:
    today = ctx.today()
    names: dict[tuple[type, int], str] = {}

    def name(model: type[JobTemplate] | type[TaskTemplate] | type[Customer], row_id: int) -> str:
        if (model, row_id) not in names:
            row = ctx.uow.get(model, row_id)
            names[(model, row_id)] = "" if row is None else _display(row)
        return names[(model, row_id)]

    views = []
    for v in rows:
        contract = ctx.uow.get(Contract, v.contract_id)
        assert contract is not None
        views.append(
            VisitView(
                id=v.id or 0,
                contract_id=v.contract_id,
                customer=name(Customer, contract.customer_id),
                job=name(JobTemplate, v.job_template_id),
                task=name(TaskTemplate, v.task_template_id),
                due_on=v.due_on,
                starts_at=v.starts_at.astimezone(ctx.tz),  # shown as the workspace's local time
                status=VisitStatus(v.status),
                overdue=v.status == VisitStatus.UPCOMING.value and v.due_on < today,
                rescheduled_from=v.planned_on if v.planned_on != v.due_on else None,
                note=v.note,
                assignee=v.assignee,
            )
        )
    return views


def _display(row: JobTemplate | TaskTemplate | Customer) -> str:
    if isinstance(row, Customer):
        return row.company or row.contact
    return row.name
