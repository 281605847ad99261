"""Billing's flows over storage: recording a payment says whether it was so already, and who may
record is core's decision (the CLI and Slack alike); a customer's charges span their memberships."""

from __future__ import annotations

from datetime import date

import pytest

from core.billing import flows
from core.billing import service as billing
from core.billing.service import ChargeStatus
from core.kernel.errors import NotFound, PermissionDenied
from tests.conftest import NOBODY, SPECIALIST, STAFF, Shop
from tests.integration.credit_helpers import member
from tests.integration.helpers import plan_by_name

START = date(2025, 2, 1)


def gold(shop: Shop) -> int:
    with shop.tx() as ctx:
        return plan_by_name(ctx, "Gold").id


def test_recording_a_payment_twice_says_it_was_so_already(shop: Shop) -> None:
    _, m = member(shop, gold(shop), START)
    with shop.tx(STAFF, write=False) as ctx:
        first = billing.charges_of(ctx, m)[0]
    with shop.tx(STAFF) as ctx:
        paid = flows.record_payment(ctx, first.id, ChargeStatus.PAID, "cash")
        again = flows.record_payment(ctx, first.id, ChargeStatus.PAID)
    assert (paid.charge.status, paid.already, paid.currency) == (ChargeStatus.PAID, False, "USD")
    assert (again.charge, again.already) == (paid.charge, True)


def test_only_those_who_record_payments_may_and_are_refused_before_the_charge_is_looked_up(
    shop: Shop,
) -> None:
    _, m = member(shop, gold(shop), START)
    with shop.tx(STAFF, write=False) as ctx:
        first = billing.charges_of(ctx, m)[0]
    for who, charge in ((SPECIALIST, first.id), (SPECIALIST, 999_999), (NOBODY, first.id)):
        with shop.tx(who) as ctx, pytest.raises(PermissionDenied):
            flows.record_payment(ctx, charge, ChargeStatus.FAILED)
    with shop.tx(STAFF) as ctx, pytest.raises(NotFound):
        flows.record_payment(ctx, 999_999, ChargeStatus.PAID)
    with shop.tx(write=False) as ctx:
        assert billing.get_charge(ctx, first.id).status is ChargeStatus.DUE


def test_a_customers_charges_span_their_memberships_and_say_who_may_record(shop: Shop) -> None:
    plan = gold(shop)
    customer, first = member(shop, plan, START)
    _, second = member(shop, plan, START, customer=customer)
    with shop.tx(STAFF, write=False) as ctx:
        mine = flows.customer_charges(ctx, customer)
        one = flows.membership_charges(ctx, second)
    assert mine.memberships == 2 and mine.may_record
    assert {m.id for m, _ in mine.rows} == {first, second}
    assert [c for _, c in one.rows] == [c for m, c in mine.rows if m.id == second]
    with shop.tx(SPECIALIST, write=False) as ctx:
        assert not flows.customer_charges(ctx, customer).may_record
    with shop.tx(NOBODY, write=False) as ctx, pytest.raises(PermissionDenied):
        flows.membership_charges(ctx, first)
