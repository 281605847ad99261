"""The terms checkout applies: the discounts a plan version gives its members, and the order of
benefits each location uses.

Discounts are sold terms, like the credit program: once a plan version has a membership what each
discount is — percent or flat, on what — cannot change (clone the plan to sell different discounts);
only its amount can: for every member (the plan's), or for one membership (its own amount, set by a
manager at any time, with the reason in the contract log). The order of benefits is a location setting and
can change at any time; it applies to invoices previewed and posted after the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col

from core.checkout.benefits import DiscountKind, ItemKind, Order
from core.context import Ctx
from core.kernel import formats
from core.kernel.errors import Conflict, Errors, ImmutableField, InvalidInput, NotFound
from core.kernel.money import amount
from core.kernel.text import clean
from core.memberships import contract_log
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.catalog import Location, Service
from storage.tables.checkout import LocationBenefitOrder, MembershipDiscount, PlanDiscount, RemovedDiscount
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


@dataclass(frozen=True)
class MemberDiscount:
    """One of a membership's discounts: the plan's rule, and the amount this membership gets."""

    id: int  # the plan's discount
    applies_to: ItemKind
    kind: DiscountKind
    plan_value: Decimal
    value: Decimal  # the membership's own amount, else the plan's
    services: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    @property
    def field(self) -> str:
        """The name a form (and an error) gives this discount's amount."""
        return f"discount_{self.id}"


def membership_discounts(ctx: Ctx, contract_id: int) -> list[MemberDiscount]:
    """The discounts of the plan version a membership was sold on, with its own amounts."""
    roles.require(ctx, Action.VIEW)
    contract = contract_log.membership(ctx, contract_id)
    own = member_values(ctx, [contract_id])
    return [
        MemberDiscount(
            row.id or 0,
            ItemKind(row.applies_to),
            DiscountKind(row.kind),
            row.value,
            own.get((contract_id, row.id or 0), row.value),
            tuple(row.services),
            tuple(row.categories),
            tuple(row.products),
        )
        for row in _rows(ctx, [contract.plan_version_id or 0])
    ]


def member_values(ctx: Ctx, contract_ids: Iterable[int]) -> dict[tuple[int, int], Decimal]:
    """Each membership's own discount amounts, by (membership, discount): what checkout applies."""
    wanted = sorted(set(contract_ids))
    if not wanted:
        return {}
    query = ctx.uow.select(MembershipDiscount).where(col(MembershipDiscount.contract_id).in_(wanted))
    return {(r.contract_id, r.discount_id): r.value for r in ctx.uow.all(query)}


def set_member_values(
    ctx: Ctx,
    contract_id: int,
    values: Mapping[int, Decimal | str],
    reason: str,
    *,
    approved: bool = False,
) -> list[MemberDiscount]:
    """Give a membership its own amounts for its plan's discounts (by discount id; the kind and
    what each applies to stay the plan's). A manager's change, or one a manager approved
    (`approved`: core/approvals). Every mistake at once, under `discount_<id>` and `reason`;
    the contract log says what changed and why."""
    roles.require(ctx, Action.ASSIGN if approved else Action.CHANGE_STATE)
    contract = contract_log.membership(ctx, contract_id, for_update=True)
    current = {d.id: d for d in membership_discounts(ctx, contract_id)}
    errors = Errors()
    reason = clean(errors, "reason", reason, label="The reason", max_length=900, required=True)
    if not current:
        raise Conflict(f"M-{contract_id}'s plan gives no discounts; there is nothing to adjust.", "discounts")
    wanted: dict[int, Decimal] = {}
    for discount_id, typed in values.items():
        found = current.get(discount_id)
        if found is None:
            errors.add(f"discount_{discount_id}", f"M-{contract_id}'s plan has no discount #{discount_id}.")
            continue
        wanted[discount_id] = _checked_value(ctx, errors, found.kind, typed, field=found.field)
    errors.raise_if_any()
    changed = [(current[i], v) for i, v in sorted(wanted.items()) if v != current[i].value]
    if not changed:
        raise Conflict(f"M-{contract_id} already has these discounts; nothing to change.", "discounts")
    rows = {
        r.discount_id: r
        for r in ctx.uow.all(
            ctx.uow.select(MembershipDiscount).where(col(MembershipDiscount.contract_id) == contract_id)
        )
    }
    for discount, value in changed:
        row = rows.get(discount.id)
        if row is None:
            row = MembershipDiscount(
                tenant_id=ctx.uow.tenant_id,
                contract_id=contract_id,
                discount_id=discount.id,
                value=value,
                changed_by=ctx.actor,
                changed_at=ctx.now(),
            )
        row.value, row.changed_by, row.changed_at = value, ctx.actor, ctx.now()
        ctx.uow.add(row)
    ctx.uow.flush()
    words = "; ".join(f"discount #{d.id} {_off(d.kind, d.value)} -> {_off(d.kind, v)}" for d, v in changed)
    contract_log.record(ctx, contract, "discounts", None, None, f"{words}. {reason}"[:1000])
    return membership_discounts(ctx, contract_id)


def forget_member_values(ctx: Ctx, contract_id: int) -> None:
    """A membership deleted in error takes its own discount amounts with it."""
    query = ctx.uow.select(MembershipDiscount).where(col(MembershipDiscount.contract_id) == contract_id)
    for row in ctx.uow.all(query):
        ctx.uow.delete(row)
    ctx.uow.flush()


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
            f"The discount type of {plan} cannot change: {formats.were(sold, 'membership')} sold on it; only "
            "the amounts can. Clone the plan to sell different discounts.",
            "discounts",
        )
    for row, rule in zip(current, valid, strict=True):
        row.value = rule.value
        ctx.uow.add(row)
    ctx.uow.flush()
    return list(_rows(ctx, [current[0].plan_version_id]))


def _checked_value(ctx: Ctx, e: Errors, kind: DiscountKind, typed: object, *, field: str) -> Decimal:
    """A discount's amount: a percentage more than 0 and at most 100, or an amount off more than 0."""
    if kind is DiscountKind.PERCENT:
        value = amount(e, field, typed, label="The percentage", currency="USD")  # two decimals
        if value <= 0 or value > 100:
            e.add(field, "A percentage discount is more than 0 and at most 100.")
    else:
        value = amount(e, field, typed, label="The amount off", currency=ctx.tenant.currency)
        if value <= 0:
            e.add(field, "The amount off must be more than zero.")
    return value


def _off(kind: DiscountKind, value: Decimal) -> str:
    return f"{value.normalize():f}%" if kind is DiscountKind.PERCENT else f"{value} off"


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
    value = _checked_value(ctx, e, kind, rule.value, field="value")
    services = tuple(sorted(set(rule.services)))
    categories = tuple(sorted({c.strip() for c in rule.categories if c.strip()}))
    products = tuple(sorted({product_code(p) for p in rule.products if p.strip()}))
    if applies_to is ItemKind.PRODUCT and services:
        e.add("services", "A product discount is limited to products or product categories, not services.")
    if applies_to is ItemKind.SERVICE and products:
        e.add("products", "A service discount is limited to services or categories, not products.")
    if any(len(p) > 40 for p in products):
        e.add("products", "Product codes are at most 40 characters.")
    known = {s.id for s in ctx.uow.all(ctx.uow.select(Service).where(col(Service.id).in_(services)))}
    for missing in sorted(set(services) - known):
        e.add("services", f"There is no service #{missing}.")
    errors.extend(e.items)
    return DiscountRule(applies_to, kind, value, services, categories, products)
