"""What a new plan version takes over from the version it replaces (versioning on: a change to a
sold plan writes a new version, which sells as before unless it is then changed): each location's
own price, the discounts, and the revenue split where it still adds up to the new price. These rows
belong to a plan version, so copying them is the plan's business, not checkout's or revenue's."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import col

from core.context import Ctx
from core.kernel.money import in_currency
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.base import TenantRow
from storage.tables.billing import LocationPrice
from storage.tables.checkout import PlanDiscount
from storage.tables.plans import PlanVersion
from storage.tables.revenue import RevenueSplit, RevenueSplitLocation

R = TypeVar("R", bound=TenantRow)


def carry_over(ctx: Ctx, from_version_id: int, to_version_id: int) -> None:
    location_prices(ctx, from_version_id, to_version_id)
    discounts(ctx, from_version_id, to_version_id)
    revenue_splits(ctx, from_version_id, to_version_id)


def location_prices(ctx: Ctx, from_version_id: int, to_version_id: int) -> int:
    """A location's own price and setup fee (core/billing/service.py) go to the next version."""
    rows = _location_prices(ctx, from_version_id)
    for row in rows.values():
        ctx.uow.add(_copy(row, to_version_id))
    ctx.uow.flush()
    return len(rows)


def discounts(ctx: Ctx, from_version_id: int, to_version_id: int) -> int:
    """The discounts (core/checkout/benefit_terms.py) go to the next version; a version that has
    discounts already keeps its own. Returns how many were copied."""
    if _discounts(ctx, to_version_id):
        return 0
    source = _discounts(ctx, from_version_id)
    for row in source:
        ctx.uow.add(_copy(row, to_version_id))
    ctx.uow.flush()
    return len(source)


def revenue_splits(ctx: Ctx, from_version_id: int, to_version_id: int) -> int:
    """The revenue splits (core/revenue/service.py), the version's and each location's, go to the
    next version when they still add up to its price (or the location's); a version or location
    that has a split already keeps its own. Returns how many were copied."""
    roles.require(ctx, Action.MANAGE_PLANS)
    missing = f"There is no plan version #{to_version_id}."
    target = ctx.found(PlanVersion, to_version_id, missing, "plan_version", for_update=True)
    prices = _location_prices(ctx, to_version_id)

    def fits(split: RevenueSplit | RevenueSplitLocation, location_id: int | None) -> bool:
        own = prices.get(location_id or 0)
        price = own.price if own is not None and own.price is not None else target.price
        return split.irr + split.mrr + split.scr == in_currency(price, ctx.tenant.currency)

    copied = 0
    own = revenue_split(ctx, from_version_id, None)
    if own is not None and fits(own, None) and revenue_split(ctx, to_version_id, None) is None:
        ctx.uow.add(_copy(own, to_version_id, set_by=ctx.actor, set_at=ctx.now()))
        copied += 1
    query = ctx.uow.select(RevenueSplitLocation).where(
        col(RevenueSplitLocation.plan_version_id) == from_version_id
    )
    for row in ctx.uow.all(query):
        if fits(row, row.location_id) and revenue_split(ctx, to_version_id, row.location_id) is None:
            ctx.uow.add(_copy(row, to_version_id, set_by=ctx.actor, set_at=ctx.now()))
            copied += 1
    ctx.uow.flush()
    return copied


def _location_prices(ctx: Ctx, version_id: int) -> dict[int, LocationPrice]:
    query = ctx.uow.select(LocationPrice).where(col(LocationPrice.plan_version_id) == version_id)
    return {row.location_id: row for row in ctx.uow.all(query)}


def _discounts(ctx: Ctx, version_id: int) -> list[PlanDiscount]:
    query = ctx.uow.select(PlanDiscount).where(col(PlanDiscount.plan_version_id) == version_id)
    return list(ctx.uow.all(query.order_by(col(PlanDiscount.position))))


def revenue_split(
    ctx: Ctx, version_id: int, location_id: int | None
) -> RevenueSplit | RevenueSplitLocation | None:
    """The split set on a plan version (`location_id` None) or on its sale at one location."""
    if location_id is None:
        return ctx.uow.first(
            ctx.uow.select(RevenueSplit).where(col(RevenueSplit.plan_version_id) == version_id)
        )
    return ctx.uow.first(
        ctx.uow.select(RevenueSplitLocation).where(
            col(RevenueSplitLocation.plan_version_id) == version_id,
            col(RevenueSplitLocation.location_id) == location_id,
        )
    )


def _copy(row: R, version_id: int, **changes: object) -> R:
    """The row again for another plan version, as a row of its own (its own id; lists not shared)."""
    data = row.model_dump(exclude={"id"})
    data.update(changes, plan_version_id=version_id)
    return type(row).model_validate(data)
