"""The ids of /credits' buttons and forms (Slack sends them back; golden files and tests name them).
The Redeem button of an expiry reminder is bot.notifications.ids.ReminderAction.REDEEM."""

from __future__ import annotations

from enum import StrEnum


class CreditsAction(StrEnum):
    CONFIRM_REDEEM = "credits_redeem_confirm"
    CONFIRM_TRANSFER = "credits_transfer_confirm"
    CONFIRM_GRANT = "credits_grant_confirm"


class CreditsView(StrEnum):
    REDEEM_FORM = "credits_redeem"
    TRANSFER_FORM = "credits_transfer"
    REDEEM_CONFIRM = "credits_redeem_confirmation"  # the form's preview, its submit button confirms
    TRANSFER_CONFIRM = "credits_transfer_confirmation"
