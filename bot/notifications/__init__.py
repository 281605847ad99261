"""Notifications, worded for Slack when they are delivered: core queues a kind and plain data
(core/outbox.py), and the renderer of that kind turns it into the text and blocks bot/deliver.py
posts. Wording is in bot/templates/<domain>/; the buttons' ids are the listeners' (their ids.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from bot import messages
from bot.notifications import approvals, classes, credits, memberships, visits
from bot.notifications.said import TEXT_MAX, Said
from core.outbox import Kind

Renderer = Callable[[dict[str, Any]], Said]


class UnknownKind(LookupError):
    """A notification of a kind this bot has no renderer for (queued by a newer version)."""


def render(kind: str, data: dict[str, Any]) -> Said:
    """The text and blocks of a notification; UnknownKind if no renderer has its kind."""
    renderer = RENDERERS.get(kind)
    if renderer is None:
        raise UnknownKind(f"No renderer for notifications of kind {kind!r}.")
    said = renderer(data)
    return replace(said, text=said.text[:TEXT_MAX])


def _catch_up_summary(data: dict[str, Any]) -> Said:
    """Reminders of days caught up after downtime, one line each (the first of its own text)."""
    lines = [render(r["kind"], r["data"]).text.splitlines()[0] for r in data["reminders"]]
    text = messages.render(
        "catch_up_summary",
        first=date.fromisoformat(data["first"]),
        last=date.fromisoformat(data["last"]),
        count=data["count"],
        lines=lines,
    )
    return Said(text)


def _rendered(data: dict[str, Any]) -> Said:
    """Queued before notifications were kinds (migration 0016): posted as it was written."""
    return Said(data["text"], list(data.get("blocks") or []))


RENDERERS: Mapping[str, Renderer] = {
    Kind.CREDITS_EXPIRING: credits.expiring,
    Kind.CREDITS_WEEKLY_DIGEST: credits.weekly_digest,
    Kind.BALANCE_ALERT: credits.balance_alert,
    Kind.MEMBERSHIP_ENDING: memberships.ending,
    Kind.SERVICES_TOMORROW: visits.services_tomorrow,
    Kind.CATCH_UP_SUMMARY: _catch_up_summary,
    Kind.CLASS_WAITLIST_BOOKED: classes.waitlist_booked,
    Kind.APPROVAL_DECIDED: approvals.decided,
    Kind.RENDERED: _rendered,
}
