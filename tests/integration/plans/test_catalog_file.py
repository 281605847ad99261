"""The YAML plan catalogue: exact round trip, every bad field reported by path, all or nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import yaml
from sqlalchemy import func

from core.catalog import services
from core.context import Ctx, transaction
from core.kernel.errors import InvalidInput, PermissionDenied
from core.memberships import service as memberships
from core.plans import catalog_file as plan_catalog
from core.plans import flows as plan_flows
from core.plans import service as plans
from core.workspace.flows import ensure_tenant
from storage.tables.catalog import JobTemplate
from storage.tables.plans import Plan
from tests.conftest import ADMIN, MANAGER, STAFF, Shop, new_team
from tests.integration.helpers import add_customer, with_services

CATALOGUE = """\
version: 1
plans:
- code: HVAC-PRO
  name: HVAC Pro
  description: Two visits a year and filters every other week
  enabled: true
  billing_type: yearly
  price: '349.00'
  setup_fee: '25.00'
  term_months: 24
  freeze_fee: '5.00'
  lock_in_months: 6
  locations:
  - Downtown
  - Riverside
  recurring_services:
  - job: HVAC maintenance
    task: Filter change
    at: '08:30'
    recurrence:
      kind: weekly
      interval: 2
      weekdays:
      - tue
      - thu
  - job: HVAC maintenance
    task: Tune-up
    at: '14:00'
    recurrence:
      kind: monthly
      day: last
      months:
      - mar
      - sep
  credits: null
"""


def fresh_shop(shop: Shop) -> Shop:
    team = new_team()
    ensure_tenant(shop.db, shop.clock, team, admins=[ADMIN])
    return Shop(shop.db, shop.clock, team)


def test_export_import_export_is_exact(shop: Shop) -> None:
    with shop.tx() as ctx:
        with_services(ctx, "Platinum")  # creates the job and tasks the catalogue names
        plan_catalog.import_plans(ctx, CATALOGUE)
        plans.set_enabled(ctx, next(p.id for p in plans.list_plans(ctx) if p.code == "SILVER"), False)
        exported = plan_catalog.export_plans(ctx)
    assert "HVAC-PRO" in exported and "enabled: false" in exported
    other = fresh_shop(shop)
    with other.tx() as ctx:
        result = plan_catalog.import_plans(ctx, exported)
        assert plan_catalog.export_plans(ctx) == exported
    assert result.created == ["HVAC-PRO"] and sorted(result.updated) == ["PLATINUM", "SILVER"]
    assert result.unchanged == ["GOLD"]


def test_the_documented_schema_imports_as_written(shop: Shop) -> None:
    with shop.tx() as ctx:
        plan_catalog.import_plans(ctx, CATALOGUE)
        pro = next(p for p in plans.list_plans(ctx) if p.code == "HVAC-PRO")
        exported = plan_catalog.export_plans(ctx)
    assert (pro.terms.billing_type, str(pro.terms.price), pro.terms.term_months) == ("yearly", "349.00", 24)
    assert [s.schedule for s in pro.services] == ["Every 2 weeks on Tue, Thu", pro.services[1].schedule]
    written = yaml.safe_load(CATALOGUE)["plans"][0]
    assert next(p for p in yaml.safe_load(exported)["plans"] if p["code"] == "HVAC-PRO") == written


def test_a_time_written_without_quotes_is_explained(shop: Shop) -> None:
    # YAML 1.1 reads 14:00 unquoted as the number 840.
    with pytest.raises(InvalidInput, match="in quotes") as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, CATALOGUE.replace("at: '14:00'", "at: 14:00"))
    assert raised.value.field == "plans[0].recurring_services[1].at"


def test_every_bad_field_is_reported_with_its_path_and_nothing_is_written(shop: Shop) -> None:
    bad = (
        CATALOGUE.replace("price: '349.00'", "price: 349.99")
        .replace("interval: 2", "interval: 0")
        .replace("billing_type: yearly", "billing_type: fortnightly")
        + "  colour: blue\n"
    )
    bad += "- code: OK\n  name: Fine plan\n  price: '10.00'\n"
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, bad)
    fields = {e.field for e in raised.value.errors}
    assert fields == {
        "plans[0].price",
        "plans[0].billing_type",
        "plans[0].colour",
        "plans[0].recurring_services[0].recurrence.interval",
    }
    with shop.tx(write=False) as ctx:
        assert {p.code for p in plans.list_plans(ctx)} == {"GOLD", "PLATINUM", "SILVER"}


def test_a_plan_refused_while_applying_rolls_back_the_whole_import(shop: Shop) -> None:
    with shop.tx() as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.code == "GOLD")
    with shop.tx(STAFF) as ctx:
        sold = memberships.assign(ctx, add_customer(ctx), gold.id, date(2025, 1, 1))
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, sold.id)
    catalogue = CATALOGUE + "- code: GOLD\n  name: Gold\n  price: '49.00'\n  billing_type: quarterly\n"
    catalogue += "- code: SILVER\n  name: Gold\n  price: '29.00'\n"
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, catalogue)
    messages = {e.field: e.message for e in raised.value.errors}
    assert set(messages) == {"plans[1].billing_type", "plans[2].name"}
    assert "Clone the plan" in messages["plans[1].billing_type"]
    with shop.tx(write=False) as ctx:
        count = ctx.uow.scalar(ctx.uow.select(Plan).with_only_columns(func.count()))
        jobs = ctx.uow.scalar(ctx.uow.select(JobTemplate).with_only_columns(func.count()))
    assert (count, jobs) == (3, 0)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("version: 2\nplans: []\n", "version"),
        ("plans: [\n", "file"),
        ("version: 1\nplans: {}\n", "plans"),
        (
            "version: 1\nplans:\n- code: A\n  name: A\n  price: '1'\n- code: a\n  name: B\n  price: '1'\n",
            "plans[1].code",
        ),
    ],
)
def test_malformed_files_are_explained(shop: Shop, text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, text)
    assert raised.value.errors[0].field == field


def test_only_admins_import(shop: Shop) -> None:
    with pytest.raises(PermissionDenied), transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
        plan_catalog.import_plans(ctx, CATALOGUE)


CREDITS = """\
version: 1
plans:
- code: SPA
  name: Spa Club
  price: '89.00'
  credits:
    kind: service
    per_period: '4'
    frequency: every-n-days
    every_days: 30
    expiry: days
    expiry_days: 45
    initial: '2'
    services: [Massage 30, Massage 60]
    equality_template: Massage minutes
    wait_days: 1
    max_per_redemption: '2'
    transferable: true
