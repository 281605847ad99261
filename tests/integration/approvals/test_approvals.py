"""Approval policies: grants above a threshold, freezes, cancellations inside the lock-in."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from core.approvals import policy
from core.approvals import service as approvals
from core.credits import ledger
from core.credits.lots import Unit
from core.kernel.errors import Conflict, InvalidInput, MemberbotError, PermissionDenied
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.plans import service as plans
from core.workspace import roles
from core.workspace.tenants import update_settings
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import at, member
from tests.integration.helpers import add_customer, plan_by_name


def credits(shop: Shop, customer: int) -> Decimal:
    with shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def grant_request(shop: Shop, customer: int, quantity: str = "25", key: str = "g1") -> approvals.ApprovalView:
    with shop.tx(ADMIN) as ctx:
        update_settings(ctx, approve_grants_above=Decimal(10))
        assert policy.grant_waits(ctx, Decimal(quantity))
        request = {"customer": customer, "quantity": quantity, "reason": "goodwill", "expires": None}
        return approvals.request_approval(ctx, "grant", request, f"Grant {quantity}", key=key)


def test_a_big_grant_waits_and_is_made_once_in_the_requesters_name(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
        update_settings(ctx, approve_grants_above=Decimal(10))
        assert not policy.grant_waits(ctx, Decimal(10))  # at the threshold: no wait
    asked = grant_request(shop, customer)
    assert grant_request(shop, customer).id == asked.id  # asking twice asks once
    assert credits(shop, customer) == 0
    with shop.tx(MANAGER) as ctx:
        done = approvals.decide(ctx, asked.id, approve=True)
    assert (done.status, done.decided_by) == ("approved", MANAGER)
    assert credits(shop, customer) == Decimal(25)
    with shop.tx(write=False) as ctx:
        (entry,) = ledger.history(ctx, customer)
    assert (entry.actor, entry.reason) == (ADMIN, "goodwill")
    with pytest.raises(Conflict, match="already approved"), shop.tx(ADMIN) as ctx:
        approvals.decide(ctx, asked.id, approve=True)
    assert credits(shop, customer) == Decimal(25)


def test_nobody_decides_their_own_request_and_staff_decide_nothing(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    asked = grant_request(shop, customer)
    with pytest.raises(PermissionDenied, match="own request"), shop.tx(ADMIN) as ctx:
        approvals.decide(ctx, asked.id, approve=True)
    with pytest.raises(PermissionDenied), shop.tx(STAFF) as ctx:
        approvals.decide(ctx, asked.id, approve=True)
    with pytest.raises(PermissionDenied), shop.tx(STAFF) as ctx:  # nor ask for what they may not do
        approvals.request_approval(
            ctx, "grant", {"customer": customer, "quantity": "50", "reason": "x"}, "", key="s"
        )
    with pytest.raises(InvalidInput, match="why"), shop.tx(MANAGER) as ctx:
        approvals.decide(ctx, asked.id, approve=False, reason=" ")
    with shop.tx(MANAGER) as ctx:
        assert approvals.decide(ctx, asked.id, approve=False, reason="too generous").status == "rejected"
    assert credits(shop, customer) == 0


def test_a_request_that_could_not_be_made_is_refused_at_once(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
        update_settings(ctx, approve_grants_above=Decimal(10))
        with pytest.raises(MemberbotError, match="reason"):
            approvals.request_approval(
                ctx, "grant", {"customer": customer, "quantity": "25", "reason": ""}, "", key="k"
            )
    with shop.tx(write=False) as ctx:
        assert approvals.pending(ctx) == []


def test_freezes_and_cancellations_inside_the_lock_in_wait_when_the_policy_says_so(shop: Shop) -> None:
    at(shop, date(2025, 1, 15))
    with shop.tx() as ctx:
        gold = plan_by_name(ctx, "Gold")
        plans.update_plan(ctx, gold.id, replace(gold.terms, lock_in_months=3))
    _, contract = member(shop, gold.id, date(2025, 1, 15))
    with shop.tx(MANAGER) as ctx:
        assert not policy.freeze_waits(ctx) and not policy.cancel_waits(ctx, contract)
    with shop.tx(ADMIN) as ctx:
        update_settings(ctx, approve_freezes=True, approve_lock_in_cancels=True)
    with shop.tx(MANAGER) as ctx:
        assert policy.freeze_waits(ctx) and policy.cancel_waits(ctx, contract)
        asked = approvals.request_approval(
            ctx, "cancel", {"contract": contract, "reason": "moving away"}, "Cancel", key="c1"
        )
    with shop.tx(ADMIN) as ctx:
        approvals.decide(ctx, asked.id, approve=True)
        assert memberships.get(ctx, contract).status is Status.CANCELLED
    at(shop, date(2025, 4, 15))  # the lock-in is over
    with shop.tx(MANAGER) as ctx:
        assert not policy.cancel_waits(ctx, contract)


def test_two_managers_deciding_at_once_decide_once(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    asked = grant_request(shop, customer)
    start, outcomes = threading.Barrier(2), list[str]()

    def decide(actor: str) -> None:
        start.wait()
        try:
            with shop.tx(actor) as ctx:
                approvals.decide(ctx, asked.id, approve=True)
            outcomes.append("approved")
        except Conflict:
            outcomes.append("conflict")

    with shop.tx() as ctx:
        roles.grant(ctx, "UMANAGER2", "manager")
    workers = [threading.Thread(target=decide, args=(who,)) for who in (MANAGER, "UMANAGER2")]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(outcomes) == ["approved", "conflict"]
    assert credits(shop, customer) == Decimal(25)
