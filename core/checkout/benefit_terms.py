"""The terms checkout applies: the discounts a plan version gives its members, and the order of
benefits each location uses.

Discounts are sold terms, like the credit program: once a plan version has a membership what each
discount is — percent or flat, on what — cannot change (clone the plan to sell different discounts);
only its amount can. The order of benefits is a location setting and
can change at any time; it applies to invoices previewed and posted after the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col

from core.checkout.benefits import DiscountKind, ItemKind, Order
from core.context import Ctx
from core.kernel.errors import Errors, ImmutableField, InvalidInput, NotFound
from core.kernel.money import amount
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.catalog import Location, Service
from storage.tables.checkout import LocationBenefitOrder, PlanDiscount, RemovedDiscount
from storage.tables.memberships import Contract
from storage.tables.plans import PlanVersion

MAX_DISCOUNTS = 20
DEFAULT_ORDER = Order.CREDITS_FIRST  # as Zenoti's organisation-wide default


@dataclass(frozen=True)
class DiscountRule:
    """A discount as the owner writes it. Services and categories both empty: every service;
    products empty: every product."""

    applies_to: ItemKind | str
    kind: DiscountKind | str
    value: Decimal
    services: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    products: tuple[str, ...] = ()


def product_code(code: str) -> str:
    """Product codes compare without case or surrounding spaces ("lotion " is "LOTION")."""
    return code.strip().upper()


def set_discounts(ctx: Ctx, plan_version_id: int, rules: Sequence[DiscountRule]) -> list[PlanDiscount]:
    """Replace a plan version's discounts. Every problem is reported at once, under
    `discounts.<n>.<field>`; nothing is written when there is one."""
    roles.require(ctx, Action.MANAGE_PLANS)
    version = ctx.uow.get(PlanVersion, plan_version_id, for_update=True)
    if version is None:
        raise NotFound(f"There is no plan version #{plan_version_id}.", "plan")
    errors = Errors("discounts.")
    if len(rules) > MAX_DISCOUNTS:
        errors.add("count", f"A plan can give at most {MAX_DISCOUNTS} discounts.")
    valid = [_validated(ctx, Errors(f"{n}."), errors, rule) for n, rule in enumerate(rules, 1)]
    errors.raise_if_any()
    sold = int(
        ctx.uow.scalar(
            ctx.uow.select(Contract)
            .where(col(Contract.plan_version_id) == plan_version_id)
            .with_only_columns(func.count())
        )
        or 0
    )
    current = list(_rows(ctx, [plan_version_id]))
    if [_rule(r) for r in current] == valid:
        return current
    if sold:
        return _revalued(ctx, version.name, sold, current, valid)
    ids = [r.id for r in current]
    if ids:  # an unsold version: no invoice can have used its discounts, only have removed them
        for removed in ctx.uow.all(
            ctx.uow.select(RemovedDiscount).where(col(RemovedDiscount.discount_id).in_(ids))
        ):
            ctx.uow.delete(removed)
        ctx.uow.flush()
    for row in current:
        ctx.uow.delete(row)
    ctx.uow.flush()
    for position, rule in enumerate(valid, 1):
        ctx.uow.add(
            PlanDiscount(
                tenant_id=ctx.uow.tenant_id,
                plan_version_id=plan_version_id,
                position=position,
                applies_to=str(rule.applies_to),
                kind=str(rule.kind),
                value=rule.value,
                services=list(rule.services),
                categories=list(rule.categories),
                products=list(rule.products),
            )
        )
    ctx.uow.flush()
    return list(_rows(ctx, [plan_version_id]))


def discounts_of(ctx: Ctx, plan_version_ids: Iterable[int]) -> dict[int, list[PlanDiscount]]:
    """The discounts of each plan version, in the order they were listed."""
    out: dict[int, list[PlanDiscount]] = {}
    for row in _rows(ctx, list(plan_version_ids)):
        out.setdefault(row.plan_version_id, []).append(row)
    return out


def set_benefit_order(ctx: Ctx, location_id: int, order: Order | str) -> Order:
    roles.require(ctx, Action.MANAGE_SETTINGS)
    try:
        chosen = Order(order)
    except ValueError:
        names = ", ".join(o.value for o in Order)
        raise InvalidInput.single(
            "benefit_order", f"{order!r} is not an order of benefits; use {names}."
        ) from None
    if ctx.uow.get(Location, location_id) is None:
        raise NotFound(f"There is no location #{location_id}.", "location")
    row = ctx.uow.first(
        ctx.uow.select(LocationBenefitOrder).where(col(LocationBenefitOrder.location_id) == location_id)
    )
    if row is None:
        row = LocationBenefitOrder(
            tenant_id=ctx.uow.tenant_id,
            location_id=location_id,
            benefit_order="",
            changed_by="",
            changed_at=ctx.now(),
        )
    row.benefit_order, row.changed_by, row.changed_at = chosen.value, ctx.actor, ctx.now()
    ctx.uow.add(row)
    ctx.uow.flush()
    return chosen


def benefit_order(ctx: Ctx, location_id: int) -> Order:
    """The location's order of benefits; credits first where none was set."""
    row = ctx.uow.first(
        ctx.uow.select(LocationBenefitOrder).where(col(LocationBenefitOrder.location_id) == location_id)
    )
    return DEFAULT_ORDER if row is None else Order(row.benefit_order)


