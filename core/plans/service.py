"""Membership plans: their terms, versions, recurring services, cloning, enabling and archiving.

A plan is sold as a *version*: the terms at the time of sale. With versioning on (a workspace
setting, off by default as in the products our users know), changing the terms of a plan that
has been sold writes a new version and existing memberships keep theirs. With it off, a change
applies to every membership of the plan. Either way the terms that define what was sold (the
code, the term and the billing type) never change once a plan has a membership: clone instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import time
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col

from core.catalog import locations as catalog
from core.context import Ctx
from core.credits import terms as credit_terms
from core.credits.terms import CreditTerms
from core.kernel import formats, recurrence
from core.kernel.errors import Conflict, Errors, ImmutableField
from core.kernel.money import amount, in_currency
from core.kernel.recurrence import Recurrence
from core.kernel.text import clean, fold
from core.plans import carry_over
from core.plans.terms import BillingType
from core.visits import service as visits
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.catalog import EqualityTemplate, JobTemplate, Location, Service, TaskTemplate
from storage.tables.memberships import Contract
from storage.tables.plans import Plan, PlanService, PlanVersion, PlanVersionLocation

NAME_MAX = 100
CODE_MAX = 20
MAX_TERM_MONTHS = 120
MAX_SERVICES = 50
DEFAULT_AT = time(9, 0)
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


@dataclass(frozen=True)
class RecurringService:
    job_template_id: int
    task_template_id: int
    recurrence: Recurrence
    at: time = DEFAULT_AT  # local time of day of each visit


@dataclass(frozen=True)
class PlanTerms:
    """What a customer buys. Field names are the ones errors and the YAML catalogue use."""

    name: str
    price: Decimal
    billing_type: BillingType = BillingType.MONTHLY
    description: str = ""
    setup_fee: Decimal = Decimal(0)
    term_months: int | None = 12  # None: no expiry
    freeze_fee: Decimal = Decimal(0)
    lock_in_months: int = 0
    location_ids: tuple[int, ...] | None = None  # None: sold at every location
    services: tuple[RecurringService, ...] = ()
    credits: CreditTerms | None = None  # None: unlimited, no credits are tracked
    # A start mid-period pays its days only, then billing follows the first of the month; off: the
    # membership is billed from its own start date, full periods (core/billing/schedule.py).
    prorate_first_period: bool = False


# Terms that define what was sold: fixed once a plan has a membership (the code is fixed always).
SOLD_TERMS = ("billing_type", "term_months", "prorate_first_period")


@dataclass(frozen=True)
class ServiceView:
    job: str
    task: str
    schedule: str
    at: time


@dataclass(frozen=True)
class PlanView:
    id: int
    code: str
    name: str
    enabled: bool
    archived: bool
    version_id: int
    version: int
    terms: PlanTerms
    services: tuple[ServiceView, ...]
    memberships: int

    @property
    def sellable(self) -> bool:
        return self.enabled and not self.archived


# --- reading -------------------------------------------------------------------------------------


def get_plan(ctx: Ctx, plan_id: int) -> PlanView:
    return _view(ctx, _plan(ctx, plan_id))


def list_plans(ctx: Ctx, *, include_archived: bool = False) -> list[PlanView]:
    query = ctx.uow.select(Plan).order_by(col(Plan.name_key))
    if not include_archived:
        query = query.where(col(Plan.archived_at).is_(None))
    return [_view(ctx, p) for p in ctx.uow.all(query)]


def find_plans(ctx: Ctx, text: str) -> list[PlanView]:
    """Live plans matching a name or code: an exact match alone if there is one, else every plan
    whose name or code contains the text (the caller asks the user to pick when several match)."""
    key = fold(text)
    live = list_plans(ctx)
    exact = [p for p in live if fold(p.name) == key or p.code.casefold() == key]
    return exact or [p for p in live if key and (key in fold(p.name) or key in p.code.casefold())]


def version_terms(ctx: Ctx, version_id: int) -> PlanTerms:
    return _terms(ctx, _version(ctx, version_id))


def plan_of_version(ctx: Ctx, version_id: int) -> PlanView:
    return get_plan(ctx, _version(ctx, version_id).plan_id)


# --- writing -------------------------------------------------------------------------------------


def create_plan(ctx: Ctx, terms: PlanTerms, *, code: str | None = None) -> PlanView:
    roles.require(ctx, Action.MANAGE_PLANS)
    errors = Errors()
    terms = _validated(ctx, terms, errors)
    code = _code(ctx, errors, code, terms.name)
    errors.raise_if_any()
    _require_unique_name(ctx, terms.name)
    plan = ctx.uow.add(
        Plan(
            tenant_id=ctx.uow.tenant_id,
            code=code,
            name=terms.name,
            name_key=fold(terms.name),
            created_at=ctx.now(),
        )
    )
    ctx.uow.flush()
    _write_version(ctx, plan, 1, terms)
    return _view(ctx, plan)


def update_plan(ctx: Ctx, plan_id: int, terms: PlanTerms) -> PlanView:
    roles.require(ctx, Action.MANAGE_PLANS)
    plan = _plan(ctx, plan_id, for_update=True)
    if plan.archived_at is not None:
        raise Conflict(f"{plan.name} is archived and can no longer change.")
    errors = Errors()
    terms = _validated(ctx, terms, errors)
    errors.raise_if_any()
    version = _current_version(ctx, plan)
    current = _terms(ctx, version)
    changed = [f.name for f in fields(PlanTerms) if getattr(current, f.name) != getattr(terms, f.name)]
    if not changed:
        return _view(ctx, plan)
    sold = _memberships(ctx, plan)
    fixed = [name for name in SOLD_TERMS if name in changed]
    fixed += [f"credits.{name}" for name in credit_terms.changed_fixed_fields(current.credits, terms.credits)]
    if sold and fixed:
        label = _LABELS.get(fixed[0], f"The credit setting {fixed[0].removeprefix('credits.')}")
        raise ImmutableField(
            f"{label} of {plan.name} cannot change: {formats.were(sold, 'membership')} sold on it. "
            f"Clone the plan to sell different terms.",
            fixed[0],
        )
    if "name" in changed:
        _require_unique_name(ctx, terms.name, except_plan=plan.id)
        plan.name, plan.name_key = terms.name, fold(terms.name)
        ctx.uow.add(plan)
    if sold and ctx.tenant.plan_versioning:
        new = _write_version(ctx, plan, version.version + 1, terms)
        # What else is sold with a version carries over to the next (core/plans/carry_over.py).
        carry_over.carry_over(ctx, version.id or 0, new.id or 0)
    else:
        _overwrite_version(ctx, version, terms, services_changed="services" in changed)
    ctx.uow.flush()
    return _view(ctx, plan)


def clone_plan(ctx: Ctx, plan_id: int, name: str, *, code: str | None = None) -> PlanView:
    """An unsold copy of the plan's current terms under a new name."""
    source = get_plan(ctx, plan_id)
    return create_plan(ctx, replace(source.terms, name=name), code=code)


