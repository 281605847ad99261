"""Each Slack request's writes take effect once. Slack retries a command or interaction whose ack
was slow, people double-submit, and a captured signed request can be replayed within Slack's five
minutes; each would otherwise sell, add or redeem again.

A middleware names the request by what Slack sent — a command or shortcut by its trigger id, a
submission by its view and the values in it, a button by who pressed which one when — and each
`Deps.write` made while handling it claims a key derived from that name (numbered, with the
function it runs) in the same transaction as the write. The first claim runs the work and keeps
its answer with the key; any later request with the same name finds the key and gets that answer
back without running anything, so it is answered as the first was. A write that fails leaves no
key, so trying again runs it again. Events have their own de-duplication (bot/events.py)."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from core.context import Ctx
from storage.limits import unavailable
from storage.tables.slack import SlackEvent, SlackRequest
from storage.uow import Database
from storage.upserts import insert_if_absent

KEPT = timedelta(days=1)  # far longer than Slack retries (minutes) or a replay window (five minutes)


@dataclass
class _Request:
    name: str
    writes: count[int] = field(default_factory=lambda: count(1))


_current: ContextVar[_Request | None] = ContextVar("slack_request", default=None)


def request_name(body: dict[str, Any]) -> str | None:
    """What identifies the request among all Slack could send, or None when it writes nothing
    through here (events, options for a menu)."""
    kind = body.get("type")
    user = (body.get("user") or {}).get("id") or body.get("user_id") or ""
    if kind == "view_submission":
        view = body.get("view") or {}
        values = json.dumps((view.get("state") or {}).get("values"), sort_keys=True, default=str)
        return f"view:{user}:{view.get('id')}:{values}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        first = actions[0] if isinstance(actions[0], dict) else {}
        return f"action:{user}:{first.get('action_id')}:{first.get('block_id')}:{first.get('action_ts')}"
    if kind == "event_callback":  # a Workflow Builder step: Slack retries it by the same execution
        event = body.get("event")
        executed = isinstance(event, dict) and event.get("type") == "function_executed"
        execution = event.get("function_execution_id") if executed and isinstance(event, dict) else None
        return f"function:{execution}" if execution else None
    if kind in ("shortcut", "message_action") or "command" in body:
        trigger = body.get("trigger_id")
        return f"{kind or 'command'}:{user}:{trigger}" if trigger else None
    return None


async def middleware(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
    """Bolt middleware: names the request for the writes its listener makes. Bolt runs the
    listener after every middleware has returned (`next` only says to go on), so the name is set
    and not reset: each request is handled in its own asyncio task, whose context is its own, and
    the listener's tasks and `asyncio.to_thread` calls carry it with them."""
    name = request_name(body)
    _current.set(_Request(name) if name else None)
    await next()


def next_key(work: Callable[..., Any]) -> str | None:
    """The key of the request's next write, or None outside a Slack request (the scheduler, the CLI)."""
    request = _current.get()
    if request is None:
        return None
    named = f"{request.name}#{next(request.writes)}:{work.__module__}.{work.__qualname__}"
    return hashlib.sha256(named.encode()).hexdigest()


def claimed(ctx: Ctx, key: str) -> tuple[bool, Any]:
    """(True, None) when this request may write, having claimed the key in the unit of work;
    (False, answer) when the key was claimed and committed before, with the answer given then.
    A concurrent twin waits here (on PostgreSQL, the unique index) until the first commits."""
    # Real time, not the workspace's (test) clock: it measures how long Slack may send the request again.
    values = {"tenant_id": ctx.uow.tenant_id, "key": key, "answer": b"", "received_at": datetime.now(UTC)}
    if insert_if_absent(ctx.uow, "slack_request", values, ["tenant_id", "key"]) is not None:
        return True, None
    row = ctx.uow.first(ctx.uow.select(SlackRequest).where(col(SlackRequest.key) == key))
    assert row is not None  # committed, or the insert above would have succeeded
    # Our own bytes, written by the statement below in this same database: never user input.
    return False, pickle.loads(row.answer)


def keep(ctx: Ctx, key: str, answer: Any) -> None:
    """The write's answer, with its key, in the write's own transaction."""
    statement = (
        update(SlackRequest)
        .where(col(SlackRequest.tenant_id) == ctx.uow.tenant_id, col(SlackRequest.key) == key)
        .values(answer=pickle.dumps(answer))
    )
    ctx.uow.session.connection().execute(statement)


def kept(db: Database, tenant_id: str, key: str) -> tuple[bool, Any]:
    """(True, answer) when a write with `key` committed, in a fresh connection; (False, None) when
    it did not, or when the database cannot say now (the caller then reports its own failure)."""
    try:
        with db.session(write=False) as session:
            mine = (col(SlackRequest.tenant_id) == tenant_id, col(SlackRequest.key) == key)
            row = session.exec(select(SlackRequest).where(*mine)).first()
    except Exception as failed:
        if not unavailable(failed):
            raise
        return False, None  # still unreachable: no answer either way
    if row is None or not row.answer:
        return False, None
    return True, pickle.loads(row.answer)


def forget_before(db: Database, cutoff: datetime) -> int:
    """Drop the keys of requests and events older than `cutoff` (the scheduler, daily)."""
    with db.session(write=True) as session:
        gone = 0
        for table in (SlackRequest, SlackEvent):
            result = session.connection().execute(delete(table).where(col(table.received_at) < cutoff))
            gone += result.rowcount
        session.commit()
        return gone
