"""Checkout and the catalogue, on every database: a line without a price takes the location's own
price, else the list price, and a line with no price anywhere is refused by its number; a disabled
service or product is not sold (nothing written); and the preview says why account credit the
member holds pays nothing of what is due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.catalog import locations as catalog
from core.catalog import services
from core.checkout import benefit_terms, flows
from core.checkout import service as checkout
from core.checkout.benefit_terms import DiscountRule
from core.checkout.benefits import DiscountKind, ItemKind, Kind
from core.checkout.service import Invoice, Item
from core.credits import ledger
from core.credits.lots import Pool, Unit
from core.kernel.errors import InvalidInput
from core.plans import service as plans
from core.plans.service import PlanTerms
from tests.conftest import STAFF, Shop
from tests.integration.checkout.test_service import START, counter, rows
from tests.integration.credit_helpers import D, member


def test_a_line_without_a_price_takes_the_locations_price_else_the_list_price(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx() as ctx:
        uptown = catalog.add_location(ctx, "Uptown")
        services.update_service(
            ctx, c.massage, services.ServiceInput("Massage 60", category="massage", price="100")
        )
        services.set_location_price(ctx, c.massage, c.location, "110")
        oil = services.create_service(
            ctx, services.ServiceInput("Oil", services.ServiceKind.PRODUCT, price="18")
        )
        services.set_location_price(ctx, oil.id, uptown, "20")
    lines = (
        Item(ItemKind.SERVICE, 1, None, service_id=c.massage),
        Item(ItemKind.PRODUCT, 2, None, product="oil"),
    )
    with shop.tx(STAFF, write=False) as ctx:
        here = flows.preview(ctx, Invoice("INV-1", c.customer, c.location, lines))
        there = flows.preview(ctx, Invoice("INV-2", c.customer, uptown, lines))
        typed = flows.preview(
            ctx,
            Invoice("INV-3", c.customer, uptown, (Item(ItemKind.SERVICE, 1, D(90), service_id=c.massage),)),
        )
    assert [r.line.unit_price for r in here.breakdown.lines] == [D("110.00"), D("18.00")]
    assert [r.line.unit_price for r in there.breakdown.lines] == [D("100.00"), D("20.00")]
    assert [i.unit_price for i in there.invoice.items] == [D("100.00"), D("20.00")]  # what Post posts
    assert typed.breakdown.lines[0].line.unit_price == D("90.00")  # a price typed wins


def test_a_line_with_no_price_anywhere_is_refused_by_its_number_and_nothing_is_written(shop: Shop) -> None:
    c = counter(shop)  # its Facial has no list price
    before = rows(shop)
    bad = Invoice(
        "INV-1",
        c.customer,
        c.location,
        (
            Item(ItemKind.SERVICE, 1, D(100), service_id=c.massage),
            Item(ItemKind.SERVICE, 1, None, service_id=c.facial),
            Item(ItemKind.PRODUCT, 1, None, product="lotion"),
        ),
    )
    with shop.tx(STAFF) as ctx, pytest.raises(flows.InvalidLines) as caught:
        flows.preview(ctx, bad)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("lines.2.unit_price", "Facial has no price here nor in the catalogue: give its price."),
        ("lines.3.unit_price", "LOTION has no price here nor in the catalogue: give its price."),
    ]
    assert rows(shop) == before


def test_a_disabled_service_or_product_is_not_sold_and_nothing_is_written(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx() as ctx:
        services.set_service_active(ctx, c.massage, False)
        candle = services.create_service(
            ctx, services.ServiceInput("Candle", services.ServiceKind.PRODUCT, active=False)
        )
    good = Invoice("INV-0", c.customer, c.location, (Item(ItemKind.SERVICE, 1, D(80), service_id=c.facial),))
    with shop.tx(STAFF) as ctx:
        preview = checkout.preview(ctx, good)
    before = rows(shop)
    bad = Invoice(
        "INV-1",
        c.customer,
        c.location,
        (
            Item(ItemKind.SERVICE, 1, D(100), service_id=c.massage),
            Item(ItemKind.PRODUCT, 1, D(12), product=candle.name),
        ),
    )
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput) as caught:
        checkout.post(ctx, bad, key="pos-1", preview=preview)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("lines.1.service", "Massage 60 is disabled in the catalogue: it cannot be sold."),
        ("lines.2.service", "Candle is disabled in the catalogue: it cannot be sold."),
    ]
    assert rows(shop) == before


def test_the_preview_says_why_account_credit_pays_nothing(shop: Shop) -> None:
    """Silver: 30.00 for services and 50.00 common, at most 60.00 an invoice."""
    c = counter(shop)
    lotion = (Item(ItemKind.PRODUCT, 1, D(100), product="lotion"),)
    with shop.tx() as ctx:
        ledger.grant(
            ctx,
            c.customer,
            Unit.MONEY,
            D("40.00"),
            key="later",
            pool=Pool.COMMON,
            usable_from=ctx.now() + timedelta(days=10),
        )
    with shop.tx(STAFF, write=False) as ctx:
        products = checkout.preview(ctx, Invoice("INV-1", c.customer, c.location, lotion))
        kept = checkout.preview(
            ctx, Invoice("INV-2", c.customer, c.location, lotion, use_monetary_credit=False)
        )
        worked = checkout.preview(
            ctx,
            Invoice(
                "INV-3", c.customer, c.location, (Item(ItemKind.SERVICE, 3, D(100), service_id=c.massage),)
            ),
        )
    silver = f"M-{c.silver} Silver"
    assert products.due == D("40.00")  # 10% off, then the common pool's 50.00
    assert products.notes == (
        "Account credit 40.00 not usable: usable from Sat 25 Jan 2025.",
        f"Account credit 30.00 not usable: {silver}'s services share pays only for services.",
    )
    assert f"Account credit 80.00 not usable: {silver}, the member keeps it for later." in kept.notes
    assert (
        f"Account credit 20.00 not usable: {silver} gives at most 60.00 an invoice, reached on this one."
        in (worked.notes)
    )
    nothing_due = Invoice(
        "INV-4", c.customer, c.location, (Item(ItemKind.PRODUCT, 1, D(10), product="lotion"),)
    )
    with shop.tx(STAFF, write=False) as ctx:
        paid = checkout.preview(ctx, nothing_due)
    assert paid.due == 0 and paid.notes == ()  # nothing left to pay: nothing to explain


def test_a_plan_discount_on_a_product_category_applies_to_the_catalogues_products_in_it(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx() as ctx:
        for name, category, price in (("Lotion", "Skincare", "25"), ("Candle", "Home", "12")):
            services.create_service(
                ctx, services.ServiceInput(name, services.ServiceKind.PRODUCT, category=category, price=price)
            )
        glow = plans.create_plan(ctx, PlanTerms(name="Glow", price=D(60)))
        benefit_terms.set_discounts(
            ctx,
            glow.version_id,
            [DiscountRule(ItemKind.PRODUCT, DiscountKind.PERCENT, D(20), categories=("Skincare",))],
        )
    member(shop, glow.id, START, customer=c.customer)
    lines = (
        Item(ItemKind.PRODUCT, 1, None, product="lotion"),
        Item(ItemKind.PRODUCT, 1, None, product="candle"),
    )
    with shop.tx(STAFF, write=False) as ctx:
        shown = flows.preview(ctx, Invoice("INV-9", c.customer, c.location, lines))
    off = {r.line.name: r.total(Kind.DISCOUNT) for r in shown.breakdown.lines}
    # Skincare's 20% beats Gold's 10% off every product on the lotion; the candle has only Gold's.
    assert off == {"LOTION": D("5.00"), "CANDLE": D("1.20")}
