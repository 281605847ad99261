"""The action and callback ids of memberships' messages and forms: Slack payloads, the golden
files and the sandbox carry these values."""

from __future__ import annotations

from enum import StrEnum


class MembershipAction(StrEnum):
    APPROVE = "membership_approve"
    REJECT = "membership_reject"
    CONFIRM_CANCEL = "membership_cancel_confirm"
    CONFIRM_DELETE = "membership_delete_confirm"


class MembershipForm(StrEnum):
    ASSIGN = "membership_assign"
    REJECT_REASON = "membership_reject_reason"
    EDIT = "membership_edit"
    EDIT_CONFIRM = "membership_edit_confirm"  # the preview of new dates, submitted to apply them
    DISCOUNTS = "membership_discounts"  # a sold membership's own discount amounts, with a reason


class SaleField(StrEnum):
    """The sale form's inputs; choosing a customer or a plan talks to the app (options, dispatch)."""

    CUSTOMER = "customer"
    PLAN = "plan"
