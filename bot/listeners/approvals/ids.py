"""The action and callback ids of approval requests (A-…): Slack payloads carry these values."""

from __future__ import annotations

from enum import StrEnum


class ApprovalAction(StrEnum):
    APPROVE = "approval_approve"
    REJECT = "approval_reject"
    MORE = "approvals_more"  # the next page of `/membership approvals`


class ApprovalForm(StrEnum):
    REJECT_REASON = "approval_reject_reason"
