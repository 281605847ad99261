"""Billing: the charges a membership owes, their payment, and enforce billing.

A charge is due, paid, failed or void. Payments are recorded by hand (`pay`, `fail`): there is no
payment processor. A charge is overdue from the day after its due date while it is still due or
failed. With the workspace's enforce-billing setting on, a membership with an overdue charge can
neither redeem credits nor book a class until the charge is paid (`require_paid_up`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlmodel import col

from core.context import Ctx
from core.errors import Conflict
from core.money import display, in_currency
from storage.models import Charge


class ChargeStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    FAILED = "failed"
    VOID = "void"


# A charge in these states is still owed.
UNPAID = frozenset({ChargeStatus.DUE, ChargeStatus.FAILED})


class PaymentOverdue(Conflict):
    """Enforce billing: the membership has an overdue charge. `charge_id` and `amount` name it."""

    def __init__(self, message: str, charge_id: int, amount: Decimal) -> None:
        super().__init__(message, "membership")
        self.charge_id = charge_id
        self.amount = amount


def reference(charge_id: int) -> str:
    return f"C-{charge_id}"


def overdue_charges(ctx: Ctx, contract_id: int, *, on: date | None = None) -> list[Charge]:
    """The membership's unpaid charges whose due date has passed, oldest first."""
    today = on or ctx.today()
    query = ctx.uow.select(Charge).where(
        col(Charge.contract_id) == contract_id,
        col(Charge.status).in_([s.value for s in UNPAID]),
        col(Charge.due_on) < today,
    )
    return list(ctx.uow.all(query.order_by(col(Charge.due_on), col(Charge.id))))


def require_paid_up(ctx: Ctx, contract_id: int) -> None:
    """Refuse (PaymentOverdue) when enforce billing is on and the membership has an overdue
    charge; the message names the oldest one and its amount. Redemption and booking call it."""
    if not ctx.tenant.enforce_billing:
        return
    overdue = overdue_charges(ctx, contract_id)
    if not overdue:
        return
    first = overdue[0]
    amount = in_currency(first.amount, ctx.tenant.currency)
    more = f" (and {len(overdue) - 1} more)" if len(overdue) > 1 else ""
    raise PaymentOverdue(
        f"M-{contract_id} has an overdue charge {reference(first.id or 0)} of "
        f"{display(amount, ctx.tenant.currency)}, due {first.due_on:%d %b %Y}{more}: "
        "record its payment before redeeming or booking.",
        first.id or 0,
        amount,
    )