"""


def test_credit_terms_travel_in_the_catalogue_by_name(shop: Shop) -> None:
    for target in (shop, fresh_shop(shop)):
        with target.tx() as ctx:
            short = services.add_service(ctx, "Massage 30", "massage", 30)
            long = services.add_service(ctx, "Massage 60", "massage", 60)
            services.add_equality_template(ctx, "Massage minutes", {short.id: 1, long.id: 2})
    with shop.tx() as ctx:
        plan_catalog.import_plans(ctx, CREDITS)
        spa = next(p for p in plans.list_plans(ctx) if p.code == "SPA")
        exported = plan_catalog.export_plans(ctx)
    assert (
        spa.terms.credits is not None and spa.terms.credits.per_period == 4 and spa.terms.credits.transferable
    )
    other = fresh_shop(shop)
    with other.tx() as ctx:
        short = services.add_service(ctx, "Massage 30", "massage", 30)
        long = services.add_service(ctx, "Massage 60", "massage", 60)
        services.add_equality_template(ctx, "Massage minutes", {short.id: 1, long.id: 2})
        plan_catalog.import_plans(ctx, exported)
        assert plan_catalog.export_plans(ctx) == exported


def test_bad_credit_settings_are_reported_by_path(shop: Shop) -> None:
    bad = CREDITS.replace("per_period: '4'", "per_period: 4.5").replace("wait_days: 1", "wait_days: soon")
    bad = bad.replace("transferable: true", "transferable: yes please").replace(
        "kind: service", "colour: red"
    )
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, bad)
    assert {e.field for e in raised.value.errors} == {
        "plans[0].credits.per_period",
        "plans[0].credits.wait_days",
        "plans[0].credits.transferable",
        "plans[0].credits.colour",
        "plans[0].credits.kind",
    }
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, CREDITS)  # the template does not exist in this workspace
    assert raised.value.errors[0].field == "plans[0].credits.equality_template"


DISCOUNTS = """\
version: 1
plans:
- code: SPA
  name: Spa
  price: '60.00'
  discounts:
  - {applies_to: service, kind: percent, value: '10', services: [Massage 60], categories: [skin]}
  - {applies_to: product, kind: flat, value: '5', products: [lotion]}