def set_enabled(ctx: Ctx, plan_id: int, enabled: bool) -> PlanView:
    """A disabled plan is not sold; its memberships carry on untouched."""
    roles.require(ctx, Action.MANAGE_PLANS)
    plan = _plan(ctx, plan_id, for_update=True)
    if plan.archived_at is not None and enabled:
        raise Conflict(f"{plan.name} is archived; clone it to sell it again.")
    plan.enabled = enabled
    ctx.uow.add(plan)
    ctx.uow.flush()
    return _view(ctx, plan)


def archive_plan(ctx: Ctx, plan_id: int) -> PlanView:
    """Retire a plan for good: no sales, no edits, and its name is free for a new plan."""
    roles.require(ctx, Action.MANAGE_PLANS)
    plan = _plan(ctx, plan_id, for_update=True)
    if plan.archived_at is None:
        plan.archived_at, plan.enabled = ctx.now(), False
        ctx.uow.add(plan)
        ctx.uow.flush()
    return _view(ctx, plan)


def create_default_plans(ctx: Ctx) -> None:
    """The three plans every new workspace starts with, ready to rename and customise."""
    for name, price in (("Silver", "29.00"), ("Gold", "49.00"), ("Platinum", "79.00")):
        create_plan(ctx, PlanTerms(name=name, price=Decimal(price), description=f"{name} membership"))


