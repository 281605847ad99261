"""Plans: defaults, validation, names and codes, versioning, sold terms, clone/disable/archive."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from typing import Any, cast

import pytest
from sqlalchemy import func

from core.catalog import locations as catalog
from core.context import Ctx, transaction
from core.kernel.errors import Conflict, ImmutableField, InvalidInput, NotFound, PermissionDenied
from core.kernel.recurrence import Weekly
from core.memberships import service as memberships
from core.plans import service as plans
from core.plans.service import PlanTerms, RecurringService
from core.plans.terms import BillingType
from core.visits import service as visits
from core.workspace.flows import ensure_tenant
from core.workspace.tenants import update_settings
from storage.tables.plans import Plan, PlanVersion
from storage.tables.visits import ServiceVisit
from tests.conftest import ADMIN, MANAGER, STAFF, Shop, new_team
from tests.integration.helpers import add_customer, plan_by_name, templates, with_services


def count(shop: Shop, model: type[Plan] | type[PlanVersion] | type[ServiceVisit]) -> int:
    with shop.tx(write=False) as ctx:
        return int(ctx.uow.scalar(ctx.uow.select(model).with_only_columns(func.count())))


def sell(shop: Shop, plan_id: int, start: date = date(2025, 1, 1)) -> int:
    with shop.tx(STAFF) as ctx:
        m = memberships.assign(ctx, add_customer(ctx), plan_id, start)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m.id)
        return m.id


def test_a_new_workspace_starts_with_silver_gold_and_platinum(shop: Shop) -> None:
    with shop.tx(write=False) as ctx:
        listed = plans.list_plans(ctx)
    assert [(p.name, p.code, p.enabled, p.version) for p in listed] == [
        ("Gold", "GOLD", True, 1),
        ("Platinum", "PLATINUM", True, 1),
        ("Silver", "SILVER", True, 1),
    ]


def test_every_bad_field_is_reported_at_once_and_nothing_is_written(shop: Shop) -> None:
    before = count(shop, Plan)
    bad = PlanTerms(
        name="  ",
        price=Decimal("-5"),
        billing_type=cast(BillingType, "weekly"),  # what a careless caller could pass
        term_months=0,
        setup_fee=Decimal("1.001"),
        lock_in_months=200,
    )
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plans.create_plan(ctx, bad)
    fields = {e.field for e in raised.value.errors}
    assert fields == {"name", "price", "billing_type", "term_months", "setup_fee", "lock_in_months"}
    assert count(shop, Plan) == before


def test_names_are_unique_among_live_plans_ignoring_case_and_accents(shop: Shop) -> None:
    with shop.tx() as ctx:
        plans.create_plan(ctx, PlanTerms(name="Café Club", price=Decimal(10)))
    with pytest.raises(Conflict, match="already exists") as raised, shop.tx() as ctx:
        plans.create_plan(ctx, PlanTerms(name="CAFE club", price=Decimal(10)))
    assert raised.value.field == "name"
    with shop.tx() as ctx:
        plans.archive_plan(ctx, plan_by_name(ctx, "Café Club").id)
        again = plans.create_plan(ctx, PlanTerms(name="Cafe Club", price=Decimal(12)))
    assert again.code == "CAFE-CLUB-2"  # the archived plan keeps its code forever


def test_codes_are_checked_and_unique(shop: Shop) -> None:
    with pytest.raises(InvalidInput, match="already used") as raised, shop.tx() as ctx:
        plans.create_plan(ctx, PlanTerms(name="Other", price=Decimal(1)), code="gold")
    assert raised.value.field == "code"
    with pytest.raises(InvalidInput, match="letters, digits"), shop.tx() as ctx:
        plans.create_plan(ctx, PlanTerms(name="Other", price=Decimal(1)), code="no spaces")


def test_only_admins_manage_plans(shop: Shop) -> None:
    before = count(shop, Plan)
    for who in (MANAGER, STAFF):
        with pytest.raises(PermissionDenied, match="admin"), shop.tx(who) as ctx:
            plans.create_plan(ctx, PlanTerms(name="Sneaky", price=Decimal(1)))
    assert count(shop, Plan) == before


def test_an_unsold_plan_changes_in_place(shop: Shop) -> None:
    with shop.tx() as ctx:
        gold = plan_by_name(ctx, "Gold")
        changed = plans.update_plan(
            ctx,
            gold.id,
            replace(gold.terms, price=Decimal("55.00"), billing_type=BillingType.YEARLY, term_months=24),
        )
    assert (changed.version, changed.terms.price, changed.terms.billing_type) == (
        1,
        Decimal("55.00"),
        "yearly",
    )


@pytest.mark.parametrize(("field", "value"), [("billing_type", BillingType.QUARTERLY), ("term_months", 6)])
def test_sold_terms_never_change_and_the_error_suggests_clone(shop: Shop, field: str, value: Any) -> None:
    with shop.tx() as ctx:
        gold_id = plan_by_name(ctx, "Gold").id
    sell(shop, gold_id)
    for versioning in (False, True):
        with shop.tx() as ctx:
            update_settings(ctx, plan_versioning=versioning)
        with pytest.raises(ImmutableField, match="Clone the plan") as raised, shop.tx() as ctx:
            gold = plans.get_plan(ctx, gold_id)
            plans.update_plan(ctx, gold_id, replace(gold.terms, **{field: value}))
        assert raised.value.field == field


def test_versioning_off_a_change_applies_to_every_membership(shop: Shop) -> None:
    with shop.tx() as ctx:
        gold = plan_by_name(ctx, "Gold")
    sold = sell(shop, gold.id)
    with shop.tx() as ctx:
        plans.update_plan(ctx, gold.id, replace(gold.terms, price=Decimal("59.00")))
    with shop.tx(write=False) as ctx:
        membership = memberships.get(ctx, sold)
        assert membership.plan_version == 1
        assert memberships.report(ctx, sold).terms.price == Decimal("59.00")


def test_versioning_on_a_change_makes_a_version_and_sold_memberships_keep_theirs(shop: Shop) -> None:
    with shop.tx() as ctx:
        update_settings(ctx, plan_versioning=True)
        gold = plan_by_name(ctx, "Gold")
    first = sell(shop, gold.id)
    with shop.tx() as ctx:
        v2 = plans.update_plan(ctx, gold.id, replace(gold.terms, price=Decimal("59.00"), name="Gold Plus"))
    assert (v2.version, v2.name, v2.terms.price) == (2, "Gold Plus", Decimal("59.00"))
    second = sell(shop, gold.id)
    with shop.tx(write=False) as ctx:
        assert memberships.report(ctx, first).terms.price == Decimal("49.00")
        assert memberships.get(ctx, first).plan_version == 1
        assert memberships.get(ctx, second).plan_version == 2
        assert memberships.report(ctx, second).terms.price == Decimal("59.00")


def test_an_unchanged_update_writes_no_version(shop: Shop) -> None:
    with shop.tx() as ctx:
        update_settings(ctx, plan_versioning=True)
        gold = plan_by_name(ctx, "Gold")
    sell(shop, gold.id)
    before = count(shop, PlanVersion)
    with shop.tx() as ctx:
        assert plans.update_plan(ctx, gold.id, gold.terms).version == 1
    assert count(shop, PlanVersion) == before


def test_clone_is_an_unsold_copy_under_a_new_name(shop: Shop) -> None:
    with shop.tx() as ctx:
        gold = with_services(ctx)
    sell(shop, gold.id)
    with shop.tx() as ctx:
        copy = plans.clone_plan(ctx, gold.id, "Gold 2026")
    assert copy.id != gold.id and copy.code == "GOLD-2026" and copy.memberships == 0
    assert replace(copy.terms, name="Gold") == gold.terms
    with pytest.raises(Conflict), shop.tx() as ctx:
        plans.clone_plan(ctx, gold.id, "gold")


def test_a_disabled_plan_is_not_sold_but_its_memberships_carry_on(shop: Shop) -> None:
    with shop.tx() as ctx:
        gold = plan_by_name(ctx, "Gold")
    sold = sell(shop, gold.id)
    with shop.tx() as ctx:
        plans.set_enabled(ctx, gold.id, False)
    with pytest.raises(Conflict, match="disabled"), shop.tx(STAFF) as ctx:
        memberships.assign(ctx, add_customer(ctx), gold.id, date(2025, 2, 1))
    with shop.tx(write=False) as ctx:
        assert memberships.get(ctx, sold).status.value == "active"
    with shop.tx() as ctx:
        plans.set_enabled(ctx, gold.id, True)
    with shop.tx(STAFF) as ctx:
        memberships.assign(ctx, add_customer(ctx), gold.id, date(2025, 2, 1))


def test_an_archived_plan_cannot_be_edited_or_enabled(shop: Shop) -> None:
    with shop.tx() as ctx:
        silver = plans.archive_plan(ctx, plan_by_name(ctx, "Silver").id)
    assert silver.archived and not silver.enabled
    with pytest.raises(Conflict, match="archived"), shop.tx() as ctx:
        plans.update_plan(ctx, silver.id, replace(silver.terms, price=Decimal(1)))
    with pytest.raises(Conflict, match="archived"), shop.tx() as ctx:
        plans.set_enabled(ctx, silver.id, True)
    with shop.tx(write=False) as ctx:
        assert "Silver" not in {p.name for p in plans.list_plans(ctx)}
        assert "Silver" in {p.name for p in plans.list_plans(ctx, include_archived=True)}


def test_recurring_services_are_checked_with_their_path(shop: Shop) -> None:
    with shop.tx() as ctx:
        job, filters, _ = templates(ctx)
        other_job = catalog.add_job_template(ctx, "Plumbing")
        gold = plan_by_name(ctx, "Gold")
    services = (
        RecurringService(other_job, filters, Weekly(1, (1,))),
        RecurringService(job, filters, Weekly(0, ())),
        RecurringService(job, 999_999, Weekly(1, (2,))),
    )
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plans.update_plan(ctx, gold.id, replace(gold.terms, services=services))
    fields = {e.field for e in raised.value.errors}
    assert {
        "recurring_services[0].task",
        "recurring_services[1].recurrence.interval",
        "recurring_services[1].recurrence.weekdays",
        "recurring_services[2].task",
    } <= fields


def test_versioning_off_new_services_reach_existing_memberships(shop: Shop) -> None:
    with shop.tx() as ctx:
        gold = with_services(ctx)
    sold = sell(shop, gold.id, start=date(2025, 1, 1))
    with shop.tx() as ctx:
        job, filters = gold.terms.services[0].job_template_id, gold.terms.services[0].task_template_id
        plans.update_plan(
            ctx,
            gold.id,
            replace(gold.terms, services=(RecurringService(job, filters, Weekly(1, (4,)), time(10, 0)),)),
        )
    with shop.tx(write=False) as ctx:
        upcoming = [v for v in visits.visits_of(ctx, sold) if v.due_on >= ctx.today()]
    assert upcoming and {v.due_on.weekday() for v in upcoming} == {4}


def test_plans_of_another_workspace_cannot_be_reached(shop: Shop) -> None:
    other = new_team()
    ensure_tenant(shop.db, shop.clock, other, admins=[ADMIN])
    with shop.tx() as ctx:
        gold_here = plan_by_name(ctx, "Gold").id
    with pytest.raises(NotFound), transaction_for(shop, other) as ctx:
        plans.get_plan(ctx, gold_here)
    with pytest.raises(NotFound), transaction_for(shop, other) as ctx:
        plans.update_plan(ctx, gold_here, PlanTerms(name="Hijacked", price=Decimal(1)))


def transaction_for(shop: Shop, team: str) -> AbstractContextManager[Ctx]:
    return transaction(shop.db, team, ADMIN, shop.clock)


def test_a_plan_sold_only_at_some_locations_needs_one_of_them(shop: Shop) -> None:
    with shop.tx() as ctx:
        north = catalog.add_location(ctx, "North")
        south = catalog.add_location(ctx, "South")
        gold = plan_by_name(ctx, "Gold")
        plans.update_plan(ctx, gold.id, replace(gold.terms, location_ids=(north,)))
    with pytest.raises(InvalidInput, match="some locations") as raised, shop.tx(STAFF) as ctx:
        memberships.assign(ctx, add_customer(ctx), gold.id, date(2025, 2, 1), location_id=south)
    assert raised.value.field == "location"
    with shop.tx(STAFF) as ctx:
        sold = memberships.assign(ctx, add_customer(ctx), gold.id, date(2025, 2, 1), location_id=north)
    assert sold.location == "North"
