"""One membership's revenue as staff ask for it: what it was sold for and how each part is earned
month by month, up to a month (this one by default)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.context import Ctx
from core.kernel.errors import InvalidInput
from core.revenue import recognition
from core.revenue.recognition import Amounts
from core.revenue.service import membership_revenue, parse_month
from core.workspace import roles
from core.workspace.roles import Action

_MEMBERSHIP = re.compile(r"^(?:M-?)?(\d{1,18})$", re.IGNORECASE)


@dataclass(frozen=True)
class MembershipStatement:
    reference: str  # "M-12"
    customer: str
    plan: str
    location: str  # "" : none
    sold_on: date
    month: date  # the statement runs to the end of this month
    months: tuple[tuple[date, Amounts], ...]  # each month earned in, oldest first
    sold_to_date: Decimal
    recognised_to_date: Decimal
    currency: str

    @property
    def deferred(self) -> Decimal:
        return self.sold_to_date - self.recognised_to_date


def membership_statement(ctx: Ctx, membership: str, month: str = "") -> MembershipStatement:
    """`membership` as typed ("M-12" or "12"); `month` as YYYY-MM, or this month when empty."""
    roles.require(ctx, Action.VIEW_FINANCES)  # before anything is read
    found = _MEMBERSHIP.match(membership.strip())
    if found is None:
        raise InvalidInput.single("membership", f"“{membership}” is not a membership; write it as M-12.")
    first = parse_month(month) if month.strip() else recognition.month_of(ctx.today())
    r = membership_revenue(ctx, int(found.group(1)), first)
    months = tuple((m, a) for m, a in sorted(r.schedule.items()) if m <= first)
    return MembershipStatement(
        reference=f"M-{r.contract_id}",
        customer=r.customer,
        plan=r.plan,
        location=r.location if r.location_id else "",
        sold_on=r.sold_on,
        month=first,
        months=months,
        sold_to_date=r.sold_through(first),
        recognised_to_date=recognition.through(r.schedule, first).total,
        currency=ctx.tenant.currency,
    )