# --- internals -----------------------------------------------------------------------------------

_LABELS = {
    "billing_type": "The billing type",
    "term_months": "The term",
    "code": "The code",
    "prorate_first_period": "Proration",  # it decides the billing dates of what was sold
}


def _plan(ctx: Ctx, plan_id: int, *, for_update: bool = False) -> Plan:
    return ctx.found(Plan, plan_id, f"There is no plan #{plan_id}.", "plan", for_update=for_update)


def _version(ctx: Ctx, version_id: int) -> PlanVersion:
    return ctx.found(PlanVersion, version_id, f"There is no plan version #{version_id}.")


def _current_version(ctx: Ctx, plan: Plan) -> PlanVersion:
    version = ctx.uow.first(
        ctx.uow.select(PlanVersion)
        .where(col(PlanVersion.plan_id) == plan.id)
        .order_by(col(PlanVersion.version).desc())
    )
    assert version is not None, "a plan always has a version"
    return version


def _memberships(ctx: Ctx, plan: Plan) -> int:
    versions = (
        ctx.uow.select(PlanVersion)
        .where(col(PlanVersion.plan_id) == plan.id)
        .with_only_columns(col(PlanVersion.id))
    )
    query = (
        ctx.uow.select(Contract)
        .where(col(Contract.plan_version_id).in_(versions))
        .with_only_columns(func.count())
    )
    return int(ctx.uow.scalar(query) or 0)


def _require_unique_name(ctx: Ctx, name: str, *, except_plan: int | None = None) -> None:
    query = ctx.uow.select(Plan).where(col(Plan.name_key) == fold(name), col(Plan.archived_at).is_(None))
    other = ctx.uow.first(query)
    if other is not None and other.id != except_plan:
        raise Conflict(f"A plan named {other.name!r} already exists.", "name")


def _code(ctx: Ctx, errors: Errors, code: str | None, name: str) -> str:
    if code is None:
        return _unused_code(
            ctx, re.sub(r"[^A-Z0-9]+", "-", fold(name).upper()).strip("-")[:CODE_MAX] or "PLAN"
        )
    code = code.strip().upper()
    if not code or len(code) > CODE_MAX or not _CODE.match(code):
        errors.add("code", f"The code must be 1 to {CODE_MAX} letters, digits, '-' or '_', such as GOLD-24.")
    elif ctx.uow.first(ctx.uow.select(Plan).where(col(Plan.code) == code)) is not None:
        errors.add("code", f"The code {code} is already used by another plan.")
    return code


def _unused_code(ctx: Ctx, base: str) -> str:
    taken = {p.code for p in ctx.uow.all(ctx.uow.select(Plan).where(col(Plan.code).startswith(base)))}
    if base not in taken:
        return base
    n = 2
    while f"{base[: CODE_MAX - len(str(n)) - 1]}-{n}" in taken:
        n += 1
    return f"{base[: CODE_MAX - len(str(n)) - 1]}-{n}"


