"""Demo data, written once into an empty workspace through core's service functions: a little for
`memberbot demo`, and more for `memberbot sandbox` (a dozen customers, memberships in every
state, credit histories with lots about to expire, a class series)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from core.catalog import locations as catalog
from core.classes import service as classes
from core.context import Ctx
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.customers import service as customers
from core.customers.service import CustomerInput
from core.kernel.recurrence import LAST_DAY, Monthly, Weekly
from core.memberships import service as memberships
from core.plans import service as plans
from storage.tables.customers import Customer


@dataclass(frozen=True)
class Catalog:
    location: int
    silver: int
    gold: int
    platinum: int


def seed(ctx: Ctx) -> None:
    if _has_customers(ctx):
        return
    shop = _catalog(ctx)
    today = ctx.today()
    people = [
        ("Café Müller", "Anna Müller", "anna@cafe-mueller.example", shop.gold),
        ("Northwind Traders", "Nancy Davolio", "nancy@northwind.example", shop.platinum),
        ("Blue Fin Spa", "Joao Pereira", "joao@bluefin.example", shop.gold),
    ]
    for company, contact, email, plan_id in people:
        customer = _customer(ctx, company, contact, email)
        m = memberships.assign(ctx, customer, plan_id, today - timedelta(days=20), location_id=shop.location)
        memberships.approve(ctx, m.id)


def seed_sandbox(ctx: Ctx, seller: str, other_seller: str) -> None:
    """The sandbox's workspace, as an admin (`ctx.actor`) who approves what `seller` and
    `other_seller` (staff members) sold: they are the ones reminded of their customers' credits."""
    if _has_customers(ctx):
        return
    shop = _catalog(ctx, every_plan=True)
    today = ctx.today()
    # (company, contact, plan, sold by, start, end, then) — `then` is what happened after the sale.
    sales: list[tuple[str, str, int | None, str, date, date | None, str]] = [
        ("Café Müller", "Anna Müller", shop.gold, seller, today - timedelta(days=20), None, "approve"),
        (
            "Northwind Traders",
            "Nancy Davolio",
            shop.platinum,
            other_seller,
            today - timedelta(days=75),
            None,
            "approve",
        ),
        ("Blue Fin Spa", "Joao Pereira", shop.gold, seller, today - timedelta(days=40), None, "approve"),
        ("Harbour Gym", "Hana Sato", shop.silver, seller, today, None, "pending"),
        (
            "Oak & Ivy Salon",
            "Olivia Brown",
            shop.gold,
            other_seller,
            today - timedelta(days=60),
            None,
            "freeze",
        ),
        (
            "Lakeside Dental",
            "Liam Walsh",
            shop.silver,
            seller,
            today - timedelta(days=375),
            today - timedelta(days=10),
            "approve",
        ),
        (
            "Pinecrest Bakery",
            "Paula Reyes",
            shop.silver,
            other_seller,
            today - timedelta(days=500),
            today - timedelta(days=135),
            "approve",
        ),
        (
            "Riverside Yoga",
            "Ravi Shah",
            shop.platinum,
            seller,
            today - timedelta(days=332),
            today + timedelta(days=33),
            "approve",
        ),
        (
            "Summit Climbing",
            "Sofia Rossi",
            shop.gold,
            other_seller,
            today + timedelta(days=3),
            None,
            "pending",
        ),
        (
            "Maple Street Clinic",
            "Mei Chen",
            shop.silver,
            seller,
            today - timedelta(days=100),
            None,
            "approve",
        ),
        (
            "Seaside Barbers",
            "Sam O'Neill",
            shop.platinum,
            other_seller,
            today - timedelta(days=10),
            None,
            "approve",
        ),
        ("Golden Gate Pilates", "Grace Park", None, seller, today, None, "prospect"),
    ]
    for company, contact, plan_id, sold_by, start, end, then in sales:
        email = f"{contact.split()[0].lower()}@{company.split()[0].lower().replace('é', 'e')}.example"
        customer = _customer(ctx, company, contact, email)
        if plan_id is None:
            continue
        as_seller = replace(ctx, actor=sold_by)  # the same unit of work, acting as the staff member
        m = memberships.assign(as_seller, customer, plan_id, start, end, location_id=shop.location)
        if then == "pending":
            continue
        memberships.approve(ctx, m.id)
        if then == "freeze":
            memberships.freeze(ctx, m.id, "Travelling for two months")
    _credit_history(ctx, today)
    _class_series(ctx, shop, today)


