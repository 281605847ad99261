"""The services a business sells, their categories, and service-equality templates (which services
may stand in for which: with "30-minute massage costs 1, 60-minute massage costs 2", one credit
for a 60-minute massage buys two 30-minute ones)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlmodel import col

from core.context import Ctx
from core.kernel import money
from core.kernel.errors import Conflict, Errors, NotFound
from core.kernel.text import clean, fold
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.catalog import EqualityEntry, EqualityTemplate, Location, Service, ServicePrice


class ServiceKind(StrEnum):
    SERVICE = "service"
    PRODUCT = "product"


@dataclass(frozen=True)
class ServiceView:
    id: int
    name: str
    category: str
    duration_minutes: int | None
    kind: ServiceKind = ServiceKind.SERVICE
    price: Decimal | None = None  # None: priced at the desk
    active: bool = True
    location_prices: tuple[tuple[str, Decimal], ...] = ()  # (location, its own price), by location


@dataclass(frozen=True)
class ServiceInput:
    """A service or product as a form or the CLI gives it; core checks every field at once."""

    name: str
    kind: ServiceKind | str = ServiceKind.SERVICE
    category: str = ""
    price: Decimal | str | None = None  # "" or None: priced at the desk
    duration_minutes: int | str | None = None  # "" or None: no set duration
    active: bool = True


def add_service(
    ctx: Ctx,
    name: str,
    category: str = "",
    duration_minutes: int | None = None,
    *,
    kind: ServiceKind = ServiceKind.SERVICE,
    price: Decimal | None = None,
) -> ServiceView:
    return create_service(ctx, ServiceInput(name, kind, category, price, duration_minutes))


def create_service(ctx: Ctx, data: ServiceInput) -> ServiceView:
    roles.require(ctx, Action.MANAGE_PLANS)
    row = Service(tenant_id=ctx.uow.tenant_id, name="", name_key="")
    _fill(ctx, row, data)
    return _view(ctx, row)


def update_service(ctx: Ctx, service_id: int, data: ServiceInput) -> ServiceView:
    """Change every field of a service; nothing is written when one of them is wrong."""
    roles.require(ctx, Action.MANAGE_PLANS)
    row = _row(ctx, service_id)
    _fill(ctx, row, data)
    return _view(ctx, row)


def set_service_active(ctx: Ctx, service_id: int, active: bool) -> ServiceView:
    """An inactive service stays in plans and history; it is listed as inactive."""
    roles.require(ctx, Action.MANAGE_PLANS)
    row = _row(ctx, service_id)
    row.active = active
    ctx.uow.add(row)
    ctx.uow.flush()
    return _view(ctx, row)


def set_location_price(
    ctx: Ctx, service_id: int, location_id: int, price: Decimal | str | None
) -> ServiceView:
    """A location's own price for the service (None or "": the list price again)."""
    roles.require(ctx, Action.MANAGE_PLANS)
    row = _row(ctx, service_id)
    if ctx.uow.get(Location, location_id) is None:
        raise NotFound(f"There is no location #{location_id}.", "location")
    existing = ctx.uow.first(
        ctx.uow.select(ServicePrice).where(
            col(ServicePrice.service_id) == service_id, col(ServicePrice.location_id) == location_id
        )
    )
    if price is None or (isinstance(price, str) and not price.strip()):
        if existing is not None:
            ctx.uow.delete(existing)
    else:
        errors = Errors()
        parsed = money.amount(errors, "price", price, label="The price", currency=ctx.tenant.currency)
        errors.raise_if_any()
        if existing is None:
            existing = ServicePrice(
                tenant_id=ctx.uow.tenant_id, service_id=service_id, location_id=location_id, price=parsed
            )
        existing.price = parsed
        ctx.uow.add(existing)
    ctx.uow.flush()
    return _view(ctx, row)


def _fill(ctx: Ctx, row: Service, data: ServiceInput) -> None:
    errors = Errors()
    name = clean(errors, "name", data.name, label="The name", max_length=100, required=True)
    category = clean(errors, "category", data.category, label="The category", max_length=100)
    kind = ServiceKind.SERVICE
    try:
        kind = ServiceKind(str(data.kind).strip().lower())
    except ValueError:
        errors.add("kind", f"{data.kind!r} is not service or product.")
    price = None
    if data.price is not None and str(data.price).strip():
        price = money.amount(errors, "price", data.price, label="The price", currency=ctx.tenant.currency)
    minutes = _minutes(errors, data.duration_minutes)
    errors.raise_if_any()
    other = find_service(ctx, name)
    if other is not None and other.id != row.id:
        raise Conflict(f"A service or product named {name!r} already exists.", "name")
    row.name, row.name_key, row.category, row.kind = name, fold(name), category, kind.value
    row.price, row.duration_minutes, row.active = price, minutes, data.active
    ctx.uow.add(row)
    ctx.uow.flush()


