"""The approval policy in core, for every caller (Slack, the CLI, a crafted submission): what waits,
where the request goes, and that nobody approves or rejects their own request — held by the
services themselves, not by whichever surface asked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.approvals import flows, policy
from core.approvals import service as approvals
from core.context import SYSTEM
from core.credits import ledger
from core.credits.lots import Unit
from core.kernel.errors import Conflict, PermissionDenied
from core.memberships import service as memberships
from core.workspace.tenants import update_settings
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import at
from tests.integration.helpers import add_customer, plan_by_name


def held_grant(shop: Shop, asker: str = ADMIN, *, key: str = "g1", asked_in: str = "CDESK") -> flows.Held:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
        update_settings(ctx, approve_grants_above=Decimal(10))
    with shop.tx(asker) as ctx:
        held = flows.grant(ctx, customer, Decimal(25), "goodwill", key=key, asked_in=asked_in)
    assert isinstance(held, flows.Held)
    return held


def test_a_grant_at_the_threshold_is_made_and_above_it_is_held_where_it_was_asked(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
        update_settings(ctx, approve_grants_above=Decimal(10))
    with shop.tx(ADMIN) as ctx:
        made = flows.grant(ctx, customer, Decimal(10), "goodwill", key="small", asked_in="CDESK")
        held = flows.grant(ctx, customer, Decimal(25), "goodwill", key="big", asked_in="CDESK")
    assert isinstance(made, flows.Granted) and (made.left, made.replayed) == (Decimal(10), False)
    assert made.customer.id == customer
    assert isinstance(held, flows.Held) and held.channel == "CDESK"
    assert (held.request.kind, held.request.status, held.request.requested_by) == ("grant", "pending", ADMIN)
    assert held.request.summary == "Grant 25 credits to Acme Heating (Ann Lee): goodwill"
    with shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == Decimal(10)  # the big one waits


def test_the_request_goes_to_the_approvals_channel_when_there_is_one(shop: Shop) -> None:
    with shop.tx() as ctx:
        update_settings(ctx, approvals_channel="CAPPROVALS")
    assert held_grant(shop).channel == "CAPPROVALS"
    with shop.tx(write=False) as ctx:
        assert policy.destination(ctx, "") == "CAPPROVALS"


def test_asked_nowhere_in_particular_the_caller_posts_it_where_it_is(shop: Shop) -> None:
    assert held_grant(shop, asked_in="").channel == ""


@pytest.mark.parametrize("approve", [True, False])
def test_nobody_decides_their_own_request_whoever_calls(shop: Shop, approve: bool) -> None:
    asked = held_grant(shop, ADMIN).request
    with pytest.raises(PermissionDenied, match="own request"), shop.tx(ADMIN) as ctx:
        approvals.may_decide(ctx, asked.id)
    with pytest.raises(PermissionDenied, match="own request"), shop.tx(ADMIN) as ctx:
        approvals.decide(ctx, asked.id, approve=approve, reason="mine")
    with pytest.raises(PermissionDenied, match="admin or manager"), shop.tx(STAFF) as ctx:
        approvals.may_decide(ctx, asked.id)
    with shop.tx(write=False) as ctx:
        assert approvals.get(ctx, asked.id).status == "pending"
    with shop.tx(MANAGER) as ctx:
        assert approvals.may_decide(ctx, asked.id) == asked
        done = approvals.decide(ctx, asked.id, approve=approve, reason="checked")
    assert (done.status, done.decided_by) == ("approved" if approve else "rejected", MANAGER)


def test_a_request_decided_before_says_who_decided_as_data_not_as_a_mention(shop: Shop) -> None:
    asked = held_grant(shop).request
    with shop.tx(MANAGER) as ctx:
        approvals.decide(ctx, asked.id, approve=True)
    with pytest.raises(approvals.AlreadyDecided) as refused, shop.tx(MANAGER) as ctx:
        approvals.decide(ctx, asked.id, approve=False, reason="late")
    assert isinstance(refused.value, Conflict)
    assert refused.value.message == f"A-{asked.id} was already approved."
    assert (refused.value.request.status, refused.value.request.decided_by) == ("approved", MANAGER)
    assert "<@" not in refused.value.message


def test_what_waits_for_a_person_is_what_they_may_decide_oldest_first(shop: Shop) -> None:
    at(shop, date(2025, 1, 13))
    held = held_grant(shop, ADMIN)  # the admin's grant: the manager decides it
    at(shop, date(2025, 1, 14))
    with shop.tx() as ctx:
        bo = add_customer(ctx, "Bo's Bakery", "")
    with shop.tx(MANAGER) as ctx:
        sale = memberships.assign(ctx, bo, plan_by_name(ctx, "Silver").id, date(2025, 2, 1))
    with shop.tx(MANAGER, write=False) as ctx:
        mine = flows.waiting_for(ctx)
    assert [(p.reference, p.customer, p.plan, p.asked_by) for p in mine] == [
        (held.request.reference, "Acme Heating (Ann Lee)", "", ADMIN)
    ]  # not the manager's own sale
    with shop.tx(ADMIN, write=False) as ctx:
        (waiting,) = flows.waiting_for(ctx)  # not the admin's own grant
        assert waiting.asked_at.tzinfo == ctx.tz  # shown in the workspace's time
    assert (waiting.reference, waiting.is_sale, waiting.plan, waiting.start) == (
        sale.reference,
        True,
        "Silver",
        date(2025, 2, 1),
    )
    with shop.tx(SYSTEM, write=False) as ctx:  # the CLI: both
        assert [p.reference for p in flows.waiting_for(ctx)] == [held.request.reference, sale.reference]
    with (
        shop.tx(STAFF, write=False) as ctx,
        pytest.raises(PermissionDenied, match="Only a manager or an admin"),
    ):
        flows.waiting_for(ctx)
