"""Changes that may wait for a manager, as people ask for them: each flow makes the change, or —
when the approval policy (policy.py) says it waits — holds it and says where the request is to be
posted. The caller shows the answer; it decides nothing about approval itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.approvals import policy
from core.approvals import service as approvals
from core.approvals.service import ApprovalView
from core.context import Ctx
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerView, get_customer


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
