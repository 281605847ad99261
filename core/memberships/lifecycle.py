"""The membership lifecycle as pure rules: states, which moves are allowed, and what the calendar
says a membership's state is on a given day.

    pending approval -> scheduled (start in the future) -> active -> grace -> expired
                              active <-> frozen
    any live state -> cancelled -> (reactivate) -> the state the calendar says
    pending approval -> rejected
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta


class Status(StrEnum):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    FROZEN = "frozen"
    GRACE = "grace"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return "pending approval" if self is Status.PENDING else self.value


# States in which a membership counts as sold and running (it can be frozen, cancelled, renewed).
LIVE = frozenset({Status.SCHEDULED, Status.ACTIVE, Status.FROZEN, Status.GRACE})
# States whose recurring services are still to be carried out.
SERVICED = frozenset({Status.SCHEDULED, Status.ACTIVE, Status.FROZEN})


def by_calendar(start: date, end: date | None, grace_days: int, today: date) -> Status:
    """The state an approved, unfrozen, uncancelled membership is in on `today`.

    The end date is the last day covered; the grace window runs for `grace_days` after it.
    """
    if today < start:
        return Status.SCHEDULED
    if end is None or today <= end:
        return Status.ACTIVE
    if today <= end + timedelta(days=grace_days):
        return Status.GRACE
    return Status.EXPIRED


def default_end(start: date, term_months: int | None) -> date | None:
    """The last day covered by a term that starts on `start` (12 months from 1 March: 28 February)."""
    return None if term_months is None else start + relativedelta(months=term_months) - timedelta(days=1)


# Moves a person can ask for, from the states they are allowed in. Calendar moves are separate.
ALLOWED_FROM: dict[str, frozenset[Status]] = {
    "approve": frozenset({Status.PENDING}),
    "reject": frozenset({Status.PENDING}),
    "freeze": frozenset({Status.ACTIVE}),
    "unfreeze": frozenset({Status.FROZEN}),
    "cancel": LIVE,
    "reactivate": frozenset({Status.CANCELLED}),
    "change dates": LIVE | {Status.PENDING},
    "renew": LIVE | {Status.EXPIRED},
}
