"""Notifications, written in the same transaction as the change that causes them and keyed by what
caused them, so a rerun or a second scheduler writes none twice and a rollback writes none at all.
Core says what happened — a kind and plain data (ids, names as typed, amounts as strings, ISO
dates) — and bot/notifications words it for Slack when bot/deliver.py sends it, retrying until
Slack takes it.

When to try a message again is real elapsed time, passed in by the deliverer (`now`), never the
workspace's clock: a sandbox or demo on a test clock that stands still must still retry after a
failure, and a test clock moved into the future must not hold new messages back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from core.context import Ctx
from storage.tables.customers import Customer
from storage.tables.outbox import Outbox
from storage.upserts import insert_if_absent, insert_many_ignoring_duplicates

BACKOFF = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))

AT_ONCE = datetime(1970, 1, 1, tzinfo=UTC)  # a new message is due whatever the deliverer's clock reads
LEASE = timedelta(seconds=120)

Data = dict[str, Any]  # JSON values only: the bot reads them back at delivery


class Kind(StrEnum):
    """What a notification tells; bot/notifications has one renderer for each."""

    CREDITS_EXPIRING = "credits.expiring"
    CREDITS_WEEKLY_DIGEST = "credits.weekly_digest"
    BALANCE_ALERT = "credits.balance_alert"
    MEMBERSHIP_ENDING = "memberships.ending"
    SERVICES_TOMORROW = "visits.services_tomorrow"
    CATCH_UP_SUMMARY = "daily.catch_up_summary"
    CLASS_WAITLIST_BOOKED = "classes.waitlist_booked"  # the first in line got a freed place
    APPROVAL_DECIDED = "approvals.decided"  # a request's message updated in place with its decision
    RENDERED = "rendered"  # queued before kinds existed (migration 0016): the text and blocks as sent
    # E-mail to a member (core/mail/service.py): `to` is "customer:<id>", sent over SMTP, not to Slack.
    EMAIL_WELCOME = "email.welcome"
    EMAIL_RECEIPT = "email.receipt"
    EMAIL_CREDITS_EXPIRING = "email.credits_expiring"


EMAIL = "email."  # the kinds sent by e-mail start so


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
        found |= set(ctx.uow.session.exec(query).all())
    return found


def _row(ctx: Ctx, key: str, to: str, kind: Kind, data: Data) -> dict[str, Any]:
    return {
        "tenant_id": ctx.uow.tenant_id,
        "key": key[:200],
        "to": to,
        "kind": kind.value,
        "data": data,
        "created_at": ctx.now(),
        "next_attempt_at": AT_ONCE,
        "attempts": 0,
        "sent_at": None,
        "last_error": "",
    }


def due(ctx: Ctx, now: datetime, *, limit: int, email: bool = False) -> list[Outbox]:
    """Unsent messages whose next attempt has come by `now`, oldest first, locked for this
    deliverer (on PostgreSQL others skip them rather than wait): the Slack ones, or with `email`
    the e-mail ones (each goes its own way, so an SMTP outage holds up no Slack message)."""
    by_mail = col(Outbox.kind).startswith(EMAIL)
    query = (
        ctx.uow.select(Outbox)
        .where(col(Outbox.sent_at).is_(None), col(Outbox.next_attempt_at) <= now)
        .where(by_mail if email else ~by_mail)
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    if ctx.uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(ctx.uow.all(query))


def lease(ctx: Ctx, row: Outbox, now: datetime) -> None:
    """Hold the message while it is being sent: another deliverer takes it only if this one dies
    (or outlives the lease, which the deliverer never does: it stops its batch before)."""
    row.next_attempt_at = now + LEASE
    ctx.uow.add(row)


def sent(ctx: Ctx, outbox_id: int, at: datetime) -> None:
    row = ctx.uow.get(Outbox, outbox_id, for_update=True)
    if row is not None and row.sent_at is None:
        row.sent_at, row.attempts = at, row.attempts + 1
        ctx.uow.add(row)


def skipped(ctx: Ctx, outbox_id: int, at: datetime, why: str) -> None:
    """Done without sending: an e-mail whose member unsubscribed, or lost the address, since."""
    row = ctx.uow.get(Outbox, outbox_id, for_update=True)
    if row is not None and row.sent_at is None:
        row.sent_at, row.last_error = at, why[:500]
        ctx.uow.add(row)


def failed(ctx: Ctx, outbox_id: int, error: str, now: datetime, retry_after: float | None = None) -> None:
    """Try again later: after Slack's Retry-After, or a growing back-off; never given up on."""
    row = ctx.uow.get(Outbox, outbox_id, for_update=True)
    if row is None or row.sent_at is not None:
        return
    wait = timedelta(seconds=retry_after) if retry_after else BACKOFF[min(row.attempts, len(BACKOFF) - 1)]
    row.attempts += 1
    row.next_attempt_at, row.last_error = now + wait, error[:500]
    ctx.uow.add(row)


def pause(ctx: Ctx, until: datetime, *, leased: Iterable[int] = ()) -> None:
    """Hold every unsent Slack message of the workspace until `until` (Slack's Retry-After: its
    rate limits are per workspace, so the others' messages still go, and e-mail is not Slack's),
    the ones this deliverer leased and did not send included. Another deliverer's longer lease is
    left alone."""
    mine = list(leased)
    if mine:
        held = update(Outbox).where(col(Outbox.id).in_(mine), col(Outbox.sent_at).is_(None))
        ctx.uow.session.connection().execute(held.values(next_attempt_at=until))
    statement = (
        update(Outbox)
        .where(
            col(Outbox.tenant_id) == ctx.uow.tenant_id,
            col(Outbox.sent_at).is_(None),
            col(Outbox.next_attempt_at) < until,
            ~col(Outbox.kind).startswith(EMAIL),
        )
        .values(next_attempt_at=until)
    )
    ctx.uow.session.connection().execute(statement)


def pending(ctx: Ctx) -> list[Outbox]:
    query = ctx.uow.select(Outbox).where(col(Outbox.sent_at).is_(None)).order_by(col(Outbox.id))
    return list(ctx.uow.all(query))