# --- internals -----------------------------------------------------------------------------------


def _rows(ctx: Ctx, version_ids: list[int]) -> Sequence[PlanDiscount]:
    return ctx.uow.all(
        ctx.uow.select(PlanDiscount)
        .where(col(PlanDiscount.plan_version_id).in_(version_ids))
        .order_by(col(PlanDiscount.plan_version_id), col(PlanDiscount.position))
    )


def _revalued(
    ctx: Ctx, plan: str, sold: int, current: list[PlanDiscount], valid: list[DiscountRule]
) -> list[PlanDiscount]:
    """A sold version's discounts keep their kind and what they apply to; the amounts may change
    (in place: invoices and removed discounts keep pointing at the same rows)."""
    if [replace(_rule(r), value=Decimal(0)) for r in current] != [
        replace(v, value=Decimal(0)) for v in valid
    ]:
        raise ImmutableField(
            f"The discount type of {plan} cannot change: {sold} membership(s) were sold on it; only "
            "the amounts can. Clone the plan to sell different discounts.",
            "discounts",
        )
    for row, rule in zip(current, valid, strict=True):
        row.value = rule.value
        ctx.uow.add(row)
    ctx.uow.flush()
    return list(_rows(ctx, [current[0].plan_version_id]))


def _rule(row: PlanDiscount) -> DiscountRule:
    return DiscountRule(
        ItemKind(row.applies_to),
        DiscountKind(row.kind),
        row.value,
        tuple(row.services),
        tuple(row.categories),
        tuple(row.products),
    )


def _validated(ctx: Ctx, e: Errors, errors: Errors, rule: DiscountRule) -> DiscountRule:
    try:
        applies_to = ItemKind(rule.applies_to)
    except ValueError:
        applies_to = ItemKind.CARD
    if applies_to is ItemKind.CARD:  # a prepaid card is money paid ahead: no discount on it
        e.add("applies_to", f"{rule.applies_to!r} is not service or product.")
        applies_to = ItemKind.SERVICE
    try:
        kind = DiscountKind(rule.kind)
    except ValueError:
        e.add("kind", f"{rule.kind!r} is not percent or flat.")
        kind = DiscountKind.PERCENT
    currency = ctx.tenant.currency
    if kind is DiscountKind.PERCENT:
        value = amount(e, "value", rule.value, label="The percentage", currency="USD")  # two decimals
        if value <= 0 or value > 100:
            e.add("value", "A percentage discount is more than 0 and at most 100.")
    else:
        value = amount(e, "value", rule.value, label="The amount off", currency=currency)
        if value <= 0:
            e.add("value", "The amount off must be more than zero.")
    services = tuple(sorted(set(rule.services)))
    categories = tuple(sorted({c.strip() for c in rule.categories if c.strip()}))
    products = tuple(sorted({product_code(p) for p in rule.products if p.strip()}))
    if applies_to is ItemKind.PRODUCT and (services or categories):
        e.add("services", "A product discount is limited to products, not services or categories.")
    if applies_to is ItemKind.SERVICE and products:
        e.add("products", "A service discount is limited to services or categories, not products.")
    if any(len(p) > 40 for p in products):
        e.add("products", "Product codes are at most 40 characters.")
    known = {s.id for s in ctx.uow.all(ctx.uow.select(Service).where(col(Service.id).in_(services)))}
    for missing in sorted(set(services) - known):
        e.add("services", f"There is no service #{missing}.")
    errors.extend(e.items)
    return DiscountRule(applies_to, kind, value, services, categories, products)
