"""Credits as people ask for them (core/credits/flows.py): each flow finds the customer by what was
typed, checks who may ask, and answers with plain data — rules that were only tested through Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.credits import flows as credits
from core.credits import ledger
from core.credits.flows import CustomerBalance
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers.lookup import Lookup, NoCustomer, SeveralCustomers
from core.kernel.errors import InvalidInput, NotFound, PermissionDenied
from tests.conftest import ADMIN, NOBODY, STAFF, Shop
from tests.integration.credit_helpers import D, credit_plan, member
from tests.integration.helpers import add_customer


@pytest.fixture
def two(shop: Shop) -> tuple[int, int]:
    """Two customers with 5 credits each, one lot expiring at the start of Sat 1 Feb 2025 (UTC)."""
    with shop.tx() as ctx:
        north = add_customer(ctx, company="Northwind Traders", contact="Nancy")
        plumbing = add_customer(ctx, company="Northwind Plumbing", contact="Bo")
        for customer in (north, plumbing):
            expires = datetime(2025, 2, 1, tzinfo=UTC)
            ledger.grant(ctx, customer, Unit.CREDIT, D(2), key=f"soon-{customer}", expires_at=expires)
            ledger.grant(ctx, customer, Unit.CREDIT, D(3), key=f"never-{customer}")
    return north, plumbing


def test_the_balance_of_the_customer_named_or_the_lookup_to_choose_from(
    shop: Shop, two: tuple[int, int]
) -> None:
    north, plumbing = two
    with shop.tx(STAFF, write=False) as ctx:
        found = credits.balance_for(ctx, "northwind traders")
        several = credits.balance_for(ctx, "northwind")
        none = credits.balance_for(ctx, "zed")
    assert isinstance(found, CustomerBalance) and found.customer.id == north
    assert found.balance.total(Unit.CREDIT) == D(5)
    assert isinstance(several, Lookup) and [c.id for c in several.matches] == [
        north,
        plumbing,
    ]  # the shorter name first
    assert isinstance(none, Lookup) and none.matches == ()


def test_a_redemption_preview_names_the_lots_and_their_last_local_day(
    shop: Shop, two: tuple[int, int]
) -> None:
    north, _ = two
    with shop.tx(STAFF, write=False) as ctx:
        planned = credits.preview_redemption(ctx, "Northwind Traders", D(3))
    assert planned.customer.id == north and planned.service is None and planned.quantity == D(3)
    # Expiring at midnight UTC on 1 Feb is still 31 Jan in the workspace (New York).
    assert planned.lots == ((date(2025, 1, 31), D(2)), (None, D(1)))


def test_a_redemption_preview_refuses_an_unknown_service_and_an_ambiguous_customer(
    shop: Shop, two: tuple[int, int]
) -> None:
    with shop.tx(STAFF, write=False) as ctx:
        with pytest.raises(NotFound) as unknown:
            credits.preview_redemption(ctx, "Northwind Traders", D(1), "Sauna")
        with pytest.raises(SeveralCustomers):
            credits.preview_redemption(ctx, "northwind", D(1))
        with pytest.raises(NoCustomer):
            credits.preview_redemption(ctx, "zed", D(1))
    assert unknown.value.field == "service" and "Sauna" in unknown.value.message


def test_redeeming_twice_with_one_key_redeems_once(shop: Shop, two: tuple[int, int]) -> None:
    north, _ = two
    for replayed in (False, True):
        with shop.tx(STAFF) as ctx:
            done = credits.redeem(ctx, north, D(2), key="press", service_id=None, reference="Slack")
        assert (done.customer.id, done.quantity, done.left, done.replayed) == (north, D(2), D(3), replayed)


def test_a_transfer_is_between_two_customers_and_happens_once_per_key(
    shop: Shop, two: tuple[int, int]
) -> None:
    north, plumbing = two
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(4), transferable=True))
    giver, _ = member(shop, plan, date(2025, 1, 15))  # "Customer 2025-01-15", 4 transferable credits
    with shop.tx(STAFF, write=False) as ctx:
        planned = credits.preview_transfer(ctx, "customer 2025", "northwind plumbing", D(2))
        with pytest.raises(InvalidInput) as same:
            credits.preview_transfer(ctx, "Northwind Traders", f"#{north}", D(1))
    assert (planned.giver.id, planned.receiver.id, planned.transferable, planned.kept) == (
        giver,
        plumbing,
        D(4),
        D(0),
    )
    assert planned.lots == ((None, D(2)),)
    assert same.value.field == "to_customer"
    for replayed in (False, True):
        with shop.tx(STAFF) as ctx:
            done = credits.transfer(ctx, giver, plumbing, D(2), key="give")
        assert (done.giver.id, done.receiver.id, done.replayed) == (giver, plumbing, replayed)
        assert (done.quantity, done.giver_left, done.receiver_has) == (D(2), D(2), D(7))
    with shop.tx(STAFF, write=False) as ctx:
        assert ledger.balance(ctx, plumbing).total(Unit.CREDIT) == D(7)


def test_only_credits_whose_plan_allows_it_are_offered_or_moved(shop: Shop, two: tuple[int, int]) -> None:
    """The rule is core's, so Slack's command, its form and the CLI are all held to it."""
    _, plumbing = two
    gold = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(4), transferable=True))
    silver = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(3)), name="Silver")
    giver, gold_membership = member(shop, gold, date(2025, 1, 15))
    member(shop, silver, date(2025, 1, 15), customer=giver)  # 3 more credits, kept by their plan
    with shop.tx(STAFF, write=False) as ctx:
        planned = credits.preview_transfer_between(ctx, giver, plumbing, D(4))
        assert ledger.transferable(ctx, giver) == D(4)
        with pytest.raises(ledger.NotEnoughCredits, match="Only 4 credits can be transferred") as asked:
            credits.preview_transfer_between(ctx, giver, plumbing, D(5))
    assert (planned.transferable, planned.kept, planned.lots) == (D(4), D(3), ((None, D(4)),))
    assert asked.value.field == "quantity"
    with shop.tx(STAFF) as ctx, pytest.raises(ledger.NotEnoughCredits, match="Only 4 credits"):
        credits.transfer(ctx, giver, plumbing, D(5), key="too-many")
    with shop.tx(STAFF) as ctx:
        credits.transfer(ctx, giver, plumbing, D(4), key="all-of-gold")
    with shop.tx(STAFF, write=False) as ctx:
        moved = [e for e in ledger.history(ctx, giver) if e.kind == "transfer_out"]
        assert ledger.balance(ctx, giver).total(Unit.CREDIT) == D(3) and ledger.transferable(ctx, giver) == 0
    assert {e.contract_id for e in moved} == {gold_membership} and sum(-e.quantity for e in moved) == 4


def test_who_may_ask(shop: Shop, two: tuple[int, int]) -> None:
    with shop.tx(ADMIN, write=False) as ctx:
        target = credits.grantee(ctx, "Northwind Traders")
    assert target.customer.id == two[0] and target.today == date(2025, 1, 15)
    with shop.tx(STAFF, write=False) as ctx, pytest.raises(PermissionDenied):
        credits.grantee(ctx, "Northwind Traders")  # manual grants are for admins
    for flow in (credits.history, credits.report):
        with shop.tx(NOBODY, write=False) as ctx, pytest.raises(PermissionDenied):
            flow(ctx, "Northwind Traders")
    with shop.tx(NOBODY, write=False) as ctx, pytest.raises(PermissionDenied):
        credits.preview_transfer(ctx, "Northwind Traders", "northwind plumbing", D(1))


def test_history_report_and_form(shop: Shop, two: tuple[int, int]) -> None:
    north, _ = two
    with shop.tx(STAFF, write=False) as ctx:
        seen = credits.history(ctx, "Northwind Traders")
        made = credits.report(ctx, "Northwind Traders")
        form = credits.redeem_form(ctx, north)
        empty = credits.redeem_form(ctx)
    assert seen.customer.id == north and [e.quantity for e in seen.entries] == [D(2), D(3)]
    assert str(seen.tz) == "America/New_York"
    assert made.customer.id == north and made.xlsx.startswith(b"PK") and made.on == date(2025, 1, 15)
    assert form.customer is not None and form.customer.id == north and empty.customer is None


def test_a_statement_is_the_credit_report_of_the_customer_named(shop: Shop, two: tuple[int, int]) -> None:
    north, _ = two
    with shop.tx(STAFF, write=False) as ctx:
        done = credits.statement(ctx, "northwind traders")
        with pytest.raises(SeveralCustomers):
            credits.statement(ctx, "northwind")
    assert done.customer.id == north and (done.report.customer, done.report.membership) == (
        "Northwind Traders",
        "",
    )
    with shop.tx(NOBODY, write=False) as ctx, pytest.raises(PermissionDenied):
        credits.statement(ctx, "Northwind Traders")
