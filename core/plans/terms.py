"""What a plan is billed by, as plain values: its billing types and how many months each billing
period lasts. Pure: billing, credits and revenue count periods with this one table."""

from __future__ import annotations

from enum import StrEnum


class BillingType(StrEnum):
    ONE_TIME = "one-time"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    TWICE_A_YEAR = "twice-a-year"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        """How a message says it: "$59.00 monthly", "$159.00 once", "twice a year"."""
        return "once" if self is BillingType.ONE_TIME else self.value.replace("-", " ")


# Months in one billing period; a one-time plan is sold in one piece and has none.
PERIOD_MONTHS: dict[str, int] = {
    BillingType.MONTHLY: 1,
    BillingType.QUARTERLY: 3,
    BillingType.TWICE_A_YEAR: 6,
    BillingType.YEARLY: 12,
}


def period_months(billing_type: str) -> int | None:
    """The months of one billing period of `billing_type` (stored as text); None: one-time."""
    return PERIOD_MONTHS.get(billing_type)
