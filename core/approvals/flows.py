"""Changes that may wait for a manager, as people ask for them: each flow makes the change, or —
when the approval policy (policy.py) says it waits — holds it and says where the request is to be
posted. The caller shows the answer; it decides nothing about approval itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.approvals import policy
from core.approvals import service as approvals
from core.approvals.service import ApprovalView
from core.context import Ctx
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerView, get_customer
from core.kernel.errors import PermissionDenied
from core.memberships import service as memberships
from core.memberships.service import MembershipView
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.customers import Customer
from storage.tables.memberships import Contract


@dataclass(frozen=True)
class Held:
    """A change waiting for a decision: the request, and the channel to post it in ("" when it was
    asked nowhere in particular: the caller posts it where it is)."""

    request: ApprovalView
    channel: str


@dataclass(frozen=True)
class Granted:
    customer: CustomerView
    left: Decimal  # credits available afterwards
    replayed: bool  # the same key granted before: nothing changed


def hold(ctx: Ctx, kind: str, request: dict[str, Any], summary: str, *, key: str, asked_in: str = "") -> Held:
    """Ask for approval of a change (once per key) and say where the request goes."""
    asked = approvals.request_approval(ctx, kind, request, summary, key=key)
    return Held(asked, policy.destination(ctx, asked_in))


def grant(
    ctx: Ctx,
    customer_id: int,
    quantity: Decimal,
    reason: str,
    *,
    key: str,
    expires_on: date | None = None,
    asked_in: str = "",
) -> Granted | Held:
    """A manual grant (or removal) of credits, or — above the workspace's threshold — its request."""
    if policy.grant_waits(ctx, quantity):
        name = get_customer(ctx, customer_id).label
        wanted = {
            "customer": customer_id,
            "quantity": str(quantity),
            "reason": reason,
            "expires": expires_on.isoformat() if expires_on else None,
        }
        summary = f"Grant {quantity} credits to {name}: {reason}"
        return hold(ctx, "grant", wanted, summary, key=key, asked_in=asked_in)
    result = ledger.adjust(ctx, customer_id, quantity, reason, key=key, expires_on=expires_on)
    customer = get_customer(ctx, customer_id)
    return Granted(customer, ledger.balance(ctx, customer_id).total(Unit.CREDIT), result.replayed)


@dataclass(frozen=True)
class Pending:
    """Something waiting for a decision: a sale (M-…) or a change held by a policy (A-…)."""

    kind: str  # "sale", or the held change's kind (grant, freeze, cancel, edit)
    id: int
    reference: str
    summary: str  # the held change as it was asked; "" for a sale
    asked_by: str  # the seller of a sale, the requester of a change
    asked_at: datetime
    customer: str
    plan: str  # "" when the change concerns no membership (a grant)
    start: date | None  # a sale's first day

    @property
    def is_sale(self) -> bool:
        return self.kind == "sale"


def waiting_for(ctx: Ctx) -> list[Pending]:
    """What the actor may decide now, oldest first: the sales and the held changes waiting, but
    none they asked for themselves (the policy's rule). Only a manager or an admin asks. The times
    are in the workspace's time zone."""
    if not roles.can(ctx, Action.APPROVE):
        raise PermissionDenied(
            "Only a manager or an admin decides approvals; what you ask for waits for them."
        )
    waiting: list[Pending] = []
    for m in memberships.pending_approval(ctx):
        contract = ctx.uow.get(Contract, m.id)
        entered_by = contract.created_by if contract is not None else ""
        if policy.may_decide(ctx, m.seller, entered_by):
            waiting.append(
                _sale(m, (contract.created_at if contract is not None else ctx.now()).astimezone(ctx.tz))
            )
    for asked in approvals.pending(ctx):
        if policy.may_decide(ctx, asked.requested_by):
            waiting.append(_held(ctx, asked))
    return sorted(waiting, key=lambda p: (p.asked_at, not p.is_sale, p.id))


def _sale(m: MembershipView, sold_at: datetime) -> Pending:
    return Pending("sale", m.id, m.reference, "", m.seller, sold_at, m.customer, m.plan, m.start)


def _held(ctx: Ctx, asked: ApprovalView) -> Pending:
    """A held change with the customer and plan it concerns (none, if they are gone since)."""
    customer = plan = ""
    wanted = asked.request
    if wanted.get("contract") is not None:
        contract = ctx.uow.get(Contract, int(wanted["contract"]))
        if contract is not None:
            m = memberships.get(ctx, contract.id or 0)
            customer, plan = m.customer, m.plan
    elif wanted.get("customer") is not None and ctx.uow.get(Customer, int(wanted["customer"])) is not None:
        customer = get_customer(ctx, int(wanted["customer"])).label
    return Pending(
        asked.kind,
        asked.id,
        asked.reference,
        asked.summary,
        asked.requested_by,
        asked.requested_at.astimezone(ctx.tz),
        customer,
        plan,
        None,
    )
