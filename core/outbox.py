"""Notifications, written in the same transaction as the change that causes them and keyed by what
caused them, so a rerun or a second scheduler writes none twice and a rollback writes none at all.
Core says what happened — a kind and plain data (ids, names as typed, amounts as strings, ISO
dates) — and bot/notifications words it for Slack when bot/deliver.py sends it, retrying until
Slack takes it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import col, select

from core.context import Ctx
from storage.tables.customers import Customer
from storage.tables.outbox import Outbox
from storage.upserts import insert_if_absent, insert_many_ignoring_duplicates

BACKOFF = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))

Data = dict[str, Any]  # JSON values only: the bot reads them back at delivery


class Kind(StrEnum):
    """What a notification tells; bot/notifications has one renderer for each."""

    CREDITS_EXPIRING = "credits.expiring"
    CREDITS_WEEKLY_DIGEST = "credits.weekly_digest"
    BALANCE_ALERT = "credits.balance_alert"
    MEMBERSHIP_ENDING = "memberships.ending"
    SERVICES_TOMORROW = "visits.services_tomorrow"
    CATCH_UP_SUMMARY = "daily.catch_up_summary"
    APPROVAL_DECIDED = "approvals.decided"  # a request's message updated in place with its decision
    RENDERED = "rendered"  # queued before kinds existed (migration 0016): the text and blocks as sent


def customer_name(ctx: Ctx, customer_id: int) -> str:
    """A customer as messages name them (company and contact), as typed."""
    return customer_names(ctx, [customer_id])[customer_id]


def customer_names(ctx: Ctx, customer_ids: Iterable[int]) -> dict[int, str]:
    """`customer_name` of many customers in one query (a day's reminders name thousands)."""
    wanted = sorted(set(customer_ids))
    names = {c: f"Customer #{c}" for c in wanted}
    for start in range(0, len(wanted), 1000):
        query = ctx.uow.select(Customer).where(col(Customer.id).in_(wanted[start : start + 1000]))
        for row in ctx.uow.all(query):
            both = row.company and row.contact
            names[row.id or 0] = f"{row.company} ({row.contact})" if both else row.company or row.contact
    return names


def enqueue(ctx: Ctx, key: str, to: str, kind: Kind, data: Data) -> bool:
    """Queue a notification to a channel or user; False when one with this key was already queued."""
    return (
        insert_if_absent(ctx.uow, "outbox", _row(ctx, key, to, kind, data), ["tenant_id", "key"]) is not None
    )


def enqueue_many(ctx: Ctx, messages: Iterable[tuple[str, str, Kind, Data]]) -> int:
    """`enqueue` of many (key, to, kind, data) in one statement per thousand; returns how many were
    queued (those whose key was already queued are left as they are)."""
    rows = [_row(ctx, *message) for message in messages]
    return sum(
        insert_many_ignoring_duplicates(ctx.uow, "outbox", rows[start : start + 1000], ["tenant_id", "key"])
        for start in range(0, len(rows), 1000)
    )


def queued(ctx: Ctx, keys: Iterable[str]) -> set[str]:
    """Which of these keys are queued already (sent or not), in one indexed query per thousand."""
    wanted = sorted({key[:200] for key in keys})
    found: set[str] = set()
    for start in range(0, len(wanted), 1000):
        query = select(Outbox.key).where(
            col(Outbox.tenant_id) == ctx.uow.tenant_id, col(Outbox.key).in_(wanted[start : start + 1000])
        )
        found.update(ctx.uow.session.exec(query).all())
    return found


def _row(ctx: Ctx, key: str, to: str, kind: Kind, data: Data) -> dict[str, Any]:
    return {
        "tenant_id": ctx.uow.tenant_id,
        "key": key[:200],
        "to": to,
        "kind": kind.value,
        "data": data,
        "created_at": ctx.now(),
        "next_attempt_at": ctx.now(),
        "attempts": 0,
        "sent_at": None,
        "last_error": "",
    }


def due(ctx: Ctx, *, limit: int) -> list[Outbox]:
    """Unsent messages whose next attempt has come, oldest first, locked for this deliverer (on
    PostgreSQL others skip them rather than wait)."""
    query = (
        ctx.uow.select(Outbox)
        .where(col(Outbox.sent_at).is_(None), col(Outbox.next_attempt_at) <= ctx.now())
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    if ctx.uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(ctx.uow.all(query))


def lease(ctx: Ctx, row: Outbox, seconds: int = 120) -> None:
    """Hold the message while it is being sent: another deliverer takes it only if this one dies."""
    row.next_attempt_at = ctx.now() + timedelta(seconds=seconds)
    ctx.uow.add(row)


def sent(ctx: Ctx, outbox_id: int, at: datetime) -> None:
    row = ctx.uow.get(Outbox, outbox_id, for_update=True)
    if row is not None and row.sent_at is None:
        row.sent_at, row.attempts = at, row.attempts + 1
        ctx.uow.add(row)


def failed(ctx: Ctx, outbox_id: int, error: str, retry_after: float | None = None) -> None:
    """Try again later: after Slack's Retry-After, or a growing back-off; never given up on."""
    row = ctx.uow.get(Outbox, outbox_id, for_update=True)
    if row is None or row.sent_at is not None:
        return
    wait = timedelta(seconds=retry_after) if retry_after else BACKOFF[min(row.attempts, len(BACKOFF) - 1)]
    row.attempts += 1
    row.next_attempt_at, row.last_error = ctx.now() + wait, error[:500]
    ctx.uow.add(row)


def pending(ctx: Ctx) -> list[Outbox]:
    query = ctx.uow.select(Outbox).where(col(Outbox.sent_at).is_(None)).order_by(col(Outbox.id))
    return list(ctx.uow.all(query))
