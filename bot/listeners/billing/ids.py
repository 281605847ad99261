"""The ids of /billing's buttons (Slack sends them back; golden files and tests name them)."""

from __future__ import annotations

from enum import StrEnum


class BillingAction(StrEnum):
    MARK_PAID = "billing_mark_paid"  # then ":<charge>": action ids are unique within a message
    MARK_FAILED = "billing_mark_failed"  # likewise
    CHARGES_MORE = "billing_more"
