"""The ids of a balance alert's buttons and of the follow-up form: Slack sends them back, so their
values never change (the alerts already posted carry them)."""

from __future__ import annotations

from enum import StrEnum


class AlertAction(StrEnum):
    OPEN_REPORT = "balance_report"
    LOG_FOLLOW_UP = "balance_follow_up"
    SNOOZE = "balance_snooze"


class AlertForm(StrEnum):
    FOLLOW_UP = "balance_follow_up_note"
