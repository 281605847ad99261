"""A little demo data for `memberbot demo`, written once into an empty workspace."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta
from decimal import Decimal

from core import catalog, customers, memberships, plans
from core.context import Ctx
from core.credit_terms import CreditKind, CreditTerms, Expiry
from core.customers import CustomerInput
from core.recurrence import LAST_DAY, Monthly, Weekly
from storage.models import Customer


def seed(ctx: Ctx) -> None:
    if ctx.uow.first(ctx.uow.select(Customer).limit(1)) is not None:
        return
    downtown = catalog.add_location(ctx, "Downtown")
    hvac = catalog.add_job_template(ctx, "HVAC maintenance", "Seasonal care of heating and cooling")
    filters = catalog.add_task_template(ctx, hvac, "Filter change")
    tune_up = catalog.add_task_template(ctx, hvac, "Tune-up")
    by_name = {p.name: p for p in plans.list_plans(ctx)}
    gold, platinum = by_name["Gold"], by_name["Platinum"]
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
    plans.update_plan(
        ctx,
        platinum.id,
        replace(
            platinum.terms, services=(plans.RecurringService(hvac, filters, Weekly(2, (1, 3)), time(8, 30)),)
        ),
    )
    today = ctx.today()
    people = [
        ("Café Müller", "Anna Müller", "anna@cafe-mueller.example", gold.id),
        ("Northwind Traders", "Nancy Davolio", "nancy@northwind.example", platinum.id),
        ("Blue Fin Spa", "Joao Pereira", "joao@bluefin.example", gold.id),
    ]
    for company, contact, email, plan_id in people:
        customer = customers.add_customer(
            ctx, CustomerInput(company=company, contact=contact, email=email, location="Downtown")
        )
        m = memberships.assign(ctx, customer.id, plan_id, today - timedelta(days=20), location_id=downtown)
        memberships.approve(ctx, m.id)
