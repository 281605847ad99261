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
since Slack rate-limits per workspace; other workspaces' messages still go."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import notifications
from bot.notifications.said import Said
from core import outbox
from core.context import SYSTEM, transaction
from core.kernel.clock import Clock, SystemClock
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
        rows = outbox.due(ctx, ctx.now(), limit=BATCH)
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
