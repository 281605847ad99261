"""Which memberships lend their credits now, as a pure rule: the one answer redemptions
(core/credits/ledger.py) and checkout (core/checkout/service.py) both follow.

A membership lends its lots while it runs (scheduled, active or in grace; frozen, expired and
cancelled ones do not), has no overdue charge under enforce billing, and is not waiting out the
days its plan puts between two redemptions."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from core.credits.terms import CreditTerms
from core.memberships.lifecycle import Status

# A membership in these states lends its lots to redemptions; frozen, expired, cancelled do not.
REDEEMABLE = frozenset({Status.SCHEDULED, Status.ACTIVE, Status.GRACE})


class Refusal(StrEnum):
    """Why a membership lends nothing now."""

    NOT_RUNNING = "not running"
    OVERDUE = "overdue"
    WAITING = "waiting"


def refusal(
    status: Status,
    terms: CreditTerms | None,
    last_redeemed_at: datetime | None,
    now: datetime,
    *,
    overdue: bool,
) -> Refusal | None:
    """Why the membership lends nothing at `now`; None: it lends. `overdue`: enforce billing found
    an overdue charge."""
    if status not in REDEEMABLE:
        return Refusal.NOT_RUNNING
    if overdue:
        return Refusal.OVERDUE
    again = lends_again_at(terms, last_redeemed_at)
    if again is not None and now < again:
        return Refusal.WAITING
    return None


def lends_again_at(terms: CreditTerms | None, last_redeemed_at: datetime | None) -> datetime | None:
    """When a membership that waits between redemptions lends again; None: it does not wait."""
    if terms is None or not terms.wait_days or last_redeemed_at is None:
        return None
    return last_redeemed_at + timedelta(days=terms.wait_days)
