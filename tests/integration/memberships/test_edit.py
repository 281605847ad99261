"""Editing a sold contract (core/memberships/flows.py): new dates move its visits, charges and
credits (change_dates); summary, location and seller change; each edit is one contract-log entry
with who and why; a mistake in any field writes nothing; staff's new dates for a sold contract
wait for a manager, who never approves their own request."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.approvals import service as approvals
from core.approvals.flows import Held
from core.catalog import locations
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.errors import Conflict, InvalidInput, PermissionDenied
from core.memberships import flows
from core.memberships import service as memberships
from core.memberships.service import MembershipView
from core.workspace import roles
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import at, credit_plan, member
from tests.integration.helpers import add_customer, with_services

TODAY = date(2025, 1, 15)


def sold(shop: Shop) -> int:
    """A Gold membership from today for 12 months, 4 credits a month, a weekly visit; approved."""
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4)))
    at(shop, TODAY)
    with shop.tx() as ctx:
        with_services(ctx)
    return member(shop, plan, TODAY)[1]


def as_is(m: MembershipView, **changed: Any) -> flows.Edit:
    kept = flows.Edit(m.start, m.end, m.summary, m.location_id, m.seller, "correcting the contract")
    return replace(kept, **changed)


def current(shop: Shop, contract: int) -> MembershipView:
    with shop.tx(write=False) as ctx:
        return memberships.get(ctx, contract)


def test_the_form_shows_the_contract_and_where_it_may_be_sold(shop: Shop) -> None:
    contract = sold(shop)
    with shop.tx() as ctx:
        locations.add_location(ctx, "Downtown")
    with shop.tx(STAFF) as ctx:
        form = flows.edit_form(ctx, contract)
    assert (form.membership.start, form.membership.seller, form.dates_wait) == (TODAY, STAFF, True)
    assert [name for _, name in form.locations] == ["Downtown"]
    with shop.tx(MANAGER) as ctx:
        assert flows.edit_form(ctx, contract).dates_wait is False
    with shop.tx("UNOBODY") as ctx, pytest.raises(PermissionDenied):
        flows.edit_form(ctx, contract)


def test_new_dates_move_visits_charges_and_credits_shown_first_then_applied(shop: Shop) -> None:
    contract = sold(shop)
    m = current(shop, contract)
    earlier = as_is(m, start=date(2024, 12, 15), end=date(2025, 3, 14), reason="signed in December")
    with shop.tx(MANAGER) as ctx:
        shown = flows.preview_edit(ctx, contract, earlier)
    assert shown.dates_changed and not shown.waits
    assert shown.after.credits == shown.before.credits + 4  # December's period is due too
    assert shown.after.visits < shown.before.visits  # the term ends in March now
    assert shown.after.last_visit is not None and shown.after.last_visit <= date(2025, 3, 14)
    assert shown.after.charges == 3 and shown.before.charges != shown.after.charges
    assert current(shop, contract) == m  # the preview wrote nothing
    with shop.tx(MANAGER) as ctx:
        done = flows.edit(ctx, contract, earlier)
    assert isinstance(done, flows.Edited)
    assert (done.membership.start, done.membership.end) == (date(2024, 12, 15), date(2025, 3, 14))
    with shop.tx(write=False) as ctx:
        after = flows.preview_edit(ctx, contract, as_is(current(shop, contract), summary="x")).before
        last = memberships.history(ctx, contract)[-1]
    assert (after.credits, after.visits, after.charges) == (
        shown.after.credits,
        shown.after.visits,
        shown.after.charges,
    )
    assert (last.action, last.actor) == ("edit", MANAGER)
    assert last.reason == "start 2025-01-15 -> 2024-12-15; end 2026-01-14 -> 2025-03-14. signed in December"


def test_summary_location_and_seller_change_with_one_log_entry(shop: Shop) -> None:
    contract = sold(shop)
    with shop.tx() as ctx:
        downtown = locations.add_location(ctx, "Downtown")
        roles.grant(ctx, "USELLER", "staff")
    m = current(shop, contract)
    with shop.tx(STAFF) as ctx:  # no dates change: staff's to correct, no approval
        done = flows.edit(
            ctx, contract, as_is(m, summary="Two units", location_id=downtown, seller="USELLER")
        )
    assert isinstance(done, flows.Edited)
    assert (done.membership.summary, done.membership.location, done.membership.seller) == (
        "Two units",
        "Downtown",
        "USELLER",
    )
    with shop.tx(write=False) as ctx:
        last = memberships.history(ctx, contract)[-1]
    assert (last.action, last.actor) == ("edit", STAFF)
    assert (
        last.reason
        == "summary; location no location -> Downtown; seller USTAFF -> USELLER. correcting the contract"
    )
    with shop.tx(STAFF) as ctx, pytest.raises(Conflict, match="nothing to change"):
        flows.edit(ctx, contract, as_is(current(shop, contract)))


def test_every_mistake_is_named_at_once_and_nothing_is_written(shop: Shop) -> None:
    contract = sold(shop)
    m = current(shop, contract)
    wrong = as_is(
        m,
        start=date(2025, 3, 1),
        end=date(2025, 2, 1),
        location_id=999,
        seller="UNOBODY",
        reason=" ",
    )
    with shop.tx(MANAGER) as ctx, pytest.raises(InvalidInput) as raised:
        flows.preview_edit(ctx, contract, wrong)
    assert {e.field for e in raised.value.errors} == {"end", "location", "seller", "reason"}
    with shop.tx(MANAGER) as ctx, pytest.raises(InvalidInput):
        flows.edit(ctx, contract, wrong)
    with shop.tx(MANAGER) as ctx, pytest.raises(InvalidInput, match="end date is required"):
        flows.edit(ctx, contract, as_is(m, end=None))  # a fixed-term plan
    assert current(shop, contract) == m
    with shop.tx(write=False) as ctx:
        assert memberships.history(ctx, contract)[-1].action == "approve"


def test_staff_new_dates_wait_for_a_manager_who_is_not_the_requester(shop: Shop) -> None:
    contract = sold(shop)
    m = current(shop, contract)
    later = as_is(m, start=date(2025, 2, 1), end=date(2026, 1, 31), reason="started late")
    with shop.tx(STAFF) as ctx:
        assert flows.preview_edit(ctx, contract, later).waits
        held = flows.edit(ctx, contract, later, asked_in="CDESK")
        again = flows.edit(ctx, contract, later, asked_in="CDESK")
    assert isinstance(held, Held) and isinstance(again, Held)
    assert held.request.id == again.request.id and held.channel == "CDESK"
    assert held.request.kind == "edit" and "started late" in held.request.summary
    assert current(shop, contract).start == TODAY  # held: nothing moved yet
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied):  # directly, staff may not
        memberships.edit(
            ctx, contract, later.start, later.end, summary="", location_id=None, seller=STAFF, reason="x"
        )
    with shop.tx(MANAGER) as ctx:
        approvals.decide(ctx, held.request.id, approve=True)
    moved = current(shop, contract)
    assert (moved.start, moved.end) == (date(2025, 2, 1), date(2026, 1, 31))
    with shop.tx(write=False) as ctx:
        last = memberships.history(ctx, contract)[-1]
    assert (last.action, last.actor) == ("edit", STAFF)  # made in the requester's name


def test_nobody_approves_their_own_edit(shop: Shop) -> None:
    contract = sold(shop)
    with shop.tx() as ctx:
        roles.grant(ctx, STAFF, "staff")
    m = current(shop, contract)
    with shop.tx(STAFF) as ctx:
        held = flows.edit(ctx, contract, as_is(m, end=date(2025, 12, 31)))
    assert isinstance(held, Held)
    with shop.tx(ADMIN) as ctx:
        roles.grant(ctx, STAFF, "manager")  # promoted meanwhile: still their own request
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied, match="own request"):
        approvals.decide(ctx, held.request.id, approve=True)


def test_a_past_sale_is_recorded_only_when_confirmed(shop: Shop) -> None:
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4)))
    at(shop, TODAY)
    with shop.tx(STAFF) as ctx:
        customer = add_customer(ctx)
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput, match="entirely in the past") as raised:
        flows.sell(ctx, customer, plan, date(2023, 1, 1), None)
    assert raised.value.errors[0].field == "past"
    with shop.tx(STAFF) as ctx, pytest.raises(InvalidInput, match="before the start date"):
        flows.sell(ctx, customer, plan, TODAY, date(2025, 1, 14))  # the end's mistake, not "past"

    def last_year(today: date) -> tuple[date | None, date | None]:
        return date(2023, 1, 1), None

    with shop.tx(STAFF) as ctx:
        assert isinstance(flows.sell_typed(ctx, "acme gold", last_year), flows.SaleForm)
        sale = flows.sell(ctx, customer, plan, date(2023, 1, 1), None, summary="Paper contract", past=True)
    assert (sale.membership.end, sale.membership.summary) == (date(2023, 12, 31), "Paper contract")
