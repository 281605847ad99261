"""The plan form's steps beyond details, credits and services, over storage: discounts named by
service, category or product code and saved with the plan (every problem at once, by the form's
line), a sold plan's discount amounts changed but not their type; archiving a plan named."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from core.catalog import locations as catalog
from core.catalog import services
from core.checkout.benefits import DiscountKind, ItemKind
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.errors import Conflict, ImmutableField, InvalidInput, PermissionDenied
from core.memberships import service as memberships
from core.plans import flows
from core.plans import service as plans
from core.plans.flows import CreditsStep, DiscountLine, PlanEdit, Unmatched
from core.plans.service import PlanTerms
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import at, credit_plan, member
from tests.integration.helpers import add_customer

PERCENT, FLAT = DiscountKind.PERCENT, DiscountKind.FLAT
SERVICE, PRODUCT = ItemKind.SERVICE, ItemKind.PRODUCT


def spa(shop: Shop) -> None:
    with shop.tx() as ctx:
        services.add_service(ctx, "Massage", "body")
        services.add_service(ctx, "Facial", "skin")


def test_discounts_are_saved_with_a_new_plan_and_listed(shop: Shop) -> None:
    spa(shop)
    lines = (
        DiscountLine(SERVICE, PERCENT, Decimal(10), ("massage", "Skin")),
        DiscountLine(SERVICE, PERCENT, None),  # a line left empty
        DiscountLine(PRODUCT, FLAT, Decimal(5), ("lotion",)),
    )
    with shop.tx(ADMIN) as ctx:
        saved = flows.save_plan_with_discounts(
            ctx, None, PlanEdit(PlanTerms(name="Spa", price=Decimal(60))), lines
        )
        assert flows.plan_discounts(ctx, saved.id) == (
            DiscountLine(SERVICE, PERCENT, Decimal("10.00"), ("Massage", "skin")),
            DiscountLine(PRODUCT, FLAT, Decimal("5.00"), ("LOTION",)),
        )
    with shop.tx(STAFF, write=False) as ctx:
        listed = flows.plan_list_with_discounts(ctx)
    assert [(d.kind, d.on) for d in listed.discounts[saved.id]] == [
        (PERCENT, ("Massage", "skin")),
        (FLAT, ("LOTION",)),
    ]


def test_bad_discounts_are_reported_at_once_by_line_and_nothing_is_written(shop: Shop) -> None:
    spa(shop)
    lines = (
        DiscountLine(SERVICE, PERCENT, None),
        DiscountLine(SERVICE, PERCENT, Decimal(120), ("Sauna",)),
        DiscountLine(PRODUCT, FLAT, Decimal(0)),
    )
    with pytest.raises(InvalidInput) as caught, shop.tx(ADMIN) as ctx:  # rolled back
        flows.check_plan_with_discounts(ctx, None, PlanEdit(PlanTerms(name="Spa", price=Decimal(60))), lines)
    assert [e.field for e in caught.value.errors] == [
        "discounts.2.names",
        "discounts.2.value",
        "discounts.3.value",
    ]
    with shop.tx(ADMIN, write=False) as ctx:
        assert isinstance(flows.one_plan(ctx, "Spa"), Unmatched)


def test_a_sold_plan_keeps_each_discounts_type_and_changes_its_amount(shop: Shop) -> None:
    spa(shop)
    at(shop, date(2025, 1, 15))
    plan_id = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(1)), name="Gold")
    with shop.tx(ADMIN) as ctx:
        edit = PlanEdit(plans.get_plan(ctx, plan_id).terms)
        flows.save_plan_with_discounts(ctx, plan_id, edit, (DiscountLine(SERVICE, PERCENT, Decimal(10)),))
    member(shop, plan_id, date(2025, 1, 15))
    with pytest.raises(ImmutableField) as refused, shop.tx(ADMIN) as ctx:
        flows.save_plan_with_discounts(ctx, plan_id, edit, (DiscountLine(SERVICE, FLAT, Decimal(10)),))
    assert refused.value.field == "discounts"
    with shop.tx(ADMIN) as ctx:
        flows.save_plan_with_discounts(ctx, plan_id, edit, (DiscountLine(SERVICE, PERCENT, Decimal(15)),))
        assert flows.plan_discounts(ctx, plan_id) == (DiscountLine(SERVICE, PERCENT, Decimal("15.00"), ()),)
        kept = flows.save_plan_with_discounts(ctx, plan_id, edit, None)  # the step not filled
        assert flows.plan_discounts(ctx, kept.id)[0].value == Decimal("15.00")


def test_archiving_a_plan_named_retires_it_for_good(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied):
        flows.archive_plan(ctx, "silver")
    with shop.tx(ADMIN) as ctx:
        archived = flows.archive_plan(ctx, "silver")
        assert isinstance(archived, plans.PlanView) and archived.archived and not archived.enabled
        assert flows.archive_plan(ctx, "bronze") == Unmatched("bronze", [])
        assert isinstance(flows.enable_plan(ctx, "silver", True), Unmatched)  # no longer found
    with shop.tx(ADMIN) as ctx, pytest.raises(Conflict):
        plans.set_enabled(ctx, archived.id, True)


def test_locations_terms_are_checked_all_at_once_then_saved_and_opened_again(shop: Shop) -> None:
    with shop.tx() as ctx:
        north, south = catalog.add_location(ctx, "North"), catalog.add_location(ctx, "South")
    edit = PlanEdit(PlanTerms(name="Spa", price=Decimal(50)))
    bad = (
        flows.LocationLine(north, price=Decimal("-1"), split=(Decimal(50), Decimal(50), Decimal(0))),
        flows.LocationLine(south, split=(Decimal(30), Decimal(30), Decimal(30))),
    )
    with pytest.raises(InvalidInput) as caught, shop.tx(ADMIN) as ctx:
        flows.save_plan_with_discounts(ctx, None, edit, None, bad)
    assert [e.field for e in caught.value.errors] == [f"locations.{north}.price", f"locations.{south}.split"]
    good = (
        flows.LocationLine(
            north, price=Decimal(80), setup_fee=Decimal(5), split=(Decimal(25), Decimal(75), Decimal(0))
        ),
    )
    with shop.tx(ADMIN) as ctx:
        saved = flows.save_plan_with_discounts(ctx, None, edit, None, good)
        opened = {t.name: t for t in flows.plan_locations(ctx, saved.id)}
    assert (opened["North"].price, opened["North"].setup_fee) == (Decimal("80.00"), Decimal("5.00"))
    assert opened["North"].split == (Decimal("25.00"), Decimal("75.00"), Decimal("0.00"))
    assert (opened["South"].price, opened["South"].split) == (None, None)


def test_a_location_split_sold_there_is_refused_under_its_field_but_its_price_changes(shop: Shop) -> None:
    with shop.tx() as ctx:
        north = catalog.add_location(ctx, "North")
    at(shop, date(2025, 1, 15))
    plan_id = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(1)), name="Gold")
    half = (Decimal(50), Decimal(50), Decimal(0))
    with shop.tx(ADMIN) as ctx:
        flows.set_plan_locations(ctx, plan_id, (flows.LocationLine(north, split=half),))
    with shop.tx(STAFF) as ctx:  # sold at North
        customer = add_customer(ctx, company="North Co")
        sold = memberships.assign(ctx, customer, plan_id, date(2025, 1, 15), location_id=north)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, sold.id)
    with pytest.raises(InvalidInput) as caught, shop.tx(ADMIN) as ctx:
        flows.set_plan_locations(
            ctx, plan_id, (flows.LocationLine(north, split=(Decimal(0), Decimal(100), Decimal(0))),)
        )
    assert [e.field for e in caught.value.errors] == [f"locations.{north}.split"]
    assert "cannot change" in caught.value.errors[0].message
    with shop.tx(ADMIN) as ctx:
        flows.set_plan_locations(ctx, plan_id, (flows.LocationLine(north, price=Decimal(55)),))
        assert flows.plan_locations(ctx, plan_id)[0].price == Decimal("55.00")


def test_the_credits_step_names_services_and_categories_and_may_leave_a_plan_unlimited(shop: Shop) -> None:
    spa(shop)
    typed = CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4))
    edit = PlanEdit(PlanTerms(name="Spa", price=Decimal(60)), credits=CreditsStep(typed, good_for=("Sauna",)))
    with pytest.raises(InvalidInput) as caught, shop.tx(ADMIN) as ctx:
        flows.save_plan(ctx, None, edit)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("credits.services", "There is no service or service category named “Sauna”.")
    ]
    with shop.tx(ADMIN) as ctx:
        massage = services.find_service(ctx, "Massage")
        assert massage is not None
        saved = flows.save_plan(
            ctx, None, replace(edit, credits=CreditsStep(typed, good_for=("massage", "SKIN")))
        )
        assert saved.terms.credits is not None
        assert (saved.terms.credits.services, saved.terms.credits.categories) == ((massage.id,), ("skin",))
        unlimited = flows.save_plan(ctx, saved.id, replace(edit, credits=CreditsStep(None)))
        assert unlimited.terms.credits is None
    at(shop, date(2025, 1, 15))
    gold = credit_plan(shop, typed, name="Gold")
    member(shop, gold, date(2025, 1, 15))
    with pytest.raises(ImmutableField) as refused, shop.tx(ADMIN) as ctx:  # sold: credits stay
        flows.save_plan(ctx, gold, PlanEdit(plans.get_plan(ctx, gold).terms, credits=CreditsStep(None)))
    assert "cannot change" in refused.value.message


def test_where_a_plan_is_sold_changes_for_the_locations_shown_only(shop: Shop) -> None:
    with shop.tx() as ctx:
        north, south, east = (catalog.add_location(ctx, n) for n in ("North", "South", "East"))
    edit = PlanEdit(PlanTerms(name="Spa", price=Decimal(50)), sold_at=flows.SoldAt((north,), (north, south)))
    with shop.tx(ADMIN) as ctx:
        made = flows.save_plan(ctx, None, edit)
        assert made.terms.location_ids == (north,)
        plans.update_plan(ctx, made.id, replace(made.terms, location_ids=(north, east)))
        # East was not shown: it keeps selling the plan; South is ticked now, North no longer.
        moved = flows.save_plan(ctx, made.id, replace(edit, sold_at=flows.SoldAt((south,), (north, south))))
        assert moved.terms.location_ids == (south, east)
        assert (
            flows.save_plan(ctx, made.id, replace(edit, sold_at=flows.SoldAt(None))).terms.location_ids
            is None
        )
        kept = flows.save_plan(ctx, made.id, PlanEdit(edit.terms))  # the step not filled
        assert kept.terms.location_ids is None


def test_a_product_discount_names_product_codes_or_the_catalogues_product_categories(shop: Shop) -> None:
    with shop.tx() as ctx:
        services.create_service(
            ctx,
            services.ServiceInput("Lotion", services.ServiceKind.PRODUCT, category="Skincare", price="25"),
        )
    lines = (DiscountLine(PRODUCT, PERCENT, Decimal(10), ("skincare", "candle-01")),)
    with shop.tx(ADMIN) as ctx:
        saved = flows.save_plan_with_discounts(
            ctx, None, PlanEdit(PlanTerms(name="Glow", price=Decimal(60))), lines
        )
        assert flows.plan_discounts(ctx, saved.id) == (
            DiscountLine(PRODUCT, PERCENT, Decimal("10.00"), ("Skincare", "CANDLE-01")),
        )
