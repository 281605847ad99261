"""A sold membership's own discount amounts: a manager's change applies at once and is logged with
its reason, staff's waits for a manager, checkout then uses the membership's amount; the kind stays
the plan's, and bad input is named by its field with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.approvals import service as approvals
from core.approvals.flows import Held
from core.checkout import benefit_terms
from core.checkout import service as checkout
from core.checkout.benefits import Kind
from core.kernel.errors import Conflict, InvalidInput, PermissionDenied
from core.memberships import flows
from core.memberships import service as memberships
from core.plans import service as plans
from tests.conftest import ADMIN, MANAGER, SPECIALIST, STAFF, Shop
from tests.integration.checkout.test_service import Counter, counter, invoice


def lotion_discount(shop: Shop, c: Counter) -> Decimal:
    """The money off the two lotions (2 x 25.00) at checkout."""
    with shop.tx(STAFF) as ctx:
        result = checkout.preview(ctx, invoice(c))
    return sum((a.amount for a in result.lines[1].applied if a.kind is Kind.DISCOUNT), Decimal(0))


def test_a_manager_s_new_amount_applies_at_once_is_logged_and_checkout_uses_it(shop: Shop) -> None:
    c = counter(shop)
    assert lotion_discount(shop, c) == Decimal("5.00")  # the plan's 10% off products
    with shop.tx(MANAGER) as ctx:
        form = flows.discount_form(ctx, c.gold)
        assert [d.value for d in form.discounts] == [Decimal(20), Decimal(10)] and not form.waits
        assert form.labels[1] == f"#{c.products_10}: 10% off every product"
        done = flows.adjust_discounts(ctx, c.gold, {c.products_10: "25"}, "Loyal customer since 2019")
    assert isinstance(done, flows.DiscountsAdjusted)
    assert [d.value for d in done.discounts] == [Decimal(20), Decimal(25)]
    assert lotion_discount(shop, c) == Decimal("12.50")
    with shop.tx(write=False) as ctx:
        last = memberships.history(ctx, c.gold)[-1]
        version = plans.get_plan(ctx, memberships.get(ctx, c.gold).plan_id).version_id
        plan_rules = benefit_terms.discounts_of(ctx, [version])[version]
    assert (last.action, last.actor) == ("discounts", MANAGER)
    assert last.reason == f"discount #{c.products_10} 10% -> 25%. Loyal customer since 2019"
    assert [r.value for r in plan_rules] == [Decimal(20), Decimal(10)]  # the plan's stay as they were


def test_staff_ask_and_a_manager_approves_the_change(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(STAFF) as ctx:
        assert flows.discount_form(ctx, c.gold).waits
        held = flows.adjust_discounts(ctx, c.gold, {c.products_10: "15"}, "Price match")
    assert isinstance(held, Held) and held.request.kind == "discounts"
    assert lotion_discount(shop, c) == Decimal("5.00")  # nothing changes until a manager agrees
    with shop.tx(MANAGER) as ctx:
        approvals.decide(ctx, held.request.id, approve=True)
    assert lotion_discount(shop, c) == Decimal("7.50")
    with shop.tx(write=False) as ctx:
        last = memberships.history(ctx, c.gold)[-1]
    assert (last.action, last.actor) == ("discounts", STAFF)  # made in the requester's name


def test_roles_reasons_amounts_and_kinds_are_checked_and_nothing_is_written(shop: Shop) -> None:
    c = counter(shop)
    with shop.tx(SPECIALIST) as ctx, pytest.raises(PermissionDenied):
        flows.adjust_discounts(ctx, c.gold, {c.products_10: "15"}, "why not")
    with shop.tx(MANAGER) as ctx, pytest.raises(InvalidInput) as raised:
        flows.adjust_discounts(ctx, c.gold, {c.products_10: "150", c.services_20: "x"}, "  ")
    assert {e.field for e in raised.value.errors} == {
        "reason",
        f"discount_{c.products_10}",
        f"discount_{c.services_20}",
    }
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput) as raised:
        flows.adjust_discounts(ctx, c.gold, {c.products_10: "15"}, "")  # checked before it is asked
    assert raised.value.field == "reason"
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput) as raised:
        flows.adjust_discounts(ctx, c.gold, {c.products_10: "fifteen"}, "price match")
    assert raised.value.field == f"discount_{c.products_10}"
    with shop.tx(ADMIN) as ctx, pytest.raises(InvalidInput) as raised:
        flows.adjust_discounts(ctx, c.gold, {999999: "5"}, "another plan's discount")
    assert raised.value.field == "discount_999999"
    with shop.tx(ADMIN) as ctx, pytest.raises(Conflict):
        flows.adjust_discounts(ctx, c.gold, {c.products_10: "10"}, "the same amount")
    with shop.tx(ADMIN) as ctx, pytest.raises(Conflict, match="gives no discounts"):
        flows.discount_form(ctx, c.silver)
    with shop.tx(write=False) as ctx:
        assert memberships.history(ctx, c.gold)[-1].action != "discounts"
        assert approvals.pending(ctx) == []
    assert lotion_discount(shop, c) == Decimal("5.00")
