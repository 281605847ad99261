"""Memberships' flows over storage: a sale waits and says where its request goes; nobody decides
their own sale, whoever calls; a freeze or a cancellation inside the lock-in is held when the
policy says so; a cancellation is previewed without writing, and confirming twice cancels once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from core.approvals.flows import Held
from core.context import Ctx
from core.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.kernel.money import display
from core.memberships import flows
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.plans import service as plans
from core.workspace.tenants import update_settings
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import at, member
from tests.integration.helpers import add_customer, plan_by_name

TODAY = date(2025, 1, 15)


def no_dates(today: date) -> tuple[date | None, date | None]:
    return None, None


def confirm(ctx: Ctx, contract: int, fee: Decimal, key: str, asked_in: str = "") -> object:
    """Confirm the cancellation "now, moving away" previewed with `fee`."""
    return flows.cancel(
        ctx,
        contract,
        "moving away",
        on=None,
        at_term_end=False,
        expected_fee=fee,
        effective=TODAY,
        key=key,
        asked_in=asked_in,
    )


def moving_away(today: date) -> tuple[date | None, bool, str]:
    return None, False, "moving away"


def gold(shop: Shop, *, lock_in: int = 0) -> int:
    at(shop, TODAY)
    with shop.tx() as ctx:
        plan = plan_by_name(ctx, "Gold")
        if lock_in:
            plans.update_plan(ctx, plan.id, replace(plan.terms, lock_in_months=lock_in))
        return plan.id


def test_a_sale_waits_and_its_request_goes_where_it_was_sold_or_to_the_approvals_channel(shop: Shop) -> None:
    plan = gold(shop)
    with shop.tx(STAFF) as ctx:
        customer = add_customer(ctx)
        sale = flows.sell(ctx, customer, plan, None, None, asked_in="CDESK")
    assert (sale.membership.status, sale.membership.start, sale.membership.seller) == (
        Status.PENDING,
        TODAY,
        STAFF,
    )
    assert (sale.customer, sale.plan.name, sale.currency, sale.channel) == (
        "Acme Heating (Ann Lee)",
        "Gold",
        "USD",
        "CDESK",
    )
    with shop.tx() as ctx:
        update_settings(ctx, approvals_channel="CAPPROVALS")
        memberships.approve(ctx, sale.membership.id)
    with shop.tx(STAFF) as ctx:
        assert flows.renew(ctx, sale.membership.id, asked_in="CDESK").channel == "CAPPROVALS"


def test_a_sale_by_text_sells_when_it_names_one_customer_and_one_plan_and_drafts_the_form_otherwise(
    shop: Shop,
) -> None:
    plan = gold(shop)
    with shop.tx(STAFF) as ctx:
        customer = add_customer(ctx)

    def from_march(today: date) -> tuple[date | None, date | None]:
        return date(2025, 3, 1), None

    with shop.tx(STAFF) as ctx:
        sold = flows.sell_typed(ctx, "acme gold", from_march, asked_in="CDESK")
        draft = flows.sell_typed(ctx, "acme", no_dates)
        unknown = flows.sell_typed(ctx, "nobody at all gold", from_march)
    assert isinstance(sold, flows.Sale) and sold.membership.start == date(2025, 3, 1)
    assert isinstance(draft, flows.SaleForm)
    assert (draft.customer, draft.plan, draft.start) == ((customer, "Acme Heating (Ann Lee)"), None, TODAY)
    assert isinstance(unknown, flows.SaleForm)
    assert (unknown.customer, unknown.plan and unknown.plan.id, unknown.start) == (
        None,
        plan,
        date(2025, 3, 1),
    )
    assert plan in [p.id for p in draft.plans]


def test_dates_are_read_only_for_those_who_may_sell(shop: Shop) -> None:
    gold(shop)
    read: list[date] = []

    def dates(today: date) -> tuple[date | None, date | None]:
        read.append(today)
        return None, None

    with shop.tx("UNOBODY") as ctx, pytest.raises(PermissionDenied):
        flows.sell_typed(ctx, "acme gold", dates)
    assert read == []


@pytest.mark.parametrize("approve", [True, False])
def test_nobody_decides_their_own_sale_whoever_calls(shop: Shop, approve: bool) -> None:
    plan = gold(shop)
    with shop.tx(MANAGER) as ctx:
        sale = flows.sell(ctx, add_customer(ctx), plan, None, None)
    contract = sale.membership.id
    with shop.tx(MANAGER) as ctx, pytest.raises(PermissionDenied, match="own sale"):
        memberships.may_decide(ctx, contract)
    with shop.tx(MANAGER) as ctx, pytest.raises(PermissionDenied, match="own sale"):
        flows.decide(ctx, contract, approve=approve, reason="mine")
    with shop.tx(MANAGER) as ctx, pytest.raises(PermissionDenied, match="own sale"):
        memberships.reject(ctx, contract, "mine") if not approve else memberships.approve(ctx, contract)
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied, match="admin or manager"):
        memberships.may_decide(ctx, contract)
    with shop.tx(ADMIN) as ctx:
        assert memberships.may_decide(ctx, contract).status is Status.PENDING
        done = flows.decide(ctx, contract, approve=approve, reason=" wrong plan ")
    assert (done.approved, done.plan, done.reason) == (approve, "Gold", "wrong plan")
    assert done.membership.status is (Status.ACTIVE if approve else Status.REJECTED)


def test_listing_and_reporting_a_customers_memberships(shop: Shop) -> None:
    plan = gold(shop)
    customer, first = member(shop, plan, TODAY)
    _, second = member(shop, plan, TODAY, customer=customer)
    with shop.tx(STAFF, write=False) as ctx:
        listed = flows.memberships_of(ctx, "customer 2025")
        by_customer = flows.reports(ctx, "customer 2025")
        one = flows.reports(ctx, first)
    assert listed.customer.id == customer and {m.id for m in listed.memberships} == {first, second}
    assert {r.membership.id for r in by_customer} == {first, second}
    assert [r.membership.id for r in one] == [first]
    with shop.tx(STAFF, write=False) as ctx, pytest.raises(NotFound):
        flows.memberships_of(ctx, "nobody like this")


def test_only_those_who_may_delete_are_shown_the_deletion(shop: Shop) -> None:
    _, contract = member(shop, gold(shop), TODAY)
    with shop.tx(STAFF, write=False) as ctx, pytest.raises(PermissionDenied):
        flows.to_delete(ctx, contract)
    with shop.tx(ADMIN, write=False) as ctx:
        assert flows.to_delete(ctx, contract).id == contract


def test_a_freeze_is_made_or_held_by_the_policy_and_a_planned_one_is_withdrawn(shop: Shop) -> None:
    _, contract = member(shop, gold(shop), TODAY)

    def from_february(today: date) -> tuple[date | None, date | None, str]:
        return date(2025, 2, 1), date(2025, 2, 20), "travelling"

    with shop.tx(MANAGER) as ctx:
        frozen = flows.freeze(ctx, contract, from_february)
    assert isinstance(frozen, flows.Frozen) and frozen.planned
    with shop.tx(MANAGER) as ctx:
        unfrozen = flows.unfreeze(ctx, contract, "back early")
    assert unfrozen.withdrawn_from == date(2025, 2, 1) and unfrozen.membership.status is Status.ACTIVE
    with shop.tx() as ctx:
        update_settings(ctx, approve_freezes=True, approvals_channel="CAPPROVALS")
    with shop.tx(MANAGER) as ctx:
        held = flows.freeze(ctx, contract, from_february, asked_in="CDESK")
        again = flows.freeze(ctx, contract, from_february, asked_in="CDESK")
    assert isinstance(held, Held) and isinstance(again, Held)
    assert held.channel == "CAPPROVALS" and again.request.id == held.request.id  # asked once
    assert held.request.summary.endswith("from Sat 1 Feb 2025 until Thu 20 Feb 2025: travelling")
    with shop.tx(write=False) as ctx:
        assert memberships.get(ctx, contract).status is Status.ACTIVE


def test_a_cancellation_is_previewed_without_writing_and_confirmed_once(shop: Shop) -> None:
    _, contract = member(shop, gold(shop), TODAY)
    with shop.tx(MANAGER) as ctx:
        shown = flows.cancel_preview(ctx, contract, moving_away)
    assert (shown.preview.effective_on, shown.waits, shown.reason, shown.changed) == (
        TODAY,
        False,
        "moving away",
        None,
    )
    with shop.tx(write=False) as ctx:
        assert memberships.get(ctx, contract).status is Status.ACTIVE  # the preview wrote nothing
    with shop.tx(MANAGER) as ctx:
        done = confirm(ctx, contract, shown.preview.lock_in_fee, "k1")
        twice = confirm(ctx, contract, shown.preview.lock_in_fee, "k1")
    assert isinstance(done, flows.Cancelled) and done.membership.status is Status.CANCELLED
    assert twice == flows.AlreadyCancelled(f"M-{contract}", TODAY)


def test_a_cancellation_that_cannot_be_made_is_refused_at_the_preview(shop: Shop) -> None:
    plan = gold(shop)
    with shop.tx(STAFF) as ctx:
        pending = flows.sell(ctx, add_customer(ctx), plan, None, None).membership.id
    with shop.tx(MANAGER) as ctx, pytest.raises(Conflict):
        flows.cancel_preview(ctx, pending, moving_away)

    def no_reason(today: date) -> tuple[date | None, bool, str]:
        raise InvalidInput.single("reason", "Say why.")

    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied):  # the role first, then the typing
        flows.cancel_preview(ctx, pending, no_reason)
    with shop.tx(MANAGER) as ctx, pytest.raises(InvalidInput):
        flows.cancel_preview(ctx, pending, no_reason)


def test_a_cancellation_inside_the_lock_in_is_held_asked_once_and_a_changed_fee_is_shown_again(
    shop: Shop,
) -> None:
    _, contract = member(shop, gold(shop, lock_in=3), TODAY)
    with shop.tx(MANAGER) as ctx:
        shown = flows.cancel_preview(ctx, contract, moving_away)
    fee = shown.preview.lock_in_fee
    assert fee > 0 and not shown.waits
    with shop.tx(MANAGER) as ctx:
        stale = confirm(ctx, contract, fee + 1, "k0")
    assert isinstance(stale, flows.CancelPreview) and stale.changed == fee + 1
    with shop.tx() as ctx:
        update_settings(ctx, approve_lock_in_cancels=True)
    with shop.tx(MANAGER) as ctx:
        assert flows.cancel_preview(ctx, contract, moving_away).waits
        held = confirm(ctx, contract, fee, "k1", asked_in="CDESK")
        again = confirm(ctx, contract, fee, "k1", asked_in="CDESK")
    assert isinstance(held, Held) and held.channel == "CDESK"
    assert held.request.summary == (
        f"Cancel M-{contract} (Customer 2025-01-15, Gold) from Wed 15 Jan 2025 with a lock-in fee of "
        f"{display(fee, 'USD')}: moving away"
    )
    assert again == flows.AlreadyAsked(held.request)
    with shop.tx(write=False) as ctx:
        assert memberships.get(ctx, contract).status is Status.ACTIVE
