"""The approval policy: which changes wait for a second person, where the request is posted, and
who may decide it. Every caller — Slack, the CLI, a crafted submission — is held to it, because
the services and flows ask it, not the surfaces."""

from __future__ import annotations

from datetime import date

from core.context import Ctx
from core.credits import ledger
from core.kernel.errors import PermissionDenied
from core.memberships import service as memberships
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.memberships import Contract

# The rules that hold a change live beside the change, which refuses to be made unapproved while
# its rule holds it (so no caller can skip the policy); the flows ask them here.
grant_waits = ledger.grant_waits  # a manual grant (or removal) above the workspace's threshold
freeze_waits = memberships.freeze_waits  # every freeze, when the workspace says so
cancel_waits = memberships.cancel_waits  # a cancellation that charges a lock-in fee, when it says so


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
