"""Credit notifications: credits about to expire (with a Redeem button), the weekly digest of the
reminders channel, and a balance alert to the membership specialist (with its three buttons)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot import messages
from bot.notifications.ids import AlertAction, ReminderAction
from bot.notifications.said import Said, button, named, with_buttons
from core.credits.alerts import SNOOZE_DAYS
from core.credits.lots import ENTRY_LABELS, Unit
from core.kernel import formats


def expiring(data: dict[str, Any]) -> Said:
    text = messages.render(
        "credits_expiring",
        customer=named(data["customer"]),
        unit=Unit(data["unit"]),
        quantity=data["quantity"],
        currency=data["currency"],
        last_day=date.fromisoformat(data["last_day"]),
        lead_days=data["lead_days"],
    )
    return with_buttons(text, button(ReminderAction.REDEEM, data["customer_id"], "Redeem"))


def weekly_digest(data: dict[str, Any]) -> Said:
    credits = [{**c, "customer": named(c["customer"]), "unit": Unit(c["unit"])} for c in data["credits"]]
    text = messages.render(
        "credits_weekly_digest",
        week_from=date.fromisoformat(data["week_from"]),
        currency=data["currency"],
        credits=credits,
    )
    return Said(text)


def balance_alert(data: dict[str, Any]) -> Said:
    def signed(quantity: str) -> str:
        amount = Decimal(quantity)
        return ("+" if amount > 0 else "") + formats.money(amount, data["currency"])

    history = [
        {
            "at": datetime.fromisoformat(h["at"]),
            "kind": ENTRY_LABELS.get(h["kind"], h["kind"]),
            "quantity": signed(h["quantity"]),
        }
        for h in data["history"]
    ]
    text = messages.render(
        "balance_alert",
        customer=named(data["customer"]),
        balance=data["balance"],
        threshold=data["threshold"],
        currency=data["currency"],
        history=history,
    )
    alert = data["alert_id"]
    return with_buttons(
        text,
        button(AlertAction.OPEN_REPORT, alert, "Credit report"),
        button(AlertAction.LOG_FOLLOW_UP, alert, "Log a follow-up"),
        button(AlertAction.SNOOZE, alert, f"Snooze {SNOOZE_DAYS} days"),
    )
