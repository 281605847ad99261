"""The ids of balance alerts: the alert's buttons (defined with the notification that carries them,
bot/notifications/ids.py) and the follow-up form. Slack sends them back, so their values never
change."""

from __future__ import annotations

from enum import StrEnum

from bot.notifications.ids import AlertAction

__all__ = ["AlertAction", "AlertForm"]


class AlertForm(StrEnum):
    FOLLOW_UP = "balance_follow_up_note"
