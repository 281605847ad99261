"""Billing's use cases as the people at the desk ask for them: a membership's or a customer's
charges, and recording a payment or a failed one. Each is one unit of work; the services they
compose are billing's, memberships' and customers'."""

from __future__ import annotations

from dataclasses import dataclass

from core.billing import service as billing
from core.billing.service import ChargeStatus, ChargeView
from core.context import Ctx
from core.customers import service as customers
from core.memberships import service as memberships
from core.memberships.service import MembershipView
from core.workspace import roles
from core.workspace.roles import Action


@dataclass(frozen=True)
class Recorded:
    """A charge after a payment or a failure was recorded, and whether it was so already."""

    charge: ChargeView
    already: bool
    currency: str


@dataclass(frozen=True)
class Charges:
    """The charges of some memberships, oldest first within each membership."""

    whose: str  # the customer's label
    memberships: int
    rows: list[tuple[MembershipView, ChargeView]]
    may_record: bool  # whoever asked may mark them paid or failed
    currency: str


def record_payment(ctx: Ctx, charge_id: int, to: ChargeStatus, note: str = "") -> Recorded:
    """Mark the charge paid or failed (idempotent: marking it so again changes nothing)."""
    roles.require(ctx, Action.RECORD_PAYMENTS)
    before = billing.get_charge(ctx, charge_id).status
    settle = billing.pay if to is ChargeStatus.PAID else billing.fail
    done = settle(ctx, charge_id, note=note)
    return Recorded(done, before is to, ctx.tenant.currency)


def membership_charges(ctx: Ctx, membership_id: int) -> Charges:
    roles.require(ctx, Action.VIEW)
    held = memberships.get(ctx, membership_id)
    return _charges(ctx, held.customer, [held])


def customer_charges(ctx: Ctx, customer_id: int) -> Charges:
    """The charges of every membership of the customer."""
    roles.require(ctx, Action.VIEW)
    customer = customers.get_customer(ctx, customer_id)
    return _charges(ctx, customer.label, memberships.memberships_of(ctx, customer.id))


def _charges(ctx: Ctx, whose: str, held: list[MembershipView]) -> Charges:
    rows = [(m, c) for m in held for c in billing.charges_of(ctx, m.id)]
    may_record = roles.can(ctx, Action.RECORD_PAYMENTS)
    return Charges(whose, len(held), rows, may_record, ctx.tenant.currency)
