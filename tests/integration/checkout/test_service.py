"""Checkout over storage, on every database: previews write nothing, posting happens once under
retries and refuses a stale preview, voiding restores credits, points are earned and converted,
permissions hold, and bad input is refused with field errors."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy import func

from core.billing import service as billing
from core.catalog import locations as catalog
from core.catalog import services
from core.checkout import benefit_terms
from core.checkout import service as checkout
from core.checkout.benefit_terms import DiscountRule
from core.checkout.benefits import Choice, DiscountKind, ItemKind, Kind, Order
from core.checkout.service import Invoice, Item, StalePreview
from core.context import transaction
from core.credits import grants as credit_grants
from core.credits import ledger
from core.credits.lots import Pool, Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.kernel.errors import Conflict, ImmutableField, InvalidInput, PermissionDenied
from core.memberships import service as memberships
from core.plans import carry_over
from core.plans import service as plans
from storage.tables.checkout import CheckoutInvoice, RemovedDiscount
from storage.tables.credits import CreditLot, LedgerEntry, LedgerOperation
from tests.conftest import MANAGER, NOBODY, SPECIALIST, STAFF, Shop
from tests.integration.credit_helpers import D, credit_plan, member
from tests.integration.helpers import add_customer
from tests.integration.threads import race

START = date(2025, 1, 1)  # the clock stands at 15 January 2025


@dataclass
class Counter:
    """A customer with three memberships — Gold (2 service credits expiring after 20 days, 20% off
    services, 10% off products), Silver (80.00 of monetary credit a month, 30.00 of it for services,
    at most 60.00 an invoice) and Platinum (1 point per 1.00 paid, 0.05 a point) — at a location."""

    customer: int
    location: int
    massage: int
    facial: int
    gold: int
    silver: int
    platinum: int
    services_20: int
    products_10: int


def counter(shop: Shop) -> Counter:
    with shop.tx() as ctx:
        massage = services.add_service(ctx, "Massage 60", "massage").id
        facial = services.add_service(ctx, "Facial", "facial").id
        location = catalog.add_location(ctx, "Downtown")
    gold_plan = credit_plan(
        shop,
        CreditTerms(kind=CreditKind.SERVICE, initial=D(2), expiry=Expiry.DAYS, expiry_days=20),
        name="Gold",
    )
    silver_plan = credit_plan(
        shop,
        CreditTerms(
            kind=CreditKind.MONETARY,
            per_period=D("80.00"),
            for_services=D("30.00"),
            max_per_redemption=D("60.00"),
        ),
        name="Silver",
    )
    platinum_plan = credit_plan(
        shop,
        CreditTerms(kind=CreditKind.POINTS, points_per_unit=D(1), point_value=D("0.05")),
        name="Platinum",
    )
    with shop.tx() as ctx:
        version = plans.get_plan(ctx, gold_plan).version_id
        services_20, products_10 = benefit_terms.set_discounts(
            ctx,
            version,
            [
                DiscountRule(ItemKind.SERVICE, DiscountKind.PERCENT, D(20)),
                DiscountRule(ItemKind.PRODUCT, DiscountKind.PERCENT, D(10)),
            ],
        )
    customer, gold = member(shop, gold_plan, START)
    _, silver = member(shop, silver_plan, START, customer=customer)
    _, platinum = member(shop, platinum_plan, START, customer=customer)
    with shop.tx() as ctx:
        credit_grants.grant_due(ctx)  # Silver's January credit: 30.00 for services, 50.00 common
    return Counter(
        customer,
        location,
        massage,
        facial,
        gold,
        silver,
        platinum,
        services_20.id or 0,
        products_10.id or 0,
    )


def invoice(
    c: Counter,
    reference: str = "INV-1",
    *,
    choices: tuple[Choice, ...] = (),
    use_monetary_credit: bool = True,
) -> Invoice:
    """Three 60-minute massages at 100.00 and two lotions at 25.00."""
    return Invoice(
        reference,
        c.customer,
        c.location,
        (
            Item(ItemKind.SERVICE, 3, D("100.00"), service_id=c.massage),
            Item(ItemKind.PRODUCT, 2, D("25.00"), product="lotion"),
        ),
        choices=choices,
        use_monetary_credit=use_monetary_credit,
    )


def rows(shop: Shop) -> dict[str, int]:
    """How many rows each table checkout writes to holds, and the credit still in lots."""
    with shop.tx(write=False) as ctx:
        counts = {
            model.__name__: int(ctx.uow.scalar(ctx.uow.select(model).with_only_columns(func.count())))
            for model in (LedgerEntry, LedgerOperation, CheckoutInvoice, RemovedDiscount)
        }
        lots = ctx.uow.all(ctx.uow.select(CreditLot))
        counts["remaining"] = int(sum(lot.remaining for lot in lots) * 100)
        return counts


def available(shop: Shop, customer: int) -> dict[tuple[Unit, Pool], Decimal]:
    with shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).available


def test_preview_writes_nothing_and_shows_the_worked_invoice(shop: Shop) -> None:
    c = counter(shop)
    before = rows(shop)
    with shop.tx(STAFF) as ctx:
        result = checkout.preview(ctx, invoice(c))
    assert rows(shop) == before
    assert result.order is Order.CREDITS_FIRST  # the default where the location set none
    assert [(a.kind, a.amount) for a in result.lines[0].applied] == [
        (Kind.CREDIT, D("200.00")),
        (Kind.DISCOUNT, D("20.00")),
        (Kind.MONEY, D("30.00")),
        (Kind.MONEY, D("30.00")),
    ]
    assert result.lines[0].applied[1].rule == f"M-{c.gold} Gold: 20% off every service"
    assert [(a.kind, a.amount) for a in result.lines[1].applied] == [(Kind.DISCOUNT, D("5.00"))]
    assert (result.gross, result.due, result.points) == (D("350.00"), D("65.00"), D(65))
    assert {p.unit for p in result.postings()} == {Unit.CREDIT, Unit.MONEY, Unit.POINTS}


def test_post_once_under_a_retry_and_conflict_on_another_request(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, invoice(c))
    with shop.tx(STAFF) as ctx:
        first = checkout.post(ctx, invoice(c), key="pos-1", preview=shown)
    after = rows(shop)
    with shop.tx(STAFF) as ctx:
        again = checkout.post(ctx, invoice(c), key="pos-1", preview=shown)
    assert again.replayed and not first.replayed
    assert (again.invoice_id, again.breakdown) == (first.invoice_id, first.breakdown)
    assert rows(shop) == after
    balance = available(shop, c.customer)
    assert balance.get((Unit.CREDIT, Pool.ANY), D(0)) == 0
    assert balance[(Unit.MONEY, Pool.COMMON)] == D("20.00")
    assert balance[(Unit.POINTS, Pool.ANY)] == D(65)
    with shop.tx(STAFF) as ctx, pytest.raises(Conflict) as caught:
        checkout.post(ctx, invoice(c, use_monetary_credit=False), key="pos-1", preview=shown)
    assert caught.value.field == "key"
    with shop.tx(STAFF) as ctx, pytest.raises(Conflict) as caught:
        checkout.post(ctx, invoice(c), key="pos-2", preview=shown)
    assert caught.value.field == "reference"  # the same invoice number under another key
    assert rows(shop) == after


def test_concurrent_retries_post_once(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, invoice(c))
    workers = 6

    def post(_: int) -> checkout.Posted:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return checkout.post(ctx, invoice(c), key="pos-1", preview=shown)

    results, failures = race(post, workers)
    assert failures == []
    assert sorted(r.replayed for r in results) == [False] + [True] * (workers - 1)
    assert len({r.invoice_id for r in results}) == 1
    assert available(shop, c.customer)[(Unit.POINTS, Pool.ANY)] == D(65)


def test_a_stale_preview_is_refused_and_writes_nothing(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, invoice(c))
    with shop.tx(STAFF) as ctx:  # another desk uses one of the credits meanwhile
        ledger.redeem(ctx, c.customer, D(1), key="other-desk")
    before = rows(shop)
    with shop.tx(STAFF) as ctx, pytest.raises(StalePreview) as caught:
        checkout.post(ctx, invoice(c), key="pos-1", preview=shown)
    assert caught.value.field == "lines.1"
    assert "service credit 200.00" in caught.value.message
    assert "no longer available" in caught.value.message
    assert rows(shop) == before
    with shop.tx(STAFF) as ctx:  # previewed again, it posts
        shown = checkout.preview(ctx, invoice(c))
        assert shown.lines[0].applied[0].units == 1
        checkout.post(ctx, invoice(c), key="pos-1", preview=shown)


def test_void_restores_credits_and_an_expired_lot_expires_again(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, invoice(c))
        checkout.post(ctx, invoice(c), key="pos-1", preview=shown)
    with shop.tx(STAFF) as ctx:
        credit_grants.convert_points(ctx, c.platinum, D(15), key="convert-15")  # 50 points stay
    shop.clock.advance(timedelta(days=25))  # Gold's credits expired on 4 February
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied):
        checkout.void(ctx, "INV-1", "wrong customer")
    with shop.tx(MANAGER) as ctx:
        voided = checkout.void(ctx, "INV-1", "wrong customer")
    assert voided.status == "void" and not voided.replayed
    balance = available(shop, c.customer)
    assert balance.get((Unit.CREDIT, Pool.ANY), D(0)) == 0  # back, and expired again at once
    assert balance[(Unit.MONEY, Pool.SERVICES)] == D("30.00")
    assert balance[(Unit.MONEY, Pool.COMMON)] == D("50.75")  # 50.00 back + 0.75 from the points
    assert balance.get((Unit.POINTS, Pool.ANY), D(0)) == 0  # the 50 not yet converted are taken back
    with shop.tx(write=False) as ctx:
        kinds = [e.kind for e in ledger.history(ctx, c.customer, contract_id=c.gold)]
        totals = ledger.balance(ctx, c.customer)
    assert kinds == ["grant", "redeem", "reverse", "expire"]
    assert totals.expired[Unit.CREDIT] == D(2) and totals.used[Unit.CREDIT] == 0
    after = rows(shop)
    with shop.tx(MANAGER) as ctx:
        assert checkout.void(ctx, "INV-1", "again").replayed
        assert checkout.get_invoice(ctx, "INV-1").status == "void"
    assert rows(shop) == after


def test_points_earned_on_what_is_paid_and_converted(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, invoice(c, use_monetary_credit=False))
        assert shown.due == D("125.00") and shown.points == D(125)
        assert shown.points_rule == f"M-{c.platinum} Platinum: 1 point per 1 paid, rounded down"
        checkout.post(ctx, invoice(c, use_monetary_credit=False), key="pos-1", preview=shown)
    with shop.tx(STAFF) as ctx:
        converted = checkout.convert_points(ctx, c.customer, D(100), key="convert-1")
        again = checkout.convert_points(ctx, c.customer, D(100), key="convert-1")
    assert converted.total == D("5.00") and again.replayed
    balance = available(shop, c.customer)
    assert balance[(Unit.POINTS, Pool.ANY)] == D(25)
    assert balance[(Unit.MONEY, Pool.COMMON)] == D("55.00")
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput):
        checkout.convert_points(ctx, c.customer, D("2.5"), key="convert-2")


def test_removed_discount_lets_a_credit_in_and_never_comes_back(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx() as ctx:
        benefit_terms.set_benefit_order(ctx, c.location, Order.DISCOUNTS_FIRST)
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, invoice(c, use_monetary_credit=False))
        assert [a.kind for a in shown.lines[0].applied] == [Kind.DISCOUNT]
        after = checkout.remove_discount(ctx, invoice(c, use_monetary_credit=False), 1, c.services_20)
        assert [(a.kind, a.units) for a in after.lines[0].applied] == [(Kind.CREDIT, 2)]
        assert after.lines[0].removed == (c.services_20,)
    with shop.tx() as ctx:
        benefit_terms.set_benefit_order(ctx, c.location, Order.MANUAL)
    choose = (Choice(1, credits=True, discount_id=c.services_20),)
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput) as caught:
        checkout.preview(ctx, invoice(c, choices=choose))
    assert caught.value.errors[0].field == "choices.1"
    with shop.tx(STAFF) as ctx:
        manual = checkout.preview(ctx, invoice(c, choices=(Choice(1, credits=True),)))
        checkout.post(ctx, invoice(c, choices=(Choice(1, credits=True),)), key="pos-1", preview=manual)
    with shop.tx(STAFF) as ctx, pytest.raises(Conflict):
        checkout.remove_discount(ctx, invoice(c), 2, c.products_10)


def test_permissions(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(SPECIALIST) as ctx:
        shown = checkout.preview(ctx, invoice(c))  # anyone with a role may look
    for actor, call in (
        (NOBODY, lambda ctx: checkout.preview(ctx, invoice(c))),
        (SPECIALIST, lambda ctx: checkout.post(ctx, invoice(c), key="k", preview=shown)),
        (SPECIALIST, lambda ctx: checkout.remove_discount(ctx, invoice(c), 1, c.services_20)),
        (SPECIALIST, lambda ctx: checkout.convert_points(ctx, c.customer, D(1), key="k")),
        (STAFF, lambda ctx: benefit_terms.set_benefit_order(ctx, c.location, Order.MANUAL)),
        (MANAGER, lambda ctx: benefit_terms.set_discounts(ctx, 1, [])),
    ):
        with shop.tx(actor) as ctx, pytest.raises(PermissionDenied):
            call(ctx)


def test_bad_input_is_refused_with_field_errors_and_writes_nothing(shop: Shop) -> None:
    c = counter(shop)
    before = rows(shop)
    bad = Invoice(
        " ",
        c.customer,
        999_999,
        (
            Item(ItemKind.SERVICE, 0, D("10.00"), service_id=999_999),
            # What an untyped caller (a form, a file) could hand over: a kind that does not exist
            # and a float for money. Core checks values, not only types.
            Item(cast(ItemKind, "gift"), 1, cast(Decimal, 9.99)),
            Item(ItemKind.PRODUCT, 1, D("1.001"), product=""),
        ),
    )
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput) as caught:
        checkout.post(ctx, bad, key="pos-1", preview=checkout.preview(ctx, invoice(c)))
    assert [e.field for e in caught.value.errors] == [
        "reference",
        "location",
        "lines.1.quantity",
        "lines.1.service",
        "lines.2.kind",
        "lines.2.unit_price",
        "lines.3.unit_price",
        "lines.3.product",
    ]
    assert rows(shop) == before


def test_discounts_are_validated_and_fixed_once_sold(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx() as ctx:
        version = plans.get_plan(
            ctx, next(p.id for p in plans.list_plans(ctx) if p.name == "Gold")
        ).version_id
        with pytest.raises(ImmutableField):
            benefit_terms.set_discounts(ctx, version, [])
        # The same discounts again change nothing, so they are accepted.
        assert (
            len(
                benefit_terms.set_discounts(
                    ctx,
                    version,
                    [
                        DiscountRule(ItemKind.SERVICE, DiscountKind.PERCENT, D(20)),
                        DiscountRule(ItemKind.PRODUCT, DiscountKind.PERCENT, D(10)),
                    ],
                )
            )
            == 2
        )
        unsold = plans.create_plan(ctx, plans.PlanTerms(name="Bronze", price=D("19.00"))).version_id
        with pytest.raises(InvalidInput) as caught:
            benefit_terms.set_discounts(
                ctx,
                unsold,
                [
                    DiscountRule(ItemKind.SERVICE, DiscountKind.PERCENT, D(120)),
                    DiscountRule(ItemKind.PRODUCT, DiscountKind.FLAT, D("5.00"), services=(c.massage,)),
                    DiscountRule("other", "half", D(0), services=(999_999,)),
                ],
            )
        assert [e.field for e in caught.value.errors] == [
            "discounts.1.value",
            "discounts.2.services",
            "discounts.3.applies_to",
            "discounts.3.kind",
            "discounts.3.value",
            "discounts.3.services",
        ]
        flat = benefit_terms.set_discounts(
            ctx, unsold, [DiscountRule(ItemKind.SERVICE, DiscountKind.FLAT, D("5.00"), services=(c.massage,))]
        )
        assert [(d.kind, d.value, d.services) for d in flat] == [("flat", D("5.00"), [c.massage])]


def test_two_desks_racing_for_the_same_credits_one_posts(shop: Shop) -> None:
    c = counter(shop)
    desks = [invoice(c, f"INV-{n}", use_monetary_credit=False) for n in range(4)]
    with shop.tx(STAFF) as ctx:
        shown = [checkout.preview(ctx, desk) for desk in desks]  # each shows both credits

    def post(n: int) -> str:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return checkout.post(ctx, desks[n], key=f"desk-{n}", preview=shown[n]).reference

    posted, failures = race(post, len(desks))
    assert len(posted) == 1
    assert len(failures) == len(desks) - 1 and all(isinstance(f, StalePreview) for f in failures), failures
    with shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, c.customer).used[Unit.CREDIT] == D(2)


def test_the_same_request_written_differently_replays(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx:
        shown = checkout.preview(ctx, invoice(c))
        first = checkout.post(ctx, invoice(c), key="pos-1", preview=shown)
    same = replace(
        invoice(c),
        items=(
            Item(ItemKind.SERVICE, 3, D("100"), service_id=c.massage),
            Item(ItemKind.PRODUCT, 2, D("25.0"), product=" LOTION "),
        ),
    )
    with shop.tx(STAFF) as ctx:
        again = checkout.post(ctx, same, key="pos-1", preview=shown)
    assert again.replayed and again.invoice_id == first.invoice_id


def test_overdue_and_frozen_memberships_give_nothing_and_say_why(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx() as ctx:
        ctx.tenant.enforce_billing = True
        ctx.uow.session.add(ctx.tenant)
        for membership in (c.silver, c.platinum):
            for charge in billing.charges_of(ctx, membership):
                billing.pay(ctx, charge.id)
    with shop.tx(STAFF) as ctx:
        held = checkout.preview(ctx, invoice(c))
    assert {a.contract_id for r in held.lines for a in r.applied} == {c.silver}  # Gold's charge is overdue
    assert any(n.startswith(f"M-{c.gold} has an overdue charge C-") for n in held.notes), held.notes
    with shop.tx() as ctx:
        for charge in billing.charges_of(ctx, c.gold):
            billing.pay(ctx, charge.id)
    with shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, c.silver, "travelling")
    with shop.tx(STAFF) as ctx:
        paid_up = checkout.preview(ctx, invoice(c))
    assert {a.contract_id for r in paid_up.lines for a in r.applied} == {c.gold}
    assert paid_up.notes == (
        f"M-{c.silver} Silver is frozen: its benefits are on hold.",
        f"Account credit 80.00 not usable: M-{c.silver} Silver is frozen.",
    )


def test_a_new_plan_version_can_take_over_the_discounts(shop: Shop) -> None:
    counter(shop)
    with shop.tx() as ctx:
        gold = plans.get_plan(ctx, next(p.id for p in plans.list_plans(ctx) if p.name == "Gold")).version_id
        bronze = plans.create_plan(ctx, plans.PlanTerms(name="Bronze", price=D("19.00"))).version_id
        assert carry_over.discounts(ctx, gold, bronze) == 2
        assert carry_over.discounts(ctx, gold, bronze) == 0  # it has its own now
        copied = benefit_terms.discounts_of(ctx, [bronze])[bronze]
    assert [(d.applies_to, d.kind, d.value) for d in copied] == [
        ("service", "percent", D(20)),
        ("product", "percent", D(10)),
    ]


def test_redeem_lots_refuses_a_lot_it_may_not_use_and_writes_nothing(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx() as ctx:
        other = ledger.grant(ctx, c.customer, Unit.CREDIT, D(1), key="by-hand").entries[0].lot_id
        stranger = add_customer(ctx, company="Someone Else")
        theirs = ledger.grant(ctx, stranger, Unit.CREDIT, D(1), key="theirs").entries[0].lot_id
    shop.clock.advance(timedelta(days=25))  # Gold's lot has expired (the expiry job has not run)
    with shop.tx(write=False) as ctx:
        gold_lot = next(lot.id for lot in ledger.lots_of(ctx, c.customer) if lot.contract_id == c.gold)
    before = rows(shop)
    for lot_id in (theirs, gold_lot or 0):
        with pytest.raises(ledger.NotEnoughCredits), shop.tx(STAFF) as ctx:  # the error rolls back
            ledger.redeem_lots(ctx, c.customer, [(other, D(1)), (lot_id, D(1))], key=f"lots-{lot_id}")
    assert rows(shop) == before
    with shop.tx(STAFF) as ctx:
        used = ledger.redeem_lots(ctx, c.customer, [(other, D(1))], key="lots-ok")
    assert [(e.lot_id, e.quantity) for e in used.entries] == [(other, D(-1))]


def test_a_change_to_a_sold_plan_under_versioning_keeps_its_discounts(shop: Shop) -> None:
    counter(shop)  # Gold is sold, with two discounts
    with shop.tx() as ctx:
        ctx.tenant.plan_versioning = True
        ctx.uow.session.add(ctx.tenant)
    with shop.tx() as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
        changed = plans.update_plan(ctx, gold.id, replace(gold.terms, description="Now with a sauna"))
        assert changed.version_id != gold.version_id  # sold: a new version
        kept = benefit_terms.discounts_of(ctx, [changed.version_id])[changed.version_id]
    assert [(d.applies_to, d.kind, d.value) for d in kept] == [
        ("service", "percent", D(20)),
        ("product", "percent", D(10)),
    ]
