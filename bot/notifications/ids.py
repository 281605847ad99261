"""The ids of the buttons notifications carry. Slack sends them back to the listeners that handle
them (bot/listeners/credits.py, bot/listeners/alerts/), and messages already posted carry them, so
their values never change. Here rather than in the listeners so the deliverer, which words the
notifications, does not load every listener."""

from __future__ import annotations

from enum import StrEnum


class ReminderAction(StrEnum):
    REDEEM = "reminder_redeem"  # an expiry reminder's button: the redeem form for its customer


class AlertAction(StrEnum):
    OPEN_REPORT = "balance_report"
    LOG_FOLLOW_UP = "balance_follow_up"
    SNOOZE = "balance_snooze"
