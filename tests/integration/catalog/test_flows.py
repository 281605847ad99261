"""The catalogue's flows: services and products with prices, disable/enable by name, a location's
own price, equality templates created and edited, and the templates travelling through the YAML."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.catalog import flows, services
from core.catalog import locations as catalog
from core.catalog.services import ServiceInput, ServiceKind
from core.checkout import flows as checkout
from core.checkout.benefits import ItemKind
from core.kernel.errors import Conflict, InvalidInput, PermissionDenied
from core.plans import catalog_file
from storage.tables.catalog import Service
from tests.conftest import STAFF, Shop
from tests.integration.plans.test_catalog_file import CREDITS, fresh_shop


def test_services_and_products_are_listed_with_their_prices(shop: Shop) -> None:
    with shop.tx() as ctx:
        flows.new_service(ctx, ServiceInput("Massage 60", "service", "Massage", "100", "60"))
        flows.new_service(ctx, ServiceInput("Oil", ServiceKind.PRODUCT, "Retail", "18.5"))
        downtown = catalog.add_location(ctx, "Downtown")
        done = flows.price_at(ctx, "massage", "downtown", "110")
        listed = flows.catalog_list(ctx)
    assert isinstance(done, flows.Priced) and (done.location, done.price) == ("Downtown", Decimal("110.00"))
    assert done.service.location_prices == (("Downtown", Decimal("110.00")),)
    assert [(s.name, s.kind, s.price, s.duration_minutes) for s in listed.services] == [
        ("Massage 60", ServiceKind.SERVICE, Decimal("100.00"), 60),
        ("Oil", ServiceKind.PRODUCT, Decimal("18.50"), None),
    ]
    assert listed.currency == "USD" and downtown


def test_every_bad_field_is_reported_at_once_and_nothing_is_written(shop: Shop) -> None:
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        flows.new_service(ctx, ServiceInput("", "gift", "", "ten", "a while"))
    assert {e.field for e in raised.value.errors} == {"name", "kind", "price", "duration_minutes"}
    with shop.tx() as ctx:
        assert ctx.uow.all(ctx.uow.select(Service)) == []


def test_edit_disable_and_enable_by_name(shop: Shop) -> None:
    with shop.tx() as ctx:
        made = flows.new_service(ctx, ServiceInput("Facial", price="80", duration_minutes=45)).service
        flows.new_service(ctx, ServiceInput("Manicure"))
        edited = flows.edit_service(
            ctx, made.id, ServiceInput("Facial deluxe", category="Skin", price="95")
        ).service
        with pytest.raises(Conflict):
            flows.edit_service(ctx, made.id, ServiceInput("manicure"))
        off = flows.enable_service(ctx, "deluxe", False)
        several = flows.enable_service(ctx, "a", True)
    assert (edited.name, edited.category, edited.price, edited.duration_minutes) == (
        "Facial deluxe",
        "Skin",
        Decimal("95.00"),
        None,
    )
    assert isinstance(off, services.ServiceView) and not off.active
    assert several == flows.Unmatched("a", ["Facial deluxe", "Manicure"])


def test_only_admins_configure_the_catalogue(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        with pytest.raises(PermissionDenied):
            flows.new_service(ctx, ServiceInput("Facial"))
        with pytest.raises(PermissionDenied):
            flows.template_form(ctx, None)
        assert flows.catalog_list(ctx).services == []  # everyone may read it


def test_a_catalogue_product_is_a_product_line_at_checkout(shop: Shop) -> None:
    with shop.tx() as ctx:
        flows.new_service(ctx, ServiceInput("Candle", "product", price="12"))
        flows.new_service(ctx, ServiceInput("Massage 60", price="100"))
        found = checkout.items(
            ctx, [checkout.Typed(1, Decimal(12), "candle"), checkout.Typed(1, Decimal(100), "Massage 60")]
        )
    assert [(i.kind, i.product) for i in found if i is not None] == [
        (ItemKind.PRODUCT, "Candle"),
        (ItemKind.SERVICE, ""),
    ]


def test_templates_are_created_edited_and_listed(shop: Shop) -> None:
    with shop.tx() as ctx:
        short = flows.new_service(ctx, ServiceInput("Massage 30", duration_minutes="30")).service
        long = flows.new_service(ctx, ServiceInput("Massage 60", duration_minutes="60")).service
        made = flows.save_template(ctx, None, "Massage minutes", {short.id: "1", long.id: "2"})
        form = flows.template_form(ctx, "minutes")
        edited = flows.save_template(ctx, made.id, "Massage time", {short.id: "1", long.id: ""})
        listed = flows.catalog_list(ctx).templates
    assert made.costs == ((short.id, "Massage 30", 1), (long.id, "Massage 60", 2))
    assert isinstance(form, flows.TemplateForm) and form.template == made
    assert listed == [edited] and edited.costs == ((short.id, "Massage 30", 1),)


def test_bad_template_costs_are_reported_per_service_and_nothing_is_written(shop: Shop) -> None:
    with shop.tx() as ctx:
        short = flows.new_service(ctx, ServiceInput("Massage 30")).service
        long = flows.new_service(ctx, ServiceInput("Massage 60")).service
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        flows.save_template(ctx, None, "", {short.id: "two", long.id: "500"})
    assert {e.field for e in raised.value.errors} == {"name", f"costs.{short.id}", f"costs.{long.id}"}
    with shop.tx() as ctx:
        assert flows.catalog_list(ctx).templates == []


def test_a_template_made_here_is_found_by_plans_import_and_travels_in_the_yaml(shop: Shop) -> None:
    with shop.tx() as ctx:
        short = flows.new_service(ctx, ServiceInput("Massage 30", duration_minutes=30)).service
        long = flows.new_service(ctx, ServiceInput("Massage 60", duration_minutes=60)).service
        flows.save_template(ctx, None, "Massage minutes", {short.id: "1", long.id: "2"})
        catalog_file.import_plans(ctx, CREDITS)  # its credits name the template
        exported = catalog_file.export_plans(ctx)
    assert (
        "equality_templates:\n- name: Massage minutes\n  services:\n    Massage 30: 1\n    Massage 60: 2\n"
        in (exported)
    )
    other = fresh_shop(shop)
    with other.tx() as ctx:
        result = catalog_file.import_plans(ctx, exported)  # services and template created from the file
        assert result.templates == ["Massage minutes"] and result.created == ["SPA"]
        assert catalog_file.export_plans(ctx) == exported
        assert catalog_file.import_plans(ctx, exported).templates == []  # unchanged the second time


def test_bad_templates_in_the_yaml_are_reported_by_path(shop: Shop) -> None:
    bad = "version: 1\nplans: []\nequality_templates:\n- name: X\n  services: {Massage: lots}\n- oops\n"
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        catalog_file.import_plans(ctx, bad)
    assert {e.field for e in raised.value.errors} == {
        "equality_templates[0].services",
        "equality_templates[1]",
    }
