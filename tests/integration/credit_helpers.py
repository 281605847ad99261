"""Builders for credit tests: a plan with a credit program, a sold and approved membership."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from core.credits.terms import CreditTerms
from core.memberships import service as memberships
from core.plans import service as plans
from core.plans.terms import BillingType
from tests.conftest import MANAGER, STAFF, Shop
from tests.integration.helpers import add_customer, plan_by_name


def at(shop: Shop, day: date, hour: int = 17) -> None:
    """Move the clock to `day` at `hour` UTC (midday in New York by default)."""
    shop.clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC))


def credit_plan(
    shop: Shop,
    credits: CreditTerms,
    *,
    name: str = "Gold",
    billing: str = "monthly",
    term_months: int | None = 12,
) -> int:
    with shop.tx() as ctx:
        plan = plan_by_name(ctx, name)
        plans.update_plan(
            ctx,
            plan.id,
            replace(plan.terms, credits=credits, billing_type=BillingType(billing), term_months=term_months),
        )
        return plan.id


def member(
    shop: Shop, plan_id: int, start: date, end: date | None = None, customer: int | None = None
) -> tuple[int, int]:
    """(customer, membership): sold on `start` and approved at once."""
    with shop.tx(STAFF) as ctx:
        customer = customer or add_customer(ctx, company=f"Customer {start}")
        m = memberships.assign(ctx, customer, plan_id, start, end)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m.id)
        return customer, m.id


def D(value: str | int) -> Decimal:
    return Decimal(value)