def _validated(ctx: Ctx, terms: PlanTerms, errors: Errors) -> PlanTerms:
    currency = ctx.tenant.currency
    name = clean(errors, "name", terms.name, label="The plan name", max_length=NAME_MAX, required=True)
    description = clean(errors, "description", terms.description, label="The description", max_length=3000)
    price = amount(errors, "price", terms.price, label="The price", currency=currency)
    setup_fee = amount(errors, "setup_fee", terms.setup_fee, label="The setup fee", currency=currency)
    freeze_fee = amount(errors, "freeze_fee", terms.freeze_fee, label="The freeze fee", currency=currency)
    try:
        billing_type = BillingType(terms.billing_type)
    except ValueError:
        options = ", ".join(b.value for b in BillingType)
        errors.add("billing_type", f"{terms.billing_type!r} is not a billing type; choose one of {options}.")
        billing_type = BillingType.MONTHLY
    if terms.term_months is not None and not 1 <= terms.term_months <= MAX_TERM_MONTHS:
        errors.add("term_months", f"The term must be 1 to {MAX_TERM_MONTHS} months, or no expiry.")
    if not 0 <= terms.lock_in_months <= MAX_TERM_MONTHS:
        errors.add("lock_in_months", f"The lock-in period must be 0 to {MAX_TERM_MONTHS} months.")
    elif terms.term_months is not None and terms.lock_in_months > terms.term_months:
        errors.add("lock_in_months", "The lock-in period cannot be longer than the term.")
    location_ids = None
    if terms.location_ids is not None:
        location_ids = tuple(sorted(set(terms.location_ids)))
        if not location_ids:
            errors.add("locations", "Choose at least one location, or sell the plan everywhere.")
        for location_id in location_ids:
            if ctx.uow.get(Location, location_id) is None:
                errors.add("locations", f"There is no location #{location_id}.")
    if len(terms.services) > MAX_SERVICES:
        errors.add("recurring_services", f"A plan can include at most {MAX_SERVICES} recurring services.")
    for i, service in enumerate(terms.services):
        _check_service(ctx, errors, f"recurring_services[{i}].", service)
    credits = None
    if terms.credits is not None:
        credits = credit_terms.validated(errors, terms.credits, currency)
        for service_id in credits.services:
            if ctx.uow.get(Service, service_id) is None:
                errors.add("credits.services", f"There is no service #{service_id}.")
        template_id = credits.equality_template_id
        if template_id is not None and ctx.uow.get(EqualityTemplate, template_id) is None:
            errors.add(
                "credits.equality_template_id", f"There is no service equality template #{template_id}."
            )
    return replace(
        terms,
        credits=credits,
        name=name,
        description=description,
        price=price,
        setup_fee=setup_fee,
        freeze_fee=freeze_fee,
        billing_type=billing_type,
        location_ids=location_ids,
    )


def _check_service(ctx: Ctx, errors: Errors, path: str, service: RecurringService) -> None:
    job = ctx.uow.get(JobTemplate, service.job_template_id)
    task = ctx.uow.get(TaskTemplate, service.task_template_id)
    if job is None:
        errors.add(f"{path}job", f"There is no job template #{service.job_template_id}.")
    if task is None:
        errors.add(f"{path}task", f"There is no task template #{service.task_template_id}.")
    elif job is not None and task.job_template_id != job.id:
        errors.add(f"{path}task", f"The task {task.name!r} does not belong to the job {job.name!r}.")
    errors.extend(recurrence.validate(service.recurrence), prefix=f"{path}recurrence.")


def _write_version(ctx: Ctx, plan: Plan, number: int, terms: PlanTerms) -> PlanVersion:
    assert plan.id is not None
    version = PlanVersion(
        tenant_id=ctx.uow.tenant_id,
        plan_id=plan.id,
        version=number,
        name=terms.name,
        billing_type=terms.billing_type.value,
        price=terms.price,
        setup_fee=terms.setup_fee,
        freeze_fee=terms.freeze_fee,
        created_at=ctx.now(),
    )
    _apply(version, terms)
    ctx.uow.add(version)
    ctx.uow.flush()
    _write_children(ctx, version, terms)
    return version


def _overwrite_version(ctx: Ctx, version: PlanVersion, terms: PlanTerms, *, services_changed: bool) -> None:
    _apply(version, terms)
    ctx.uow.add(version)
    _delete_children(ctx, version, services=services_changed)
    _write_children(ctx, version, terms, services=services_changed)
    if services_changed:
        # Versioning off: the new services apply to every membership of this version.
        visits.regenerate_for_version(ctx, version.id or 0)