"""


def test_discounts_travel_in_the_catalogue_by_service_name(shop: Shop) -> None:
    with shop.tx() as ctx:
        services.add_service(ctx, "Massage 60", "massage", 60)
        assert plan_catalog.import_plans(ctx, DISCOUNTS).created == ["SPA"]
        exported = plan_catalog.export_plans(ctx)
        assert plan_catalog.import_plans(ctx, exported).unchanged == ["GOLD", "PLATINUM", "SILVER", "SPA"]
    spa = next(p for p in yaml.safe_load(exported)["plans"] if p["code"] == "SPA")
    assert spa["discounts"] == [
        {
            "applies_to": "service",
            "kind": "percent",
            "value": "10",
            "services": ["Massage 60"],
            "categories": ["skin"],
        },
        {"applies_to": "product", "kind": "flat", "value": "5", "products": ["LOTION"]},
    ]
    assert "discounts" not in next(p for p in yaml.safe_load(exported)["plans"] if p["code"] == "GOLD")
    changed = exported.replace("value: '10'", "value: '15'")
    with shop.tx() as ctx:
        assert plan_catalog.import_plans(ctx, changed).updated == ["SPA"]


def test_bad_discounts_are_reported_by_path(shop: Shop) -> None:
    bad = DISCOUNTS.replace("value: '10'", "value: 10.5").replace("kind: flat", "kind: half, colour: red")
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, bad)
    assert {e.field for e in raised.value.errors} == {
        "plans[0].discounts[0].value",
        "plans[0].discounts[1].colour",
    }
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, DISCOUNTS.replace("kind: flat", "kind: half"))  # and no Massage 60
    assert {e.field for e in raised.value.errors} == {"plans[0].discounts.1.services"}


LOCATIONS = """\
version: 1
plans:
- code: SPA
  name: Spa
  price: '60.00'
  locations: [Downtown, Riverside]
  location_terms:
  - {location: Downtown, price: '65.00', setup_fee: '10.00', split: {irr: '10', mrr: '90', scr: '0'}}
  - {location: Riverside, split: {irr: '20', mrr: '80', scr: '0'}}
"""


def _spa_locations(ctx: Ctx) -> dict[str, tuple[object, ...]]:
    spa = next(p for p in plans.list_plans(ctx) if p.code == "SPA")
    return {t.name: (t.price, t.setup_fee, t.split) for t in plan_flows.plan_locations(ctx, spa.id)}


def test_location_prices_and_splits_travel_in_the_catalogue_by_location_name(shop: Shop) -> None:
    with shop.tx() as ctx:
        assert plan_catalog.import_plans(ctx, LOCATIONS).created == ["SPA"]
        assert _spa_locations(ctx) == {
            "Downtown": (D("65.00"), D("10.00"), (D("10.00"), D("90.00"), D("0.00"))),
            "Riverside": (None, None, (D("20.00"), D("80.00"), D("0.00"))),
        }
        exported = plan_catalog.export_plans(ctx)
        assert plan_catalog.import_plans(ctx, exported).unchanged == ["GOLD", "PLATINUM", "SILVER", "SPA"]
    spa = next(p for p in yaml.safe_load(exported)["plans"] if p["code"] == "SPA")
    assert spa["location_terms"] == [
        {
            "location": "Downtown",
            "price": "65.00",
            "setup_fee": "10.00",
            "split": {"irr": "10", "mrr": "90", "scr": "0"},
        },
        {"location": "Riverside", "split": {"irr": "20", "mrr": "80", "scr": "0"}},
    ]
    assert "location_terms" not in next(p for p in yaml.safe_load(exported)["plans"] if p["code"] == "GOLD")
    other = fresh_shop(shop)
    with other.tx() as ctx:
        plan_catalog.import_plans(ctx, exported)
        assert plan_catalog.export_plans(ctx) == exported


def test_a_location_left_out_goes_back_to_the_plans_own_price(shop: Shop) -> None:
    with shop.tx() as ctx:
        plan_catalog.import_plans(ctx, LOCATIONS)
    cheaper = LOCATIONS.replace("price: '65.00', setup_fee: '10.00', ", "")
    with shop.tx() as ctx:
        assert plan_catalog.import_plans(ctx, cheaper).updated == ["SPA"]
        assert _spa_locations(ctx)["Downtown"] == (None, None, (D("10.00"), D("90.00"), D("0.00")))


def test_bad_location_terms_are_reported_by_path_and_nothing_is_written(shop: Shop) -> None:
    bad = LOCATIONS.replace("price: '65.00'", "price: 65.5, colour: red").replace(
        "{location: Riverside,", "{location: downtown,"
    )
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, bad)
    assert {e.field for e in raised.value.errors} == {
        "plans[0].location_terms[0].price",
        "plans[0].location_terms[0].colour",
        "plans[0].location_terms[1].location",
    }
    uneven = LOCATIONS.replace("mrr: '80'", "mrr: '70'")
    with pytest.raises(InvalidInput, match="adding up to 100") as raised, shop.tx() as ctx:
        plan_catalog.import_plans(ctx, uneven)
    assert raised.value.field == "plans[0].location_terms.Riverside.split"
    with shop.tx() as ctx:
        assert "SPA" not in {p.code for p in plans.list_plans(ctx)}
