"""Where a request for a decision was posted, kept per workspace; its decision queues the update of
that message in the outbox, in the decision's own transaction, as plain data (once)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core import outbox
from core.approvals import posts
from core.approvals import service as approvals
from core.context import transaction
from core.kernel.errors import InvalidInput
from core.memberships import flows
from core.memberships import service as memberships
from core.workspace.flows import ensure_tenant
from core.workspace.tenants import update_settings
from storage.tables.outbox import Outbox
from tests.conftest import ADMIN, MANAGER, STAFF, Shop, new_team
from tests.integration.helpers import add_customer, plan_by_name


def grant_asked(shop: Shop) -> int:
    with shop.tx(ADMIN) as ctx:
        customer = add_customer(ctx, "Anna Yoga")
        update_settings(ctx, approve_grants_above=Decimal(10))
        wanted = {"customer": customer, "quantity": "25", "reason": "goodwill", "expires": None}
        return approvals.request_approval(ctx, "grant", wanted, "Grant 25 credits", key="g1").id


def queued(shop: Shop) -> list[Outbox]:
    with shop.tx(write=False) as ctx:
        return [r for r in outbox.pending(ctx) if r.kind == outbox.Kind.APPROVAL_DECIDED]


def test_a_posted_request_decided_queues_its_update_once_as_plain_data(shop: Shop) -> None:
    request = grant_asked(shop)
    with shop.tx(ADMIN) as ctx:
        posts.record(ctx, f"A-{request}", "CAPPROVALS", "1.000001")
        posts.record(ctx, f"A-{request}", "CELSEWHERE", "2.000002")  # posted again: the first stands
    with shop.tx(MANAGER) as ctx:
        assert approvals.decide(ctx, request, approve=False, reason=" Too generous ").posted
    (update,) = queued(shop)
    assert update.to == "CAPPROVALS" and update.key == f"approval-decided-A-{request}"
    assert update.data == {
        "reference": f"A-{request}",
        "ts": "1.000001",
        "summary": "Grant 25 credits",
        "requested_by": ADMIN,
        "outcome": "rejected",
        "decided_by": MANAGER,
        "decided_at": "2025-01-15T15:00:00+00:00",
        "reason": "Too generous",
    }


def test_a_refused_decision_queues_nothing(shop: Shop) -> None:
    request = grant_asked(shop)
    with shop.tx(ADMIN) as ctx:
        posts.record(ctx, f"A-{request}", "CAPPROVALS", "1.000001")
    with pytest.raises(InvalidInput), shop.tx(MANAGER) as ctx:
        approvals.decide(ctx, request, approve=False, reason="  ")
    assert queued(shop) == []


def test_a_sale_never_posted_is_decided_with_nothing_to_update(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx, "Bo's Bakery")
    with shop.tx(STAFF) as ctx:
        sale = memberships.assign(ctx, customer, plan_by_name(ctx, "Silver").id, date(2025, 2, 1)).id
    with shop.tx(MANAGER) as ctx:
        assert not flows.decide(ctx, sale, approve=True).posted
    assert queued(shop) == []


def test_a_sales_update_carries_its_terms_and_posts_are_the_workspaces_own(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx, "Bo's Bakery")
    with shop.tx(STAFF) as ctx:
        silver = plan_by_name(ctx, "Silver").id
        first, second = (memberships.assign(ctx, customer, silver, date(2025, 2, 1)).id for _ in range(2))
    other = new_team()
    ensure_tenant(shop.db, shop.clock, other, admins=[ADMIN])
    with transaction(shop.db, other, ADMIN, shop.clock) as ctx:
        posts.record(ctx, f"M-{first}", "COTHER", "9.000009")  # the same reference, another workspace
    with shop.tx(ADMIN) as ctx:
        posts.record(ctx, f"M-{second}", "CFRONTDESK", "3.000003")
    with shop.tx(MANAGER) as ctx:
        assert not flows.decide(ctx, first, approve=True).posted
        assert flows.decide(ctx, second, approve=True).posted
    (update,) = queued(shop)
    assert (update.to, update.data["ts"], update.data["reference"]) == (
        "CFRONTDESK",
        "3.000003",
        f"M-{second}",
    )
    assert {k: update.data[k] for k in ("customer", "plan", "start", "end", "status", "outcome")} == {
        "customer": "Bo's Bakery",
        "plan": "Silver",
        "start": "2025-02-01",
        "end": "2026-01-31",
        "status": "scheduled",
        "outcome": "approved",
    }
