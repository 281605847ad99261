"""Who may do what. Roles are granted per workspace to Slack user ids; core checks them itself,
so Slack, the CLI and the scheduler cannot forget to."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import bindparam
from sqlmodel import col

from core.context import SYSTEM, Ctx
from core.kernel.errors import InvalidInput, PermissionDenied
from storage.tables.workspace import RoleGrant
from storage.uow import prepared


class Role(StrEnum):
    ADMIN = "admin"  # everything
    MANAGER = "manager"  # approves contracts, freezes and cancels
    STAFF = "staff"  # customers, assignment, redemption, visits
    SPECIALIST = "specialist"  # receives balance alerts and follows them up, reads everything


class Action(StrEnum):
    VIEW = "view"
    VIEW_FINANCES = "read revenue and liability reports"
    MANAGE_PLANS = "manage plans"
    MANAGE_SETTINGS = "change workspace settings"
    MANAGE_ROLES = "grant roles"
    MANAGE_CUSTOMERS = "add or edit customers"
    MERGE_CUSTOMERS = "merge customers"
    ASSIGN = "assign memberships"
    APPROVE = "approve or reject memberships"
    CHANGE_STATE = "freeze, cancel or reactivate memberships"
    DELETE = "delete memberships"
    WORK_VISITS = "complete, skip or reschedule visits"
    REDEEM = "redeem, reverse or transfer credits"
    ADJUST_CREDITS = "grant or deduct credits by hand"
    VOID_INVOICES = "void posted invoices"
    RECORD_PAYMENTS = "record a charge paid or failed"
    MANAGE_CLASSES = "set up class series and their session rules"
    BOOK_CLASSES = "book classes, cancel bookings and record attendance"
    FOLLOW_UP = "follow up or snooze balance alerts"
    RUN_JOBS = "run the daily jobs"


_ALLOWED: dict[Action, frozenset[Role]] = {
    Action.MANAGE_CLASSES: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.BOOK_CLASSES: frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Action.VIEW: frozenset(Role),
    Action.VIEW_FINANCES: frozenset({Role.ADMIN, Role.MANAGER, Role.SPECIALIST}),  # not the front desk
    Action.MANAGE_PLANS: frozenset({Role.ADMIN}),
    Action.MANAGE_SETTINGS: frozenset({Role.ADMIN}),
    Action.MANAGE_ROLES: frozenset({Role.ADMIN}),
    Action.MANAGE_CUSTOMERS: frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF}),
    # Moving one customer's whole history onto another is not undone by editing: managers decide.
    Action.MERGE_CUSTOMERS: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.ASSIGN: frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Action.APPROVE: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.CHANGE_STATE: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.DELETE: frozenset({Role.ADMIN}),
    Action.WORK_VISITS: frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Action.REDEEM: frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Action.ADJUST_CREDITS: frozenset({Role.ADMIN}),
    Action.VOID_INVOICES: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.RECORD_PAYMENTS: frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Action.FOLLOW_UP: frozenset({Role.ADMIN, Role.SPECIALIST}),  # the membership specialist's work
    # The scheduler runs them as the system; an admin may run them early (they are idempotent).
    Action.RUN_JOBS: frozenset({Role.ADMIN}),
}


_GRANTS_OF = prepared(RoleGrant).where(col(RoleGrant.user_id) == bindparam("user"))  # every request


def roles_of(ctx: Ctx, user_id: str) -> set[Role]:
    """Read once per unit of work (a command checks several permissions); grants clear it."""
    known: dict[str, set[Role]] = ctx.__dict__.setdefault("_roles", {})
    if user_id not in known:
        grants = ctx.uow.run(_GRANTS_OF, user=user_id)
        known[user_id] = {Role(g.role) for g in grants}
    return set(known[user_id])


def allowed(ctx: Ctx, action: Action) -> list[str]:
    """The users whose roles allow `action` (whose App Home shows it, for instance)."""
    grants = ctx.uow.all(
        ctx.uow.select(RoleGrant).where(col(RoleGrant.role).in_([r.value for r in _ALLOWED[action]]))
    )
    return sorted({g.user_id for g in grants})


def can(ctx: Ctx, action: Action) -> bool:
    return ctx.actor == SYSTEM or bool(roles_of(ctx, ctx.actor) & _ALLOWED[action])


def require(ctx: Ctx, action: Action) -> None:
    if not can(ctx, action):
        names = sorted(r.value for r in _ALLOWED[action])
        needed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise PermissionDenied(f"You need the {needed} role to {action.value}.")


def grant(ctx: Ctx, user_id: str, role: Role | str) -> None:
    require(ctx, Action.MANAGE_ROLES)
    _grant(ctx, user_id, _role(role))


def revoke(ctx: Ctx, user_id: str, role: Role | str) -> None:
    require(ctx, Action.MANAGE_ROLES)
    wanted = _role(role)
    if wanted is Role.ADMIN and user_id == ctx.actor:
        raise InvalidInput.single("role", "You cannot remove your own admin role; ask another admin.")
    for row in ctx.uow.all(
        ctx.uow.select(RoleGrant).where(
            col(RoleGrant.user_id) == user_id, col(RoleGrant.role) == wanted.value
        )
    ):
        ctx.uow.delete(row)
    ctx.uow.flush()
    ctx.__dict__.pop("_roles", None)


def bootstrap_admins(ctx: Ctx, user_ids: Iterable[str]) -> None:
    """Admins named by the operator (MEMBERBOT_ADMINS); granting twice changes nothing."""
    for user_id in user_ids:
        if Role.ADMIN not in roles_of(ctx, user_id):
            _grant(ctx, user_id, Role.ADMIN)


def _grant(ctx: Ctx, user_id: str, role: Role) -> None:
    if not user_id.strip() or len(user_id) > 32:
        raise InvalidInput.single("user", "A Slack user id such as U012ABCDEF is required.")
    if role in roles_of(ctx, user_id):
        return
    ctx.uow.add(
        RoleGrant(
            tenant_id=ctx.uow.tenant_id,
            user_id=user_id,
            role=role.value,
            granted_by=ctx.actor,
            granted_at=ctx.now(),
        )
    )
    ctx.uow.flush()
    ctx.__dict__.pop("_roles", None)


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput.single("role", f"Unknown role {role!r}; choose one of {names}.") from None
