"""Prepaid cards at checkout, on every database: John's 300.00 of common-pool credit buys a 225.00
card (docs/credits.md's worked example, now sold at the counter); the card pays a later invoice
after his membership's credit; it shows in the balance and the credit report; posting twice sells
one card; an invoice whose card was used cannot be voided until the invoice it paid is; a card
never buys a card, and bad card lines are refused with nothing written."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.catalog import locations as catalog
from core.catalog import services
from core.checkout import benefit_terms, flows
from core.checkout import service as checkout
from core.checkout.benefit_terms import DiscountRule
from core.checkout.benefits import DiscountKind, ItemKind, Kind
from core.checkout.service import Invoice, Item
from core.credits import grants as credit_grants
from core.credits import ledger, reports
from core.credits.lots import Pool, Unit
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.errors import Conflict, InvalidInput
from core.plans import service as plans
from tests.conftest import MANAGER, STAFF, Shop
from tests.integration.checkout.test_service import available, rows
from tests.integration.credit_helpers import D, at, credit_plan, member
from tests.integration.helpers import plan_by_name


def john(shop: Shop) -> tuple[int, int, int]:
    """(customer, location, massage): 75.00 a month, all common pool, from 1 January to 30 April
    2024 — 300.00."""
    at(shop, date(2024, 1, 1))
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.MONETARY, per_period=D("75.00")))
    customer, _ = member(shop, plan, date(2024, 1, 1))
    for day in (date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1), date(2024, 4, 30)):
        at(shop, day)
        with shop.tx() as ctx:
            ledger.expire_due(ctx)
            credit_grants.grant_due(ctx)
    with shop.tx() as ctx:
        location = catalog.add_location(ctx, "Downtown")
        massage = services.add_service(ctx, "Massage 60", "massage", price=D("100.00")).id
    return customer, location, massage


def card_invoice(customer: int, location: int, value: str = "225.00", reference: str = "INV-1") -> Invoice:
    return Invoice(reference, customer, location, (Item(ItemKind.CARD, 1, D(value)),))


def post(shop: Shop, invoice: Invoice, key: str) -> checkout.Posted:
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, invoice)
    with shop.tx(STAFF) as ctx:
        return checkout.post(ctx, invoice, key=key, preview=shown)


def test_300_of_common_pool_credit_buys_a_225_card_that_pays_a_later_invoice(shop: Shop) -> None:
    customer, location, massage = john(shop)
    assert available(shop, customer) == {(Unit.MONEY, Pool.COMMON): D("300.00")}
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, card_invoice(customer, location))
    line = shown.lines[0]
    assert (line.line.name, line.line.gross, line.due) == ("Prepaid card", D("225.00"), D(0))
    # Three of the four monthly lots, oldest first, all from the common pool.
    assert [(a.kind, a.amount) for a in line.applied] == [(Kind.MONEY, D("75.00"))] * 3
    assert all("common pool" in a.rule for a in line.applied)
    sold = post(shop, card_invoice(customer, location), "pos-card")
    again = post(shop, card_invoice(customer, location), "pos-card")  # a retry sells no second card
    assert again.replayed and again.cards == sold.cards
    [card] = sold.cards
    assert (card.value, card.remaining) == (D("225.00"), D("225.00"))
    assert card.number.startswith("PC-")
    assert available(shop, customer) == {
        (Unit.MONEY, Pool.COMMON): D("75.00"),
        (Unit.MONEY, Pool.CARD): D("225.00"),
    }
    with shop.tx(STAFF, write=False) as ctx:
        scopes = ledger.balance(ctx, customer).by_scope
    assert scopes[(Unit.MONEY, f"services and products, on prepaid card {card.number}")] == D("225.00")

    # Later: a 100.00 massage at its catalogue price — the membership's 75.00 first, the card the rest.
    visit = Invoice("INV-2", customer, location, (Item(ItemKind.SERVICE, 1, None, service_id=massage),))
    paid = post(shop, visit, "pos-visit")
    applied = paid.breakdown.lines[0].applied
    assert [(a.kind, a.amount) for a in applied] == [(Kind.MONEY, D("75.00")), (Kind.CARD, D("25.00"))]
    assert applied[1].rule.startswith(f"{card.number} (lot #")
    assert paid.breakdown.due == 0
    assert available(shop, customer) == {(Unit.MONEY, Pool.CARD): D("200.00")}

    with shop.tx(STAFF, write=False) as ctx:
        report = reports.customer_report(ctx, customer)
    assert [(c.number, c.value, c.remaining) for c in report.cards] == [
        (card.number, D("225.00"), D("200.00"))
    ]
    sheet = load_workbook(io.BytesIO(reports.to_xlsx(report)))["Prepaid cards"]
    assert [c.value for c in sheet[2]][0::2] == [card.number, 225]
    assert [c.value for c in sheet[2]][3] == 200
    with shop.tx(MANAGER, write=False) as ctx:
        owed = reports.liability_report(ctx)
    assert (reports.PREPAID_CARDS, Unit.MONEY, D("200.00")) in [
        (r.group, r.unit, r.quantity) for r in owed.by_plan
    ]


def test_an_invoice_whose_card_was_used_is_voided_only_after_the_invoice_it_paid(shop: Shop) -> None:
    customer, location, massage = john(shop)
    sold = post(shop, card_invoice(customer, location, "300.00"), "pos-card")
    visit = Invoice(
        "INV-2", customer, location, (Item(ItemKind.SERVICE, 1, D("100.00"), service_id=massage),)
    )
    post(shop, visit, "pos-visit")
    before = rows(shop)
    with shop.tx(MANAGER) as ctx, pytest.raises(Conflict) as caught:
        checkout.void(ctx, "INV-1", "sold by mistake")
    assert f"sold {sold.cards[0].number}, which has been used since" in caught.value.message
    assert rows(shop) == before
    with shop.tx(MANAGER) as ctx:
        checkout.void(ctx, "INV-2", "wrong visit")
        voided = checkout.void(ctx, "INV-1", "sold by mistake")
    assert voided.status == "void" and voided.cards[0].remaining == 0  # the card is taken back
    assert available(shop, customer) == {(Unit.MONEY, Pool.COMMON): D("300.00")}  # the credit is back


def test_a_card_beyond_the_common_pool_is_paid_at_the_desk_and_no_share_or_card_buys_one(shop: Shop) -> None:
    customer, location, _ = john(shop)
    post(shop, card_invoice(customer, location, "250.00"), "pos-card")  # 50.00 of common pool left
    with shop.tx() as ctx:
        ledger.grant(ctx, customer, Unit.MONEY, D("40.00"), key="services-share", pool=Pool.SERVICES)
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, card_invoice(customer, location, "100.00", "INV-2"))
    assert shown.due == D("50.00")  # the common pool's 50.00; the rest at the desk
    assert (
        "Account credit 40.00 not usable: the services share granted by hand pays only for services; "
        "prepaid cards are bought from the common pool only." in shown.notes
    )
    assert any(n.startswith("Account credit 250.00 not usable: prepaid card PC-") for n in shown.notes)
    assert any("not for another prepaid card" in n for n in shown.notes)


def test_bad_card_lines_are_refused_and_write_nothing(shop: Shop) -> None:
    customer, location, _ = john(shop)
    before = rows(shop)
    bad = Invoice(
        "INV-1",
        customer,
        location,
        (
            Item(ItemKind.CARD, 1, None),
            Item(ItemKind.CARD, 1, D("0")),
            Item(ItemKind.CARD, 1, D(5), product="X"),
        ),
    )
    with shop.tx(STAFF) as ctx, pytest.raises(flows.InvalidLines) as caught:
        flows.preview(ctx, bad)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("lines.1.unit_price", "A prepaid card needs its value as its price, e.g. 225."),
        ("lines.2.unit_price", "A prepaid card is worth more than zero."),
        ("lines.3.kind", "A prepaid card line names no service or product."),
    ]
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput):
        checkout.post(
            ctx, bad, key="pos-bad", preview=checkout.preview(ctx, card_invoice(customer, location))
        )
    assert rows(shop) == before


def test_a_plan_gives_no_discount_on_prepaid_cards(shop: Shop) -> None:
    with shop.tx() as ctx:
        version = plans.get_plan(ctx, plan_by_name(ctx, "Silver").id).version_id  # sold to no one
        with pytest.raises(InvalidInput) as caught:
            benefit_terms.set_discounts(
                ctx, version, [DiscountRule(ItemKind.CARD, DiscountKind.PERCENT, D(10))]
            )
    assert caught.value.errors[0].field == "discounts.1.applies_to"


def test_a_card_line_is_typed_as_prepaid_card(shop: Shop) -> None:
    john(shop)
    with shop.tx(STAFF, write=False) as ctx:
        [item] = flows.items(ctx, [flows.Typed(1, Decimal("225"), "Prepaid  Card")])
    assert item == Item(ItemKind.CARD, 1, Decimal("225"))
