"""The approval policy: which changes wait for a second person, where the request is posted, and
who may decide it. Every caller — Slack, the CLI, a crafted submission — is held to it, because
the services and flows ask it, not the surfaces."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.billing import service as billing
from core.context import Ctx
from core.kernel.errors import PermissionDenied
from core.plans import service as plans
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.memberships import Contract


def grant_waits(ctx: Ctx, quantity: Decimal) -> bool:
    """A manual grant (or removal) of more credits than the workspace's threshold waits."""
    threshold = ctx.tenant.approve_grants_above
    return threshold is not None and abs(quantity) > threshold


def freeze_waits(ctx: Ctx) -> bool:
    return bool(ctx.tenant.approve_freezes)


def cancel_waits(ctx: Ctx, contract_id: int, *, on: date | None = None, at_term_end: bool = False) -> bool:
    """Within the lock-in of the plan it was sold on, a cancellation waits, when the policy says so.
    Inside the lock-in means the cancellation would charge a lock-in fee: the fee, not the calendar,
    decides (a cancellation on the lock-in's last billing period charges nothing and waits for
    nobody)."""
    if not ctx.tenant.approve_lock_in_cancels:
        return False
    contract = ctx.uow.get(Contract, contract_id)
    if contract is None or contract.kind != "membership":
        return False
    lock_in = plans.version_terms(ctx, contract.plan_version_id or 0).lock_in_months
    if lock_in == 0:
        return False
    preview = billing.cancellation_preview(ctx, contract_id, on=on, at_term_end=at_term_end)
    return preview.lock_in_fee > 0


def edit_waits(ctx: Ctx, contract_id: int, start: date, end: date | None) -> bool:
    """New dates for a sold contract move its charges, credits and visits: asked by someone who
    may not change a membership's state (staff), they wait for a manager. A pending sale's dates,
    and a summary, location or seller, are staff's to correct."""
    contract = ctx.uow.get(Contract, contract_id)
    if contract is None or contract.kind != "membership" or contract.status == "pending":
        return False
    moves = (start, end) != (contract.start_date, contract.end_date)
    return moves and not roles.can(ctx, Action.CHANGE_STATE)


def discounts_wait(ctx: Ctx) -> bool:
    """A sold membership's own discount amounts are a manager's to set: asked by anyone else
    (staff), they wait for one; a manager's (or an admin's) own change applies at once."""
    return not roles.can(ctx, Action.CHANGE_STATE)


def destination(ctx: Ctx, asked_in: str) -> str:
    """Where a request for a decision is posted: the workspace's approvals channel, or where it was
    asked ("" when the caller has no channel: it posts where it is)."""
    return ctx.tenant.approvals_channel or asked_in


def require_decider(ctx: Ctx, requested_by: str) -> None:
    """Only a manager or an admin decides, and never on a request of their own."""
    roles.require(ctx, Action.APPROVE)
    if ctx.actor == requested_by:
        raise PermissionDenied("Nobody approves their own request: ask another manager.")


def may_decide(ctx: Ctx, *asked_by: str) -> bool:
    """`require_decider` as a question, for what to list: a manager or an admin, who asked for
    none of it (a sale is the seller's and whoever entered it)."""
    return roles.can(ctx, Action.APPROVE) and ctx.actor not in asked_by
