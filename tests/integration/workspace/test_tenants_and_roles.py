"""Workspaces and roles: set-up, settings, bootstrap admins, granting and checking roles."""

from __future__ import annotations

import pytest

from core.context import transaction
from core.kernel.errors import Conflict, InvalidInput, PermissionDenied
from core.plans import service as plans
from core.workspace import roles
from core.workspace.flows import ensure_tenant
from core.workspace.roles import Action, Role
from core.workspace.tenants import settings, update_settings
from storage.uow import Database
from tests.conftest import ADMIN, MANAGER, NOBODY, SPECIALIST, STAFF, Shop, new_team
from tests.integration.helpers import add_customer, plan_by_name


def test_set_up_twice_adds_only_missing_admins(shop: Shop) -> None:
    ensure_tenant(shop.db, shop.clock, shop.team, admins=[ADMIN, "UNEWADMIN"])
    with shop.tx(write=False) as ctx:
        assert roles.roles_of(ctx, "UNEWADMIN") == {Role.ADMIN}
        assert len(plan_by_name(ctx, "Gold").terms.name) > 0
        assert len(plans.list_plans(ctx)) == 3  # not seeded twice


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "EURO"}, "currency"),
    ],
)
def test_a_workspace_needs_a_real_timezone_and_currency(
    db: Database, kwargs: dict[str, str], field: str
) -> None:
    from core.kernel.clock import SystemClock

    with pytest.raises(InvalidInput) as raised:
        ensure_tenant(db, SystemClock(), new_team(), **kwargs)
    assert raised.value.field == field


def test_only_admins_change_settings_and_bad_values_are_refused(shop: Shop) -> None:
    with pytest.raises(PermissionDenied), shop.tx(MANAGER) as ctx:
        update_settings(ctx, grace_days=10)
    with pytest.raises(InvalidInput) as raised, shop.tx() as ctx:
        update_settings(ctx, grace_days=-1, visit_horizon_days=5000, timezone="Nowhere")
    assert {e.field for e in raised.value.errors} == {"grace_days", "visit_horizon_days", "timezone"}
    with shop.tx() as ctx:
        changed = update_settings(
            ctx, grace_days=14, timezone="Europe/Paris", currency="eur", plan_versioning=True
        )
    assert (changed.grace_days, changed.timezone, changed.currency, changed.plan_versioning) == (
        14,
        "Europe/Paris",
        "EUR",
        True,
    )


def test_the_currency_is_fixed_once_memberships_are_sold(shop: Shop) -> None:
    from datetime import date

    from core.memberships import service as memberships

    with shop.tx(STAFF) as ctx:
        memberships.assign(ctx, add_customer(ctx), plan_by_name(ctx, "Gold").id, date(2025, 2, 1))
    with pytest.raises(Conflict, match="currency"), shop.tx() as ctx:
        update_settings(ctx, currency="EUR")
    with shop.tx(write=False) as ctx:
        assert settings(ctx).currency == "USD"


def test_the_permission_matrix(shop: Shop) -> None:
    expected = {
        ADMIN: set(Action),
        MANAGER: {
            Action.VIEW,
            Action.VIEW_FINANCES,
            Action.MANAGE_CUSTOMERS,
            Action.MERGE_CUSTOMERS,
            Action.ASSIGN,
            Action.APPROVE,
            Action.CHANGE_STATE,
            Action.WORK_VISITS,
            Action.REDEEM,
            Action.VOID_INVOICES,
            Action.RECORD_PAYMENTS,
            Action.MANAGE_CLASSES,
            Action.BOOK_CLASSES,
        },
        STAFF: {
            Action.VIEW,
            Action.MANAGE_CUSTOMERS,
            Action.ASSIGN,
            Action.WORK_VISITS,
            Action.REDEEM,
            Action.RECORD_PAYMENTS,
            Action.BOOK_CLASSES,
        },
        SPECIALIST: {Action.VIEW, Action.VIEW_FINANCES, Action.FOLLOW_UP},
        NOBODY: set(),
    }
    for user, allowed in expected.items():
        with shop.tx(user, write=False) as ctx:
            assert {a for a in Action if roles.can(ctx, a)} == allowed, user


def test_roles_are_granted_and_revoked_by_admins_only(shop: Shop) -> None:
    with pytest.raises(PermissionDenied, match="admin role"), shop.tx(MANAGER) as ctx:
        roles.grant(ctx, NOBODY, "manager")
    with pytest.raises(InvalidInput, match="Unknown role"), shop.tx() as ctx:
        roles.grant(ctx, NOBODY, "overlord")
    with shop.tx() as ctx:
        roles.grant(ctx, NOBODY, Role.STAFF)
        roles.grant(ctx, NOBODY, Role.STAFF)  # granting twice is harmless
        assert roles.roles_of(ctx, NOBODY) == {Role.STAFF}
        roles.revoke(ctx, NOBODY, "staff")
        assert roles.roles_of(ctx, NOBODY) == set()
    with pytest.raises(InvalidInput, match="own admin role"), shop.tx() as ctx:
        roles.revoke(ctx, ADMIN, "admin")


def test_roles_are_per_workspace(shop: Shop) -> None:
    other = new_team()
    ensure_tenant(shop.db, shop.clock, other)
    with transaction(shop.db, other, ADMIN, shop.clock, write=False) as ctx:
        assert roles.roles_of(ctx, ADMIN) == set()
        assert not roles.can(ctx, Action.VIEW)
