"""Small builders shared by integration tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from core.catalog import locations as catalog
from core.classes import service as classes
from core.context import Ctx
from core.kernel.clock import FixedClock
from core.kernel.recurrence import Monthly, Weekly
from core.plans import service as plans
from core.workspace import roles
from core.workspace.flows import ensure_tenant
from core.workspace.test_clock import start_test_clock
from storage.migrate import prepare
from storage.tables.customers import Customer
from storage.uow import Database
from tests.conftest import ADMIN, MANAGER, STAFF, TZ, Shop


def shop_on_a_file(path: Path, now: datetime, team: str) -> Shop:
    """A workspace with an admin, a manager and staff, alone on a SQLite file whose test clock starts
    at `now`: for tests that start the product as a process of its own on that file."""
    db = Database(f"sqlite:///{path}")
    prepare(db)
    start_test_clock(db, now)
    shop = Shop(db, FixedClock(now), team)
    ensure_tenant(db, shop.clock, team, timezone=TZ, admins=[ADMIN])
    with shop.tx() as ctx:
        roles.grant(ctx, MANAGER, "manager")
        roles.grant(ctx, STAFF, "staff")
    return shop


def add_customer(ctx: Ctx, company: str = "Acme Heating", contact: str = "Ann Lee") -> int:
    from core.kernel.text import fold

    row = ctx.uow.add(
        Customer(
            tenant_id=ctx.uow.tenant_id,
            company=company,
            contact=contact,
            search_text=fold(f"{company} {contact}"),
            created_at=ctx.now(),
        )
    )
    ctx.uow.flush()
    return row.id or 0


def templates(ctx: Ctx) -> tuple[int, int, int]:
    """A job template with two tasks: (job, filter change, tune-up)."""
    job = catalog.add_job_template(ctx, "HVAC maintenance")
    return (
        job,
        catalog.add_task_template(ctx, job, "Filter change"),
        catalog.add_task_template(ctx, job, "Tune-up"),
    )


def plan_by_name(ctx: Ctx, name: str) -> plans.PlanView:
    return next(p for p in plans.list_plans(ctx) if p.name == name)


def with_services(ctx: Ctx, name: str = "Gold") -> plans.PlanView:
    """The named default plan with a weekly filter change (Tue) and a tune-up on the 15th of Mar and Sep."""
    job, filters, tune_up = templates(ctx)
    plan = plan_by_name(ctx, name)
    return plans.update_plan(
        ctx,
        plan.id,
        replace(
            plan.terms,
            services=(
                plans.RecurringService(job, filters, Weekly(1, (1,)), time(9, 0)),
                plans.RecurringService(job, tune_up, Monthly(15, (3, 9)), time(14, 0)),
            ),
        ),
    )


def yoga(shop: Shop, studio: dict[str, int], starts_on: date, **changes: Any) -> classes.SeriesView:
    """Yoga at the studio's location, Mondays and Wednesdays at 18:00 from `starts_on`, 5 places, for
    its Gold and Silver; `changes` overrides any term."""
    terms = classes.SeriesTerms(
        name="Yoga",
        location_id=studio["location"],
        schedule=Weekly(1, (0, 2)),  # Mondays and Wednesdays
        starts_on=starts_on,
        start_time=time(18, 0),
        capacity=5,
        plan_ids=(studio["gold"], studio["silver"]),
    )
    with shop.tx(MANAGER) as ctx:
        return classes.create_series(ctx, replace(terms, **changes))