def _minutes(errors: Errors, value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        errors.add("duration_minutes", f"The duration must be a whole number of minutes, not {value!r}.")
        return None
    if not 1 <= minutes <= 24 * 60:
        errors.add("duration_minutes", "The duration must be 1 minute to 24 hours.")
    return minutes


def list_services(ctx: Ctx) -> list[ServiceView]:
    rows = ctx.uow.all(ctx.uow.select(Service).order_by(col(Service.name_key)))
    prices = _location_prices(ctx)
    return [_view(ctx, s, prices.get(s.id or 0, ())) for s in rows]


def find_service(ctx: Ctx, name: str) -> ServiceView | None:
    """The service of that name, without its location prices (checkout looks up every line)."""
    row = ctx.uow.first(ctx.uow.select(Service).where(col(Service.name_key) == fold(name)))
    return None if row is None else _view(ctx, row, ())


def get_service(ctx: Ctx, service_id: int) -> ServiceView:
    return _view(ctx, _row(ctx, service_id))


def _row(ctx: Ctx, service_id: int) -> Service:
    row = ctx.uow.get(Service, service_id)
    if row is None:
        raise NotFound(f"There is no service #{service_id}.", "service")
    return row


@dataclass(frozen=True)
class TemplateView:
    id: int
    name: str
    costs: tuple[tuple[int, str, int], ...]  # (service id, service name, cost in template units), by name


def add_equality_template(ctx: Ctx, name: str, costs: dict[int, int]) -> int:
    """A template listing what each service costs in credits (services not listed cost one)."""
    roles.require(ctx, Action.MANAGE_PLANS)
    name = _checked_template(ctx, None, name, costs)
    template = ctx.uow.add(EqualityTemplate(tenant_id=ctx.uow.tenant_id, name=name, name_key=fold(name)))
    ctx.uow.flush()
    _set_costs(ctx, template.id or 0, costs)
    return template.id or 0


def update_equality_template(ctx: Ctx, template_id: int, name: str, costs: dict[int, int]) -> TemplateView:
    """Rename the template and replace its costs; plans using it use the new costs from now on."""
    roles.require(ctx, Action.MANAGE_PLANS)
    template = _template_row(ctx, template_id)
    name = _checked_template(ctx, template_id, name, costs)
    template.name, template.name_key = name, fold(name)
    ctx.uow.add(template)
    query = ctx.uow.select(EqualityEntry).where(col(EqualityEntry.template_id) == template_id)
    for entry in ctx.uow.all(query):
        ctx.uow.delete(entry)
    ctx.uow.flush()
    _set_costs(ctx, template_id, costs)
    return get_template(ctx, template_id)


def list_templates(ctx: Ctx) -> list[TemplateView]:
    rows = ctx.uow.all(ctx.uow.select(EqualityTemplate).order_by(col(EqualityTemplate.name_key)))
    return [get_template(ctx, t.id or 0) for t in rows]


def get_template(ctx: Ctx, template_id: int) -> TemplateView:
    template = _template_row(ctx, template_id)
    names = {s.id: s.name for s in ctx.uow.all(ctx.uow.select(Service))}
    costs = sorted(
        ((i, names.get(i, ""), cost) for i, cost in template_costs(ctx, template_id).items()),
        key=lambda c: fold(c[1]),
    )
    return TemplateView(template_id, template.name, tuple(costs))


def _checked_template(ctx: Ctx, template_id: int | None, name: str, costs: dict[int, int]) -> str:
    """The template's name, cleaned, after every problem with it and its costs is reported at once
    (under `costs.<service id>` for a service's cost)."""
    errors = Errors()
    name = clean(errors, "name", name, label="The template name", max_length=100, required=True)
    if not costs:
        errors.add("costs", "List at least one service and what it costs in credits.")
    for service_id, cost in costs.items():
        if ctx.uow.get(Service, service_id) is None:
            errors.add("costs", f"There is no service #{service_id}.")
        if not 1 <= cost <= 100:
            errors.add(f"costs.{service_id}", "A service costs 1 to 100 credits.")
    errors.raise_if_any()
    other = find_template(ctx, name)
    if other is not None and other != template_id:
        raise Conflict(f"A template named {name!r} already exists.", "name")
    return name


def _set_costs(ctx: Ctx, template_id: int, costs: dict[int, int]) -> None:
    for service_id, cost in costs.items():
        ctx.uow.add(
            EqualityEntry(
                tenant_id=ctx.uow.tenant_id, template_id=template_id, service_id=service_id, cost=cost
            )
        )
    ctx.uow.flush()


def _template_row(ctx: Ctx, template_id: int) -> EqualityTemplate:
    row = ctx.uow.get(EqualityTemplate, template_id)
    if row is None:
        raise NotFound(f"There is no equality template #{template_id}.", "equality_template")
    return row


def find_template(ctx: Ctx, name: str) -> int | None:
    row = ctx.uow.first(ctx.uow.select(EqualityTemplate).where(col(EqualityTemplate.name_key) == fold(name)))
    return None if row is None else row.id


def template_name(ctx: Ctx, template_id: int) -> str:
    return _template_row(ctx, template_id).name


def template_costs(ctx: Ctx, template_id: int | None) -> dict[int, int]:
    if template_id is None:
        return {}
    query = ctx.uow.select(EqualityEntry).where(col(EqualityEntry.template_id) == template_id)
    return {e.service_id: e.cost for e in ctx.uow.all(query)}


def _location_prices(ctx: Ctx, service_id: int | None = None) -> dict[int, tuple[tuple[str, Decimal], ...]]:
    names = {loc.id: loc.name for loc in ctx.uow.all(ctx.uow.select(Location))}
    query = ctx.uow.select(ServicePrice)
    if service_id is not None:
        query = query.where(col(ServicePrice.service_id) == service_id)
    found: dict[int, list[tuple[str, Decimal]]] = {}
    for p in ctx.uow.all(query):
        found.setdefault(p.service_id, []).append((names.get(p.location_id, ""), p.price))
    return {k: tuple(sorted(v, key=lambda x: fold(x[0]))) for k, v in found.items()}


def _view(ctx: Ctx, row: Service, prices: tuple[tuple[str, Decimal], ...] | None = None) -> ServiceView:
    if prices is None:
        prices = _location_prices(ctx, row.id).get(row.id or 0, ())
    currency = ctx.tenant.currency
    return ServiceView(
        row.id or 0,
        row.name,
        row.category,
        row.duration_minutes,
        ServiceKind(row.kind),
        None if row.price is None else money.in_currency(row.price, currency),
        row.active,
        tuple((name, money.in_currency(price, currency)) for name, price in prices),
    )
