"""The catalogue's use cases as staff ask for them: list the services and products, add, edit,
disable or enable one by name, set a location's own price, and list, create or edit the equality
templates that let one service's credits pay for another of equal value. Admins configure; every
one runs in one unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from core.catalog import locations as catalog
from core.catalog import services
from core.catalog.services import ServiceInput, ServiceView, TemplateView
from core.context import Ctx
from core.kernel.errors import Errors, InvalidInput
from core.kernel.text import fold
from core.workspace import roles
from core.workspace.roles import Action

T = TypeVar("T")


@dataclass(frozen=True)
class Unmatched:
    """No service (or template) matches `query`, or several do (`names`)."""

    query: str
    names: list[str]


@dataclass(frozen=True)
class Catalog:
    services: list[ServiceView]  # services and products, by name
    templates: list[TemplateView]
    currency: str


@dataclass(frozen=True)
class Saved:
    service: ServiceView
    created: bool
    currency: str


@dataclass(frozen=True)
class Priced:
    service: ServiceView
    location: str
    price: Decimal | None  # None: the list price again
    currency: str


@dataclass(frozen=True)
class NoLocation:
    named: str
    names: list[str]  # every location there is


@dataclass(frozen=True)
class TemplateForm:
    template: TemplateView | None  # None: a new one
    services: list[ServiceView]  # what it can cover: the services (not products), by name


def catalog_list(ctx: Ctx) -> Catalog:
    roles.require(ctx, Action.VIEW)
    return Catalog(services.list_services(ctx), services.list_templates(ctx), ctx.tenant.currency)


def new_service(ctx: Ctx, data: ServiceInput) -> Saved:
    return Saved(services.create_service(ctx, data), True, ctx.tenant.currency)


def service_to_edit(ctx: Ctx, query: str) -> ServiceView | Unmatched:
    """The service or product named (or the only one whose name contains `query`), for its form."""
    roles.require(ctx, Action.MANAGE_PLANS)
    return _match(query, services.list_services(ctx), lambda s: s.name)


def edit_service(ctx: Ctx, service_id: int, data: ServiceInput) -> Saved:
    return Saved(services.update_service(ctx, service_id, data), False, ctx.tenant.currency)


def enable_service(ctx: Ctx, query: str, active: bool) -> ServiceView | Unmatched:
    roles.require(ctx, Action.MANAGE_PLANS)
    found = _match(query, services.list_services(ctx), lambda s: s.name)
    return found if isinstance(found, Unmatched) else services.set_service_active(ctx, found.id, active)


def price_at(ctx: Ctx, query: str, location: str, price: str) -> Priced | Unmatched | NoLocation:
    """The location's own price for the service named ("" or "none": its list price again)."""
    roles.require(ctx, Action.MANAGE_PLANS)
    found = _match(query, services.list_services(ctx), lambda s: s.name)
    if isinstance(found, Unmatched):
        return found
    where = catalog.find_location(ctx, location)
    if where is None:
        return NoLocation(location, [loc.name for loc in catalog.locations(ctx)])
    cleared = price.strip().lower() in ("", "none")
    done = services.set_location_price(ctx, found.id, where.id or 0, None if cleared else price)
    own = dict(done.location_prices).get(where.name)
    return Priced(done, where.name, own, ctx.tenant.currency)


def template_form(ctx: Ctx, query: str | None) -> TemplateForm | Unmatched:
    """What the template form shows: the template named (None: a new one) and the services."""
    roles.require(ctx, Action.MANAGE_PLANS)
    choices = [s for s in services.list_services(ctx) if s.kind is services.ServiceKind.SERVICE]
    if query is None:
        return TemplateForm(None, choices)
    found = _match(query, services.list_templates(ctx), lambda t: t.name)
    return found if isinstance(found, Unmatched) else TemplateForm(found, choices)


def save_template(
    ctx: Ctx, template_id: int | None, name: str, costs: Mapping[int, str | int]
) -> TemplateView:
    """Create (template_id None) or replace a template: each service's cost in template units as
    typed ("" leaves the service out). Every problem is reported at once; nothing is written."""
    roles.require(ctx, Action.MANAGE_PLANS)  # before anything is read
    errors = Errors()
    parsed: dict[int, int] = {}
    for service_id, raw in costs.items():
        text = str(raw).strip()
        if not text:
            continue
        if not text.isdigit():
            errors.add(f"costs.{service_id}", f"A cost is a whole number of units, such as 2, not {text!r}.")
            continue
        parsed[service_id] = int(text)
    try:
        if template_id is None:
            saved = services.get_template(ctx, services.add_equality_template(ctx, name, parsed))
        else:
            saved = services.update_equality_template(ctx, template_id, name, parsed)
    except InvalidInput as refused:
        if not errors:
            raise
        errors.extend([e for e in refused.errors if not (e.field == "costs" and not parsed)])
    errors.raise_if_any()  # the unit of work is not committed: nothing is written
    return saved


def _match(query: str, rows: list[T], name: Callable[[T], str]) -> T | Unmatched:
    """The row named `query` (without case or accents), else the only one whose name contains it."""
    key = fold(query)
    exact = [r for r in rows if fold(name(r)) == key]
    if len(exact) == 1:
        return exact[0]
    partial = [r for r in rows if key and key in fold(name(r))]
    if len(partial) == 1:
        return partial[0]
    return Unmatched(query.strip(), [name(r) for r in partial])
