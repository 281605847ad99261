"""A past sale's credits: those that expire with its term are not granted at all (approving it
works), and those that had expired before it was recorded are reminded of by no day caught up
afterwards nor by the weekly digest, while other members' credits are reminded of as ever."""

from __future__ import annotations

from datetime import date

from core.credits import ledger, reminders
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.memberships import flows
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.workspace.tenants import update_settings
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import D, at, credit_plan, member
from tests.integration.helpers import add_customer

JANUARY = (date(2025, 1, 1), date(2025, 1, 31))


def sell_past(shop: Shop, plan: int) -> tuple[int, int]:
    """(customer, membership): January 2025 sold and approved on 3 February, inside the grace days."""
    at(shop, date(2025, 2, 3))
    with shop.tx(STAFF) as ctx:
        customer = add_customer(ctx, company="Lakeside Dental")
        sold = flows.sell(ctx, customer, plan, *JANUARY, past=True)
    with shop.tx(MANAGER) as ctx:
        done = memberships.approve(ctx, sold.membership.id)
    assert done.status is Status.GRACE
    return customer, done.id


def test_a_past_sale_whose_initial_credits_ended_with_its_term_is_approved_without_them(shop: Shop) -> None:
    at(shop, date(2025, 1, 1))
    terms = CreditTerms(kind=CreditKind.SERVICE, initial=D(2), expiry=Expiry.MEMBERSHIP_END)
    customer, _ = sell_past(shop, credit_plan(shop, terms, term_months=1))
    with shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == 0


def test_credits_expired_before_a_past_sale_was_recorded_are_not_reminded_of(shop: Shop) -> None:
    at(shop, date(2025, 1, 1))
    terms = CreditTerms(kind=CreditKind.SERVICE, per_period=D(1), expiry=Expiry.DAYS, expiry_days=10)
    gold = credit_plan(shop, terms, term_months=1)
    with shop.tx(ADMIN) as ctx:
        update_settings(ctx, reminders_channel="CREMINDERS")
    regular, _ = member(shop, gold, *JANUARY)  # its January credit lasts to 10 January
    past, _ = sell_past(shop, gold)  # granted now, usable from 1 January to 10 January too
    with shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, past).total(Unit.CREDIT) == 0  # nothing usable
        told = reminders.expiry_reminders(ctx, date(2025, 1, 9))  # a day caught up: tomorrow is its last
        digest = reminders.weekly_digest(ctx, date(2025, 1, 6))  # the Monday before
    assert [r.data["customer_id"] for r in told] == [regular]
    assert [c["customer_id"] for c in digest[0].data["credits"]] == [regular]
