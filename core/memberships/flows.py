"""Memberships as people ask for them, by the customer's name or number
(core/customers/lookup.py)."""

from __future__ import annotations

from dataclasses import dataclass

from core.context import Ctx
from core.customers.lookup import the_customer
from core.customers.service import CustomerView
from core.memberships import service as memberships
from core.memberships.service import MembershipView


@dataclass(frozen=True)
class Held:
    customer: CustomerView
    memberships: tuple[MembershipView, ...]  # newest first


def memberships_of(ctx: Ctx, who: str) -> Held:
    """The memberships of the customer `who` names; NoCustomer or SeveralCustomers otherwise."""
    customer = the_customer(ctx, who)
    return Held(customer, tuple(memberships.memberships_of(ctx, customer.id)))