def _class_series(ctx: Ctx, shop: Catalog, today: date) -> None:
    """A class three mornings a week, with a seat booked by a Gold member."""
    series = classes.create_series(
        ctx,
        classes.SeriesTerms(
            name="Morning mobility",
            location_id=shop.location,
            schedule=Weekly(1, (0, 2, 4)),
            starts_on=today,
            start_time=time(7, 30),
            capacity=12,
            duration_minutes=45,
        ),
    )
    sessions = classes.upcoming_sessions(ctx, series.id, until=today + timedelta(days=14))
    found = {c.company: c.id for c in customers.search_customers(ctx, "Café Müller", limit=1)}
    if sessions and found:
        classes.book(ctx, sessions[0].id, found["Café Müller"])


def _credit_history(ctx: Ctx, today: date) -> None:
    """Credits used, and lots about to expire: their reminders come as the clock moves on."""
    found = {c.company: c.id for c in customers.search_customers(ctx, "", limit=50)}
    ledger.redeem(ctx, found["Café Müller"], Decimal(1), key="demo:redeem:cafe")
    ledger.redeem(ctx, found["Northwind Traders"], Decimal(3), key="demo:redeem:northwind")
    ledger.grant(  # account credit above the workspace's alert threshold: the specialist hears of it
        ctx,
        found["Seaside Barbers"],
        Unit.MONEY,
        Decimal(150),
        key="demo:refund:seaside",
        source="adjust",
        reason="Refund of a double charge",
    )
    for company, quantity, days in (
        ("Blue Fin Spa", 2, 3),
        ("Maple Street Clinic", 1, 6),
        ("Café Müller", 2, 12),
    ):
        contract = next(
            m for m in memberships.memberships_of(ctx, found[company]) if m.status.value == "active"
        )
        ledger.grant(
            ctx,
            found[company],
            Unit.CREDIT,
            Decimal(quantity),
            key=f"demo:goodwill:{company}",
            contract_id=contract.id,
            expires_at=_midnight_after(ctx, today + timedelta(days=days)),
            source="adjust",
            reason="Goodwill credit",
        )


def _midnight_after(ctx: Ctx, day: date) -> datetime:
    """A lot's expires_at is the local midnight after its last day (core/credits/reminders.py)."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=ctx.tz)


def _catalog(ctx: Ctx, *, every_plan: bool = False) -> Catalog:
    """A location, the HVAC service catalogue, and the default plans given recurring services and
    credit terms (Silver too with `every_plan`)."""
    downtown = catalog.add_location(ctx, "Downtown")
    hvac = catalog.add_job_template(ctx, "HVAC maintenance", "Seasonal care of heating and cooling")
    filters = catalog.add_task_template(ctx, hvac, "Filter change")
    tune_up = catalog.add_task_template(ctx, hvac, "Tune-up")
    by_name = {p.name: p for p in plans.list_plans(ctx)}
    silver, gold, platinum = by_name["Silver"], by_name["Gold"], by_name["Platinum"]
    plans.update_plan(
        ctx,
        gold.id,
        replace(
            gold.terms,
            credits=CreditTerms(
                kind=CreditKind.SERVICE,
                initial=Decimal(2),
                per_period=Decimal(4),
                expiry=Expiry.DAYS,
                expiry_days=45,
            ),
            services=(
                plans.RecurringService(hvac, tune_up, Monthly(15, (3, 9)), time(9, 0)),
                plans.RecurringService(hvac, filters, Monthly(LAST_DAY, tuple(range(1, 13))), time(14, 0)),
            ),
        ),
    )
    platinum_terms = replace(
        platinum.terms, services=(plans.RecurringService(hvac, filters, Weekly(2, (1, 3)), time(8, 30)),)
    )
    if every_plan:
        platinum_terms = replace(
            platinum_terms,
            credits=CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(8), expiry=Expiry.MEMBERSHIP_END),
        )
        plans.update_plan(
            ctx,
            silver.id,
            replace(
                silver.terms,
                credits=CreditTerms(
                    kind=CreditKind.SERVICE, per_period=Decimal(1), expiry=Expiry.DAYS, expiry_days=60
                ),
                services=(plans.RecurringService(hvac, filters, Monthly(1, (1, 4, 7, 10)), time(10, 0)),),
            ),
        )
    plans.update_plan(ctx, platinum.id, platinum_terms)
    return Catalog(downtown, silver.id, gold.id, platinum.id)


def _customer(ctx: Ctx, company: str, contact: str, email: str) -> int:
    created = customers.add_customer(
        ctx, CustomerInput(company=company, contact=contact, email=email, location="Downtown")
    )
    return created.id


def _has_customers(ctx: Ctx) -> bool:
    return ctx.uow.first(ctx.uow.select(Customer).limit(1)) is not None
