"""Checkout's flows over storage: lines typed become services or product codes, the location is
the one named or else the customer's own or the only one, posting compares the preview shown with
what posting would do now (what changed is said, nothing written), a replay answers as the first
post did, and a refused preview says which line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.catalog import locations as catalog
from core.checkout import flows
from core.checkout.benefits import ItemKind, Order
from core.checkout.service import Invoice, Item
from core.credits import ledger
from core.kernel.errors import PermissionDenied
from tests.conftest import STAFF, Shop
from tests.integration.checkout.test_service import counter, invoice, rows


def test_a_line_is_the_service_of_its_name_else_a_one_word_product_code(shop: Shop) -> None:
    c = counter(shop)
    typed = [
        flows.Typed(2, Decimal(100), "massage 60"),
        flows.Typed(1, Decimal(25), "LOTION"),
        flows.Typed(1, Decimal(5), "hot stones"),
    ]
    with shop.tx(STAFF, write=False) as ctx:
        assert flows.items(ctx, typed) == [
            Item(ItemKind.SERVICE, 2, Decimal(100), service_id=c.massage),
            Item(ItemKind.PRODUCT, 1, Decimal(25), product="LOTION"),
            None,
        ]


def test_the_location_is_the_one_named_else_the_customers_own_else_the_only_one(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF, write=False) as ctx:
        assert flows.choose_location(ctx, " downtown ", "") == c.location
        assert flows.choose_location(ctx, "Uptown", "") == flows.NoLocation("Uptown", ["Downtown"])
        assert flows.choose_location(ctx, None, "") == c.location  # the only one
    with shop.tx() as ctx:
        uptown = catalog.add_location(ctx, "Uptown")
    with shop.tx(STAFF, write=False) as ctx:
        assert flows.choose_location(ctx, None, "Uptown") == uptown  # the customer's own
        assert flows.choose_location(ctx, None, "") == flows.NoLocation(None, ["Downtown", "Uptown"])


def test_posting_says_what_changed_since_the_preview_and_writes_nothing(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF, write=False) as ctx:
        shown = flows.preview(ctx, invoice(c))
    assert (shown.customer, shown.location, shown.currency) == (
        "Customer 2025-01-01 (Ann Lee)",
        "Downtown",
        "USD",
    )
    seen = flows.fingerprint(shown.breakdown)
    with shop.tx(STAFF) as ctx:  # another desk uses one of the credits meanwhile
        ledger.redeem(ctx, c.customer, Decimal(1), key="other-desk")
    before = rows(shop)
    with shop.tx(STAFF) as ctx:
        stale = flows.post(ctx, invoice(c), key="pos-1", seen=seen)
        fewer = flows.post(ctx, invoice(c), key="pos-1", seen=seen[1:])
    assert isinstance(stale, flows.Stale) and stale.change == flows.Change(line=(1, "Massage 60"))
    assert stale.preview.breakdown.lines[0].applied[0].units == 1  # previewed afresh
    assert isinstance(fewer, flows.Stale) and fewer.change == flows.Change(lines=True)
    assert rows(shop) == before
    fresh = flows.fingerprint(stale.preview.breakdown)
    with shop.tx(STAFF) as ctx:
        done = flows.post(ctx, invoice(c), key="pos-1", seen=fresh)
    with shop.tx(STAFF) as ctx:  # pressed again, with the preview it was posted from
        again = flows.post(ctx, invoice(c), key="pos-1", seen=seen)
    assert isinstance(done, flows.PostedInvoice) and isinstance(again, flows.PostedInvoice)
    assert not done.posted.replayed and again.posted.replayed
    assert again.posted.breakdown == done.posted.breakdown


def test_a_refused_preview_names_its_lines(shop: Shop) -> None:
    c = counter(shop)
    bad = Invoice("INV-1", c.customer, c.location, (Item(ItemKind.SERVICE, 0, Decimal(1)),))
    with shop.tx(STAFF, write=False) as ctx, pytest.raises(flows.InvalidLines) as caught:
        flows.preview(ctx, bad)
    assert all(e.field.startswith("lines.1") for e in caught.value.errors)


def test_an_invoice_is_found_by_its_number_in_any_case_and_voided_by_managers(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx:
        shown = flows.preview(ctx, invoice(c))
        flows.post(ctx, invoice(c), key="pos-1", seen=flows.fingerprint(shown.breakdown))
    with shop.tx(STAFF, write=False) as ctx:
        assert flows.show(ctx, "inv-1").posted.reference == "INV-1"
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied):
        flows.void(ctx, "inv-1", "wrong customer")
    with shop.tx() as ctx:
        assert flows.void(ctx, "inv-1", "wrong customer").status == "void"


def test_the_order_of_benefits_is_set_where_the_location_is_one(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied):
        flows.set_order(ctx, "Downtown", "manual")
    with shop.tx() as ctx:
        assert flows.set_order(ctx, "Uptown", "manual") == flows.NoLocation("Uptown", ["Downtown"])
        assert flows.set_order(ctx, "downtown", "manual") == flows.OrderSet("Downtown", Order.MANUAL)
    with shop.tx(STAFF, write=False) as ctx:
        assert flows.preview(ctx, invoice(c)).breakdown.order is Order.MANUAL