def _apply(version: PlanVersion, terms: PlanTerms) -> None:
    version.name = terms.name
    version.description = terms.description
    version.billing_type = terms.billing_type.value
    version.price = terms.price
    version.setup_fee = terms.setup_fee
    version.term_months = terms.term_months
    version.freeze_fee = terms.freeze_fee
    version.lock_in_months = terms.lock_in_months
    version.prorate_first_period = terms.prorate_first_period
    version.all_locations = terms.location_ids is None
    version.credit_terms = None if terms.credits is None else credit_terms.to_dict(terms.credits)


def _delete_children(ctx: Ctx, version: PlanVersion, *, services: bool) -> None:
    for link in _location_links(ctx, version):
        ctx.uow.delete(link)
    if services:
        for service in services_of(ctx, version.id or 0):
            ctx.uow.delete(service)
    ctx.uow.flush()


def _write_children(ctx: Ctx, version: PlanVersion, terms: PlanTerms, *, services: bool = True) -> None:
    assert version.id is not None
    for location_id in terms.location_ids or ():
        ctx.uow.add(
            PlanVersionLocation(
                tenant_id=ctx.uow.tenant_id, plan_version_id=version.id, location_id=location_id
            )
        )
    if services:
        for position, service in enumerate(terms.services):
            ctx.uow.add(
                PlanService(
                    tenant_id=ctx.uow.tenant_id,
                    plan_version_id=version.id,
                    position=position,
                    job_template_id=service.job_template_id,
                    task_template_id=service.task_template_id,
                    recurrence=recurrence.to_dict(service.recurrence),
                    time_of_day=service.at,
                )
            )
    ctx.uow.flush()


def _terms(ctx: Ctx, version: PlanVersion) -> PlanTerms:
    location_ids: tuple[int, ...] | None = None
    if not version.all_locations:
        location_ids = tuple(sorted(link.location_id for link in _location_links(ctx, version)))
    currency = ctx.tenant.currency
    return PlanTerms(
        name=version.name,
        price=in_currency(version.price, currency),
        billing_type=BillingType(version.billing_type),
        description=version.description,
        setup_fee=in_currency(version.setup_fee, currency),
        term_months=version.term_months,
        freeze_fee=in_currency(version.freeze_fee, currency),
        lock_in_months=version.lock_in_months,
        location_ids=location_ids,
        services=tuple(
            RecurringService(
                s.job_template_id, s.task_template_id, recurrence.from_dict(s.recurrence), s.time_of_day
            )
            for s in services_of(ctx, version.id or 0)
        ),
        credits=None if version.credit_terms is None else credit_terms.from_dict(version.credit_terms),
        prorate_first_period=version.prorate_first_period,
    )


def _location_links(ctx: Ctx, version: PlanVersion) -> list[PlanVersionLocation]:
    query = ctx.uow.select(PlanVersionLocation).where(col(PlanVersionLocation.plan_version_id) == version.id)
    return list(ctx.uow.all(query))


def services_of(ctx: Ctx, version_id: int) -> list[PlanService]:
    query = ctx.uow.select(PlanService).where(col(PlanService.plan_version_id) == version_id)
    return list(ctx.uow.all(query.order_by(col(PlanService.position))))


def service_views(ctx: Ctx, terms: PlanTerms) -> tuple[ServiceView, ...]:
    return tuple(
        ServiceView(
            catalog.job_template(ctx, s.job_template_id).name,
            catalog.task_template(ctx, s.task_template_id).name,
            recurrence.describe(s.recurrence),
            s.at,
        )
        for s in terms.services
    )


def _view(ctx: Ctx, plan: Plan) -> PlanView:
    version = _current_version(ctx, plan)
    terms = _terms(ctx, version)
    return PlanView(
        id=plan.id or 0,
        code=plan.code,
        name=plan.name,
        enabled=plan.enabled,
        archived=plan.archived_at is not None,
        version_id=version.id or 0,
        version=version.version,
        terms=terms,
        services=service_views(ctx, terms),
        memberships=_memberships(ctx, plan),
    )
