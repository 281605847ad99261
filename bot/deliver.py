"""Sends the outbox (core/outbox.py) to Slack, each notification worded by the renderer of its kind
(bot/notifications) as it is sent. A message is leased while it is sent, marked sent
when Slack took it, and otherwise tried again later (after Slack's Retry-After, or a growing
back-off), so a Slack outage delays reminders but loses none. A deliverer that dies mid-send
leaves the lease to expire and another sends the message: the only way one can arrive twice is a
crash in the milliseconds between Slack's answer and the commit that records it. A kind this bot
cannot word (queued by a newer version), or whose data its renderer cannot read, is logged and tried
again later, like a failed send: it holds up no other message.

Leases, retries and Slack's Retry-After run on real elapsed time (`timer`), whatever clock the
workspace's business runs on (a sandbox's test clock stands still between moves). A batch stops
before its lease could run out mid-send, and Slack's Retry-After pauses the whole workspace,
since Slack rate-limits per workspace; other workspaces' messages still go.

E-mail to members (the `email.` kinds) goes the same way through the workspace's SMTP server
instead of Slack (bot/mail.py), whether or not the workspace's Slack client is there: leased,
marked sent when the server took it, and otherwise retried with the same back-off. An SMTP server
that cannot be reached fails the whole batch at once (each e-mail waits its back-off) instead of
timing out once per e-mail. The recipient is read at sending time: a member who unsubscribed or
lost the address since it was queued is skipped (marked done, with the reason)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import mail, notifications
from bot.notifications.said import Said
from core import outbox
from core.context import SYSTEM, transaction
from core.kernel.clock import Clock, SystemClock
from core.mail import service as member_mail
from core.mail.service import Recipient, SmtpServer
from core.workspace.tenants import tenant_ids
from storage.uow import Database

log = logging.getLogger("memberbot.deliver")
BATCH = 50
GONE = frozenset({"message_not_found", "channel_not_found", "is_archived", "not_in_channel"})

ClientFor = Callable[[str], Awaitable[AsyncWebClient | None]]  # a workspace's client; None: not installed


async def deliver_due(db: Database, client_for: ClientFor, timer: Clock | None = None) -> int:
    """Send what is due in every workspace; returns how many messages Slack took."""
    delivered = 0
    for team in await asyncio.to_thread(tenant_ids, db):
        client = await client_for(team)
        if client is not None:
            delivered += await _deliver_team(db, timer or SystemClock(), team, client)
        delivered += await deliver_mail(db, team, timer)
    return delivered


async def _deliver_team(db: Database, clock: Clock, team: str, client: AsyncWebClient) -> int:
    leased_at = clock.now()
    leased = await asyncio.to_thread(_lease_due, db, clock, team)
    # The last moment a send may start and still end (the client's timeout) within the lease.
    last_start = leased_at + outbox.LEASE - timedelta(seconds=client.timeout + 5)
    delivered = 0
    for done, (outbox_id, to, kind, data) in enumerate(leased):
        if clock.now() > last_start:  # the rest go in the next batch, once their lease has run out
            log.warning("outbox of %s: %d messages left for the next batch", team, len(leased) - done)
            break
        try:
            said = notifications.render(kind, data)
        except notifications.UnknownKind as exc:
            log.error("outbox %s of %s: %s", outbox_id, team, exc)
            await asyncio.to_thread(_record, db, clock, team, outbox_id, f"unknown kind {kind!r}", None)
            continue
        except Exception as exc:  # data its renderer cannot read: that message waits, the others go
            log.exception("outbox %s of %s: the %s renderer failed", outbox_id, team, kind)
            await asyncio.to_thread(_record, db, clock, team, outbox_id, f"{type(exc).__name__}: {exc}", None)
            continue
        try:
            await _send(client, to, said)
        except SlackApiError as exc:
            retry_after = exc.response.headers.get("Retry-After") if exc.response is not None else None
            error = str(exc.response.get("error", "")) if exc.response is not None else str(exc)
            wait = _seconds(retry_after)
            await asyncio.to_thread(_record, db, clock, team, outbox_id, error, wait)
            if error == "ratelimited":  # the whole workspace waits; its unsent rest with it
                rest = [row[0] for row in leased[done + 1 :]]
                await asyncio.to_thread(_pause, db, clock, team, wait or 60.0, rest)
                break
            continue
        except Exception as exc:  # the network: Slack unreachable, timeouts, resets
            await asyncio.to_thread(_record, db, clock, team, outbox_id, f"{type(exc).__name__}: {exc}", None)
            continue
        await asyncio.to_thread(_record, db, clock, team, outbox_id, None, None)
        delivered += 1
    return delivered


async def deliver_team(db: Database, team: str, client: AsyncWebClient) -> int:
    """Send one workspace's due messages now, with the client of a request being answered (a
    decision updates its request's message at once rather than at the scheduler's next tick)."""
    return await _deliver_team(db, SystemClock(), team, client)


async def _send(client: AsyncWebClient, to: str, said: Said) -> None:
    """Post the message, or update the one it names (and add its line to that thread). A message
    deleted since, or a channel the bot left, has nothing to update: that counts as done."""
    if not said.update:
        await client.chat_postMessage(channel=to, text=said.text, blocks=said.blocks or None)
        return
    try:
        await client.chat_update(channel=to, ts=said.update, text=said.text, blocks=said.blocks)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        if error not in GONE:
            raise
        log.info("the message %s in %s to update is gone (%s)", said.update, to, error)
        return
    if said.thread:
        await client.chat_postMessage(channel=to, thread_ts=said.update, text=said.thread)


def _lease_due(db: Database, clock: Clock, team: str) -> list[tuple[int, str, str, dict[str, Any]]]:
    with transaction(db, team, SYSTEM, clock) as ctx:
        rows = outbox.due(ctx, ctx.now(), limit=BATCH, email=False)
        for row in rows:
            outbox.lease(ctx, row, ctx.now())
        return [(row.id or 0, row.to, row.kind, row.data) for row in rows]


def _record(
    db: Database, clock: Clock, team: str, outbox_id: int, error: str | None, retry_after: float | None
) -> None:
    with transaction(db, team, SYSTEM, clock) as ctx:
        if error is None:
            outbox.sent(ctx, outbox_id, ctx.now())
        else:
            log.warning("outbox %s of %s not delivered: %s", outbox_id, team, error)
            outbox.failed(ctx, outbox_id, error, ctx.now(), retry_after)


def _pause(db: Database, clock: Clock, team: str, seconds: float, leased: list[int]) -> None:
    with transaction(db, team, SYSTEM, clock) as ctx:
        log.warning("outbox of %s: Slack asks to wait %g s; the workspace's messages wait", team, seconds)
        outbox.pause(ctx, ctx.now() + timedelta(seconds=seconds), leased=leased)


def _seconds(header: object) -> float | None:
    try:
        return float(str(header)) if header is not None else None
    except ValueError:
        return None


# --- e-mail ---------------------------------------------------------------------------------------

Leased = tuple[int, str, dict[str, Any], Recipient | None]  # outbox id, kind, data, recipient now


async def deliver_mail(
    db: Database, team: str, timer: Clock | None = None, *, timeout: float = mail.TIMEOUT
) -> int:
    """Send one workspace's due e-mails through its SMTP server; returns how many it took."""
    clock = timer or SystemClock()
    leased_at = clock.now()
    server, leased = await asyncio.to_thread(_lease_mail, db, clock, team)
    if not leased:
        return 0
    last_start = leased_at + outbox.LEASE - timedelta(seconds=timeout + 5)
    sender = mail.Sender(server, timeout) if server is not None else None
    delivered = 0
    try:
        for done, (outbox_id, kind, data, recipient) in enumerate(leased):
            if clock.now() > last_start:
                log.warning("e-mail of %s: %d left for the next batch", team, len(leased) - done)
                break
            if sender is None or server is None or recipient is None:
                why = "e-mail is off" if server is None else "unsubscribed, or no e-mail address"
                await asyncio.to_thread(_skip, db, clock, team, outbox_id, why)
                continue
            try:
                message = mail.compose(
                    kind, data, server, recipient, message_id=mail.message_id(team, outbox_id, server.sender)
                )
            except Exception as exc:  # a kind without templates, or data they cannot read: kept for later
                log.exception("outbox %s of %s: the %s e-mail could not be worded", outbox_id, team, kind)
                await asyncio.to_thread(
                    _record, db, clock, team, outbox_id, f"{type(exc).__name__}: {exc}", None
                )
                continue
            try:
                await asyncio.to_thread(sender.send, message)
            except mail.Unreachable as exc:  # the rest of the batch would only time out the same way
                rest = [row[0] for row in leased[done:]]
                await asyncio.to_thread(_fail_all, db, clock, team, rest, f"SMTP server unreachable: {exc}")
                break
            except smtplib.SMTPRecipientsRefused as exc:
                codes = sorted({code for code, _ in exc.recipients.values()})
                if codes and all(500 <= code < 600 for code in codes):  # the address itself: never retried
                    why = f"the server refused the address ({', '.join(map(str, codes))})"
                    await asyncio.to_thread(_skip, db, clock, team, outbox_id, why)
                    continue
                await asyncio.to_thread(
                    _record, db, clock, team, outbox_id, f"refused for now: {codes}", None
                )
                continue
            except Exception as exc:  # refused by the server, the connection lost mid-send
                await asyncio.to_thread(
                    _record, db, clock, team, outbox_id, f"{type(exc).__name__}: {exc}", None
                )
                continue
            await asyncio.to_thread(_record, db, clock, team, outbox_id, None, None)
            delivered += 1
    finally:
        if sender is not None:
            await asyncio.to_thread(sender.close)
    return delivered


