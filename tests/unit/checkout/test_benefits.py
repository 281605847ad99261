"""Benefits at checkout as pure rules: a worked invoice per order of benefits, removed discounts,
several memberships, caps per invoice, and rounding to the cent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from random import Random
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.checkout import benefits
from core.checkout.benefits import (
    Benefits,
    Breakdown,
    Choice,
    Discount,
    DiscountKind,
    ItemKind,
    Kind,
    Line,
    Membership,
    Order,
    describe,
)
from core.credits.lots import Lot, Pool
from core.kernel.errors import InvalidInput

D = Decimal
T = TypeVar("T")
T0 = datetime(2025, 1, 1, tzinfo=UTC)
MASSAGE, FACIAL = 1, 2

GOLD = Membership(1, "M-1 Gold")
WALLET = Membership(2, "M-2 Wallet", max_per_invoice=D("60.00"))
REWARDS = Membership(3, "M-3 Rewards", points_per_unit=D(1))


def lot(
    lot_id: int,
    contract: int,
    remaining: str,
    *,
    pool: Pool = Pool.ANY,
    expires: datetime | None = None,
    costs: dict[int, int] | None = None,
) -> Lot:
    return Lot(
        id=lot_id,
        remaining=D(remaining),
        usable_from=T0,
        expires_at=expires,
        priority=100,
        promotional=False,
        granted_at=T0,
        pool=pool,
        costs=costs or {},
        contract_id=contract,
    )


SERVICES_20 = Discount(
    100, 1, ItemKind.SERVICE, DiscountKind.PERCENT, D(20), label="Gold: 20% off every service"
)
PRODUCTS_10 = Discount(
    101, 1, ItemKind.PRODUCT, DiscountKind.PERCENT, D(10), label="Gold: 10% off every product"
)

SHOP = Benefits(
    memberships=(GOLD, WALLET, REWARDS),
    credit_lots=(lot(10, 1, "2"),),
    money_lots=(lot(20, 2, "30.00", pool=Pool.SERVICES), lot(21, 2, "50.00", pool=Pool.COMMON)),
    discounts=(SERVICES_20, PRODUCTS_10),
)
INVOICE = (
    Line(1, ItemKind.SERVICE, 3, D("100.00"), MASSAGE, "massage", name="Massage 60"),
    Line(2, ItemKind.PRODUCT, 2, D("25.00"), product="LOTION", name="Lotion"),
)


def amounts(result: Breakdown, line: int) -> list[tuple[Kind, Decimal]]:
    return [(a.kind, a.amount) for a in result.lines[line - 1].applied]


def test_credits_first_worked_invoice() -> None:
    result = benefits.compute(INVOICE, SHOP, Order.CREDITS_FIRST, places=2)
    # Two massages on credits, the third at 20% off; the services share then the common pool pay
    # the rest up to the wallet's 60.00 an invoice; the lotion keeps its product discount only.
    assert amounts(result, 1) == [
        (Kind.CREDIT, D("200.00")),
        (Kind.DISCOUNT, D("20.00")),
        (Kind.MONEY, D("30.00")),
        (Kind.MONEY, D("30.00")),
    ]
    assert amounts(result, 2) == [(Kind.DISCOUNT, D("5.00"))]
    assert result.gross == D("350.00")
    assert result.total(Kind.CREDIT) == D("200.00")
    assert result.total(Kind.DISCOUNT) == D("25.00")
    assert result.total(Kind.MONEY) == D("60.00")
    assert result.due == D("65.00")
    assert (result.points, result.points_contract) == (D(65), 3)
    assert result.takes() == [(10, D(2)), (20, D("30.00")), (21, D("30.00"))]
    credit = result.lines[0].applied[0]
    assert (credit.units, credit.rule) == (2, "M-1 Gold: service credits, 1 a service (lot #10)")
    assert result.lines[0].applied[1].rule == "Gold: 20% off every service"


def test_discounts_first_worked_invoice() -> None:
    result = benefits.compute(INVOICE, SHOP, Order.DISCOUNTS_FIRST, places=2)
    # The discount takes the whole massage line, so its credits stay unused.
    assert amounts(result, 1) == [
        (Kind.DISCOUNT, D("60.00")),
        (Kind.MONEY, D("30.00")),
        (Kind.MONEY, D("30.00")),
    ]
    assert result.due == D("225.00")
    assert all(a.kind is not Kind.CREDIT for r in result.lines for a in r.applied)


def test_removing_a_discount_uses_the_credits_and_it_cannot_come_back() -> None:
    removed = [(1, SERVICES_20.id)]
    result = benefits.compute(INVOICE, SHOP, Order.DISCOUNTS_FIRST, places=2, removed=removed)
    assert amounts(result, 1)[0] == (Kind.CREDIT, D("200.00"))
    assert Kind.DISCOUNT not in [k for k, _ in amounts(result, 1)]  # not even on the unit left over
    assert result.lines[0].removed == (SERVICES_20.id,)
    assert result.due == D("85.00")
    # Choosing it by hand is refused, under the line's field.
    with pytest.raises(InvalidInput) as caught:
        benefits.compute(
            INVOICE,
            SHOP,
            Order.MANUAL,
            places=2,
            removed=removed,
            choices=[Choice(1, credits=True, discount_id=SERVICES_20.id)],
        )
    assert caught.value.errors[0].field == "choices.1"
    assert "cannot be put back" in caught.value.message


def test_manual_applies_only_what_staff_choose() -> None:
    nothing = benefits.compute(INVOICE, SHOP, Order.MANUAL, places=2, use_monetary=False)
    assert nothing.due == nothing.gross == D("350.00")
    chosen = benefits.compute(
        INVOICE, SHOP, Order.MANUAL, places=2, choices=[Choice(1, credits=True, discount_id=100)]
    )
    first = benefits.compute(INVOICE, SHOP, Order.CREDITS_FIRST, places=2)
    assert chosen.lines[0] == first.lines[0]
    assert amounts(chosen, 2) == []  # no choice for the lotion: no product discount


def test_choices_are_checked() -> None:
    with pytest.raises(InvalidInput) as caught:
        benefits.compute(INVOICE, SHOP, Order.CREDITS_FIRST, places=2, choices=[Choice(1, credits=True)])
    assert caught.value.errors[0].field == "choices.order"  # staff cannot swap a credit for a discount
    with pytest.raises(InvalidInput) as caught:
        benefits.compute(
            INVOICE,
            SHOP,
            Order.MANUAL,
            places=2,
            choices=[Choice(2, credits=True), Choice(3), Choice(1, discount_id=PRODUCTS_10.id)],
        )
    assert [e.field for e in caught.value.errors] == ["choices.2", "choices.3", "choices.1"]


def test_two_memberships_on_one_invoice() -> None:
    silver = Membership(4, "M-4 Silver")
    flat = Discount(200, 4, ItemKind.SERVICE, DiscountKind.FLAT, D("25.00"), services=frozenset({MASSAGE}))
    shop = Benefits(
        memberships=(GOLD, silver),
        # Silver's credit expires first, so it goes first although Gold's lot is older.
        credit_lots=(lot(10, 1, "5"), lot(11, 4, "1", expires=datetime(2025, 2, 1, tzinfo=UTC))),
        discounts=(SERVICES_20, flat),
    )
    lines = (
        Line(1, ItemKind.SERVICE, 1, D("100.00"), MASSAGE, "massage"),
        Line(2, ItemKind.SERVICE, 1, D("60.00"), FACIAL, "facial"),
    )
    by_credits = benefits.compute(lines, shop, Order.CREDITS_FIRST, places=2)
    assert [(a.contract_id, a.lot_id) for r in by_credits.lines for a in r.applied] == [(4, 11), (1, 10)]
    by_discounts = benefits.compute(lines, shop, Order.DISCOUNTS_FIRST, places=2)
    # The larger discount wins for the massage (25.00 flat over 20.00); only Gold's fits the facial.
    assert [(a.discount_id, a.amount) for r in by_discounts.lines for a in r.applied] == [
        (200, D("25.00")),
        (100, D("12.00")),
    ]
    # On a tie the oldest membership's discount applies.
    tie = Discount(201, 4, ItemKind.SERVICE, DiscountKind.PERCENT, D(20))
    assert benefits.best_discount(lines[1], [tie, SERVICES_20], frozenset()) == SERVICES_20


def test_caps_per_invoice_hold_across_lines() -> None:
    capped = Membership(1, "M-1 Gold", max_per_invoice=D(1))
    shop = Benefits(memberships=(capped,), credit_lots=(lot(10, 1, "5"),))
    lines = (
        Line(1, ItemKind.SERVICE, 1, D("50.00"), MASSAGE),
        Line(2, ItemKind.SERVICE, 1, D("50.00"), FACIAL),
    )
    result = benefits.compute(lines, shop, Order.CREDITS_FIRST, places=2)
    assert result.total(Kind.CREDIT) == D("50.00") and result.due == D("50.00")
    # Monetary credit: the wallet's 60.00 an invoice over two lines, though 80.00 is left.
    money = benefits.compute(INVOICE, SHOP, Order.MANUAL, places=2)
    assert money.total(Kind.MONEY) == D("60.00")
    assert sum((t for _, t in money.takes()), D(0)) == D("60.00")


def test_equality_template_cost_and_whole_services() -> None:
    # A 60-minute massage costs 2 credits; a lot holding 3 pays for one, never one and a half.
    shop = Benefits(memberships=(GOLD,), credit_lots=(lot(10, 1, "3", costs={MASSAGE: 2}),))
    line = Line(1, ItemKind.SERVICE, 2, D("100.00"), MASSAGE)
    result = benefits.compute([line], shop, Order.CREDITS_FIRST, places=2)
    assert [(a.units, a.taken) for a in result.lines[0].applied] == [(1, D(2))]
    assert result.due == D("100.00")


def test_products_pay_from_the_products_share_before_the_common_pool() -> None:
    shop = Benefits(
        memberships=(Membership(2, "M-2 Wallet"),),
        money_lots=(lot(21, 2, "40.00", pool=Pool.COMMON), lot(22, 2, "10.00", pool=Pool.PRODUCTS)),
    )
    lines = (
        Line(1, ItemKind.SERVICE, 1, D("30.00"), MASSAGE),
        Line(2, ItemKind.PRODUCT, 1, D("25.00"), product="LOTION"),
    )
    result = benefits.compute(lines, shop, Order.CREDITS_FIRST, places=2)
    assert [(a.lot_id, a.amount) for a in result.lines[1].applied] == [(22, D("10.00")), (21, D("10.00"))]
    assert [(a.lot_id, a.amount) for a in result.lines[0].applied] == [(21, D("30.00"))]
    assert result.due == D("5.00")


@pytest.mark.parametrize(
    ("quantity", "price", "percent", "off"),
    [(3, "33.33", "15", "15.00"), (1, "0.05", "50", "0.03"), (7, "19.99", "12.5", "17.49")],
)
def test_percent_discounts_round_half_up_to_the_cent(
    quantity: int, price: str, percent: str, off: str
) -> None:
    rule = Discount(1, 1, ItemKind.SERVICE, DiscountKind.PERCENT, D(percent))
    result = benefits.compute(
        [Line(1, ItemKind.SERVICE, quantity, D(price), MASSAGE)],
        Benefits(memberships=(GOLD,), discounts=(rule,)),
        Order.CREDITS_FIRST,
        places=2,
    )
    assert result.total(Kind.DISCOUNT) == D(off)
    assert result.due == D(price) * quantity - D(off)
    assert result.due.as_tuple().exponent == -2


def test_flat_discount_never_exceeds_the_price_and_points_round_down() -> None:
    rule = Discount(1, 1, ItemKind.PRODUCT, DiscountKind.FLAT, D("5.00"), products=frozenset({"GEL"}))
    lines = (
        Line(1, ItemKind.PRODUCT, 2, D("3.50"), product="GEL"),
        Line(2, ItemKind.PRODUCT, 1, D("9.99"), product="LOTION"),
    )
    result = benefits.compute(
        lines,
        Benefits(memberships=(GOLD, Membership(3, "M-3", points_per_unit=D("1.5"))), discounts=(rule,)),
        Order.CREDITS_FIRST,
        places=2,
    )
    assert amounts(result, 1) == [(Kind.DISCOUNT, D("7.00"))]
    assert result.due == D("9.99") and result.points == D(14)  # 14.985 points, rounded down


def test_stored_form_round_trips_and_staleness_names_the_line() -> None:
    result = benefits.compute(INVOICE, SHOP, Order.CREDITS_FIRST, places=2)
    assert benefits.from_dict(benefits.to_dict(result)) == result
    assert benefits.difference(result, result) is None
    used_meanwhile = Benefits(
        memberships=SHOP.memberships,
        credit_lots=(lot(10, 1, "1"),),
        money_lots=SHOP.money_lots,
        discounts=SHOP.discounts,
    )
    fresh = benefits.compute(INVOICE, used_meanwhile, Order.CREDITS_FIRST, places=2)
    found = benefits.difference(result, fresh)
    assert found is not None and found.line == 1
    assert "service credit 200.00" in found.message and "no longer available" in found.message


@st.composite
def invoices(draw: st.DrawFn) -> tuple[list[Line], Benefits, Order]:
    prices = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)
    lines = [
        Line(
            n,
            ItemKind.SERVICE,
            draw(st.integers(1, 4)),
            draw(prices),
            draw(st.sampled_from([MASSAGE, FACIAL])),
        )
        if draw(st.booleans())
        else Line(
            n, ItemKind.PRODUCT, draw(st.integers(1, 4)), draw(prices), product=draw(st.sampled_from("AB"))
        )
        for n in range(1, draw(st.integers(1, 4)) + 1)
    ]
    contracts = [1, 2, 3]
    caps = {c: draw(st.none() | st.decimals(min_value=D(1), max_value=D(200), places=0)) for c in contracts}
    credit_lots = tuple(
        lot(
            10 + i,
            draw(st.sampled_from(contracts)),
            str(draw(st.integers(1, 5))),
            costs={MASSAGE: draw(st.integers(1, 3))},
        )
        for i in range(draw(st.integers(0, 3)))
    )
    money_lots = tuple(
        lot(
            20 + i,
            draw(st.sampled_from(contracts)),
            str(draw(st.decimals(min_value=D("0.01"), max_value=D("300"), places=2))),
            pool=draw(st.sampled_from([Pool.SERVICES, Pool.PRODUCTS, Pool.COMMON])),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    discounts = tuple(
        Discount(
            100 + i,
            draw(st.sampled_from(contracts)),
            draw(st.sampled_from(list(ItemKind))),
            kind := draw(st.sampled_from(list(DiscountKind))),
            draw(st.decimals(min_value=D("0.01"), max_value=D(100), places=2))
            if kind is DiscountKind.PERCENT
            else draw(prices),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    members = tuple(
        Membership(c, f"M-{c}", max_per_invoice=caps[c], points_per_unit=D(c - 1)) for c in contracts
    )
    return lines, Benefits(members, credit_lots, money_lots, discounts), draw(st.sampled_from(list(Order)))


@settings(max_examples=100, deadline=None)
@given(invoices(), st.randoms())
def test_any_invoice_balances_and_does_not_depend_on_input_order(
    case: tuple[list[Line], Benefits, Order], rnd: Random
) -> None:
    lines, shop, order = case
    result = benefits.compute(lines, shop, order, places=2)
    for r in result.lines:
        assert all(a.amount >= 0 for a in r.applied)
        assert 0 <= r.due <= r.line.gross
        assert sum(a.units for a in r.applied if a.kind is not Kind.MONEY) <= r.line.quantity
        assert r.due == r.due.quantize(D("0.01"))
    assert result.due == result.gross - sum((result.total(k) for k in Kind), D(0))
    remaining = {x.id: x.remaining for x in (*shop.credit_lots, *shop.money_lots)}
    owner = {x.id: x.contract_id for x in (*shop.credit_lots, *shop.money_lots)}
    given_by: dict[int | None, Decimal] = {}
    for lot_id, taken in result.takes():
        assert 0 < taken <= remaining[lot_id]
        given_by[owner[lot_id]] = given_by.get(owner[lot_id], D(0)) + taken
    for m in shop.memberships:
        if m.max_per_invoice is not None:
            assert given_by.get(m.contract_id, D(0)) <= m.max_per_invoice
    assert result.points == result.due.to_integral_value(rounding="ROUND_FLOOR")  # M-2 earns, 1 a unit

    def shuffled(items: tuple[T, ...]) -> tuple[T, ...]:
        return tuple(rnd.sample(items, len(items)))

    again = Benefits(
        shuffled(shop.memberships),
        shuffled(shop.credit_lots),
        shuffled(shop.money_lots),
        shuffled(shop.discounts),
    )
    assert benefits.compute(lines, again, order, places=2) == result


def test_a_prepaid_card_is_bought_from_the_common_pool_only_and_pays_after_it() -> None:
    wallet = Membership(2, "M-2 Wallet")
    shop = Benefits(
        memberships=(wallet,),
        money_lots=(
            lot(20, 2, "30.00", pool=Pool.SERVICES),
            lot(21, 2, "50.00", pool=Pool.COMMON),
            Lot(22, D("40.00"), T0, None, 100, False, T0, pool=Pool.CARD),
        ),
    )
    card = Line(1, ItemKind.CARD, 1, D("80.00"), name="Prepaid card")
    bought = benefits.compute([card], shop, Order.CREDITS_FIRST, places=2)
    assert amounts(bought, 1) == [(Kind.MONEY, D("50.00"))]  # the common pool; the rest at the desk
    assert bought.due == D("30.00") and bought.cards() == [(1, D("80.00"))]
    assert bought.notes == (
        "Account credit 30.00 not usable: M-2 Wallet's services share pays only for services; prepaid "
        "cards are bought from the common pool only.",
        "Account credit 40.00 not usable: prepaid card PC-22 pays for services and products, not for "
        "another prepaid card.",
    )
    massage = Line(1, ItemKind.SERVICE, 1, D("100.00"), MASSAGE)
    paid = benefits.compute([massage], shop, Order.CREDITS_FIRST, places=2)
    assert [(a.kind, a.amount, a.rule) for a in paid.lines[0].applied][2] == (
        Kind.CARD,
        D("20.00"),
        "PC-22 (lot #22)",
    )
    assert paid.due == 0 and paid.notes == ()  # the shares first, the card last
    kept = benefits.compute([massage], shop, Order.CREDITS_FIRST, places=2, use_monetary=False)
    assert kept.notes == (
        "Account credit 80.00 not usable: M-2 Wallet, the member keeps it for later.",
        "Account credit 40.00 not usable: prepaid card PC-22, the member keeps it for later.",
    )
    assert benefits.from_dict(benefits.to_dict(bought)) == bought


def test_a_product_discount_can_be_limited_to_product_categories() -> None:
    skincare = Discount(
        102, 1, ItemKind.PRODUCT, DiscountKind.PERCENT, D(15), categories=frozenset({"skincare"})
    )
    lotion = Line(1, ItemKind.PRODUCT, 1, D("25.00"), category="skincare", product="LOTION")
    candle = Line(2, ItemKind.PRODUCT, 1, D("12.00"), category="home", product="CANDLE")
    massage = Line(3, ItemKind.SERVICE, 1, D("100.00"), MASSAGE, "skincare")
    assert [skincare.covers(line) for line in (lotion, candle, massage)] == [True, False, False]
    both = replace(skincare, products=frozenset({"CANDLE"}))
    assert both.covers(candle) and both.covers(lotion)
    assert describe(both, {}, "Gold", "USD") == "Gold: 15% off CANDLE, category skincare"
