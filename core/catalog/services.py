"""The services a business sells, their categories, and service-equality templates (which services
may stand in for which: with "30-minute massage costs 1, 60-minute massage costs 2", one credit
for a 60-minute massage buys two 30-minute ones)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col

from core.context import Ctx
from core.kernel.errors import Conflict, Errors, NotFound
from core.kernel.text import clean, fold
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.catalog import EqualityEntry, EqualityTemplate, Service


@dataclass(frozen=True)
class ServiceView:
    id: int
    name: str
    category: str
    duration_minutes: int | None


def add_service(ctx: Ctx, name: str, category: str = "", duration_minutes: int | None = None) -> ServiceView:
    roles.require(ctx, Action.MANAGE_PLANS)
    errors = Errors()
    name = clean(errors, "name", name, label="The service name", max_length=100, required=True)
    category = clean(errors, "category", category, label="The category", max_length=100)
    if duration_minutes is not None and not 1 <= duration_minutes <= 24 * 60:
        errors.add("duration_minutes", "The duration must be 1 minute to 24 hours.")
    errors.raise_if_any()
    if find_service(ctx, name) is not None:
        raise Conflict(f"A service named {name!r} already exists.", "name")
    row = ctx.uow.add(
        Service(
            tenant_id=ctx.uow.tenant_id,
            name=name,
            name_key=fold(name),
            category=category,
            duration_minutes=duration_minutes,
        )
    )
    ctx.uow.flush()
    return _view(row)


def list_services(ctx: Ctx) -> list[ServiceView]:
    return [_view(s) for s in ctx.uow.all(ctx.uow.select(Service).order_by(col(Service.name_key)))]


def find_service(ctx: Ctx, name: str) -> ServiceView | None:
    row = ctx.uow.first(ctx.uow.select(Service).where(col(Service.name_key) == fold(name)))
    return None if row is None else _view(row)


def get_service(ctx: Ctx, service_id: int) -> ServiceView:
    row = ctx.uow.get(Service, service_id)
    if row is None:
        raise NotFound(f"There is no service #{service_id}.", "service")
    return _view(row)


def add_equality_template(ctx: Ctx, name: str, costs: dict[int, int]) -> int:
    """A template listing what each service costs in credits (services not listed cost one)."""
    roles.require(ctx, Action.MANAGE_PLANS)
    errors = Errors()
    name = clean(errors, "name", name, label="The template name", max_length=100, required=True)
    if not costs:
        errors.add("costs", "List at least one service and what it costs in credits.")
    for service_id, cost in costs.items():
        if ctx.uow.get(Service, service_id) is None:
            errors.add("costs", f"There is no service #{service_id}.")
        if not 1 <= cost <= 100:
            errors.add("costs", "A service costs 1 to 100 credits.")
    errors.raise_if_any()
    if ctx.uow.first(ctx.uow.select(EqualityTemplate).where(col(EqualityTemplate.name_key) == fold(name))):
        raise Conflict(f"A template named {name!r} already exists.", "name")
    template = ctx.uow.add(EqualityTemplate(tenant_id=ctx.uow.tenant_id, name=name, name_key=fold(name)))
    ctx.uow.flush()
    for service_id, cost in costs.items():
        ctx.uow.add(
            EqualityEntry(
                tenant_id=ctx.uow.tenant_id, template_id=template.id or 0, service_id=service_id, cost=cost
            )
        )
    ctx.uow.flush()
    return template.id or 0


def find_template(ctx: Ctx, name: str) -> int | None:
    row = ctx.uow.first(ctx.uow.select(EqualityTemplate).where(col(EqualityTemplate.name_key) == fold(name)))
    return None if row is None else row.id


def template_name(ctx: Ctx, template_id: int) -> str:
    row = ctx.uow.get(EqualityTemplate, template_id)
    if row is None:
        raise NotFound(f"There is no equality template #{template_id}.", "equality_template")
    return row.name


def template_costs(ctx: Ctx, template_id: int | None) -> dict[int, int]:
    if template_id is None:
        return {}
    query = ctx.uow.select(EqualityEntry).where(col(EqualityEntry.template_id) == template_id)
    return {e.service_id: e.cost for e in ctx.uow.all(query)}


def _view(row: Service) -> ServiceView:
    return ServiceView(row.id or 0, row.name, row.category, row.duration_minutes)
