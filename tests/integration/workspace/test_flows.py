"""The workspace's flows over storage: the settings form saves the workspace's and billing's
settings in one unit of work (a refusal saves neither), and the App Home in one read, by role."""

from __future__ import annotations

import dataclasses
from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from core.catalog import locations as catalog
from core.classes import service as classes
from core.classes.service import SeriesTerms
from core.credits import ledger
from core.credits.lots import Unit
from core.kernel.errors import InvalidInput, PermissionDenied
from core.kernel.recurrence import Weekly
from core.memberships import service as memberships
from core.workspace import flows
from core.workspace.home import home
from core.workspace.roles import Action
from tests.conftest import ADMIN, MANAGER, NOBODY, STAFF, Shop
from tests.integration.credit_helpers import at
from tests.integration.helpers import add_customer, plan_by_name, with_services


def test_the_settings_form_saves_the_workspaces_and_billings_settings_or_neither(shop: Shop) -> None:
    with shop.tx(ADMIN, write=False) as ctx:
        before = flows.workspace_settings(ctx)
    changed = dataclasses.replace(before.workspace, timezone="Europe/Lisbon", grace_days=3)
    with pytest.raises(InvalidInput) as refused, shop.tx(ADMIN) as ctx:  # the unit of work rolls back
        flows.update_settings(ctx, changed, enforce_billing=True, cancelled_credits="burn")
    assert refused.value.field == "cancelled_credits"
    with shop.tx(ADMIN, write=False) as ctx:
        assert flows.workspace_settings(ctx) == before
    with shop.tx(ADMIN) as ctx:
        saved = flows.update_settings(ctx, changed, enforce_billing=True, cancelled_credits=None)
    assert (saved.workspace.timezone, saved.workspace.grace_days) == ("Europe/Lisbon", 3)
    assert saved.billing == dataclasses.replace(before.billing, enforce_billing=True)
    for who in (MANAGER, STAFF):
        with shop.tx(who, write=False) as ctx, pytest.raises(PermissionDenied):
            flows.workspace_settings(ctx)


def test_the_home_shows_by_role_what_waits_what_expires_and_what_is_due(shop: Shop) -> None:
    at(shop, date(2025, 1, 13))  # a Monday
    with shop.tx() as ctx:
        gold = with_services(ctx)  # a filter change every Tuesday
        ann, bo = add_customer(ctx, "Ann's Cafe"), add_customer(ctx, "Bo's Bakery")
        for key, credits, days in (("soon", 3, 3), ("later", 9, 30)):
            expires = ctx.now() + timedelta(days=days)
            ledger.grant(ctx, ann, Unit.CREDIT, Decimal(credits), key=key, expires_at=expires)
        downtown = catalog.add_location(ctx, "Downtown")
    with shop.tx(MANAGER) as ctx:
        terms = SeriesTerms("Yoga", downtown, Weekly(1, (1,)), date(2025, 1, 13), time(18, 0), capacity=5)
        classes.create_series(ctx, terms)
    with shop.tx(STAFF) as ctx:
        live = memberships.assign(ctx, ann, gold.id, date(2025, 1, 1))
        pending = memberships.assign(ctx, bo, plan_by_name(ctx, "Silver").id, date(2025, 2, 1))
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, live.id)
    with shop.tx(MANAGER, write=False) as ctx:
        managers = home(ctx, expiring_within=7, recent=8)
    with shop.tx(STAFF, write=False) as ctx:
        staffs = home(ctx, expiring_within=7, recent=2)
    with shop.tx(NOBODY, write=False) as ctx:
        assert home(ctx, expiring_within=7, recent=8) is None
    assert managers is not None and staffs is not None
    assert [m.id for m in managers.approvals or []] == [pending.id] and staffs.approvals is None
    assert [(e.customer, e.expiring.quantity) for e in managers.expiring] == [("Ann's Cafe", Decimal(3))]
    assert [(v.customer, v.task, v.due_on) for v in managers.visits] == [
        ("Ann's Cafe", "Filter change", date(2025, 1, 14))
    ]
    assert [(s.series, s.on_date) for s in managers.sessions] == [("Yoga", date(2025, 1, 14))]
    assert len(staffs.recent) == 2 and staffs.recent[0][0] == live.id  # the approval, newest first
    assert Action.APPROVE in managers.may and Action.APPROVE not in staffs.may
    assert Action.REDEEM in staffs.may and managers.workspace == "Test Shop"
