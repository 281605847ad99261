"""The visits staff look at, as one call: a customer's, or everyone's, over a range of days.
Closing or moving one visit is a single service (service.py: complete, skip, reschedule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.context import Ctx
from core.customers.lookup import the_customer
from core.customers.service import CustomerView
from core.kernel import formats
from core.kernel.errors import InvalidInput
from core.visits import service as visits
from core.visits.service import VisitView
from core.workspace import roles
from core.workspace.roles import Action

DEFAULT_DAYS = 14  # without an end, the list runs two weeks ahead
LONGEST = 366  # days one list may cover


def workspace_today(ctx: Ctx) -> date:
    """The workspace's business day, for reading "tomorrow" or "in 2 weeks" as its people mean it."""
    return ctx.today()


@dataclass(frozen=True)
class VisitList:
    customer: CustomerView | None  # None: every customer's
    from_day: date | None  # None: from the oldest overdue visit
    until: date
    planned_until: date  # visits are written this far ahead (the workspace's horizon)
    visits: tuple[VisitView, ...]
    assignee: str | None = None  # only those assigned to this person


def visit_list(
    ctx: Ctx,
    customer: str = "",
    *,
    from_day: date | None = None,
    until: date | None = None,
    assignee: str | None = None,
) -> VisitList:
    """The visits still to do, soonest first: overdue ones too unless a first day is given; with
    an `assignee`, only those assigned to them (a technician's own round)."""
    roles.require(ctx, Action.VIEW)
    start = from_day or ctx.today()
    until = until or start + timedelta(days=DEFAULT_DAYS)
    if until < start:
        raise InvalidInput.single(
            "to", f"The last day {formats.day(until)} is before the first ({formats.day(start)})."
        )
    if (until - start).days > LONGEST:
        raise InvalidInput.single(
            "to", f"A list covers a year at most; {formats.day(start)} to {formats.day(until)} is longer."
        )
    found = the_customer(ctx, customer) if customer.strip() else None
    listed = visits.upcoming(
        ctx,
        until=until,
        customer_id=found.id if found else None,
        from_day=from_day,
        assignee=assignee,
    )
    return VisitList(found, from_day, until, visits.horizon(ctx), tuple(listed), assignee)