def _lease_mail(db: Database, clock: Clock, team: str) -> tuple[SmtpServer | None, list[Leased]]:
    with transaction(db, team, SYSTEM, clock) as ctx:
        rows = outbox.due(ctx, ctx.now(), limit=BATCH, email=True)
        if not rows:
            return None, []
        for row in rows:
            outbox.lease(ctx, row, ctx.now())
        customers = {row.id or 0: member_mail.customer_of(row.to) for row in rows}
        now = member_mail.recipients(ctx, [c for c in customers.values() if c is not None])
        leased = [(row.id or 0, row.kind, row.data, now.get(customers[row.id or 0] or 0)) for row in rows]
        return member_mail.smtp_server(ctx), leased


def _skip(db: Database, clock: Clock, team: str, outbox_id: int, why: str) -> None:
    with transaction(db, team, SYSTEM, clock) as ctx:
        log.info("outbox %s of %s not e-mailed: %s", outbox_id, team, why)
        outbox.skipped(ctx, outbox_id, ctx.now(), why)


def _fail_all(db: Database, clock: Clock, team: str, outbox_ids: list[int], error: str) -> None:
    with transaction(db, team, SYSTEM, clock) as ctx:
        log.warning("e-mail of %s: %d not sent: %s", team, len(outbox_ids), error)
        for outbox_id in outbox_ids:
            outbox.failed(ctx, outbox_id, error, ctx.now())
