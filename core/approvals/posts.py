"""Where each request for a decision was posted (a sale, M-12, or a held change, A-3): the bot
records the channel and message when it posts one. Decided anywhere — its buttons, the Home, a
list, the CLI — the decision queues the update of that message through the outbox (core/outbox.py),
in the decision's own transaction: it is updated exactly once, even by a process with no Slack
client. Core says what was decided as plain data; bot/notifications words it."""

from __future__ import annotations

from typing import Any

from sqlmodel import col

from core import outbox
from core.context import Ctx
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.approvals import ApprovalPost
from storage.upserts import insert_if_absent


def record(ctx: Ctx, reference: str, channel: str, ts: str) -> None:
    """The request `reference` was posted as message `ts` in `channel` (its first post stands)."""
    roles.require(ctx, Action.VIEW)
    values = {
        "tenant_id": ctx.uow.tenant_id,
        "reference": reference,
        "channel": channel,
        "ts": ts,
        "posted_at": ctx.now(),
    }
    insert_if_absent(ctx.uow, "approval_post", values, ["tenant_id", "reference"])


def queue_update(ctx: Ctx, reference: str, decision: dict[str, Any]) -> bool:
    """Queue the update of the request's message with its decision (plain values); False when it
    was never posted (no channel, the CLI), so there is nothing to update."""
    post = ctx.uow.first(ctx.uow.select(ApprovalPost).where(col(ApprovalPost.reference) == reference))
    if post is None:
        return False
    data = {"reference": reference, "ts": post.ts, **decision}
    outbox.enqueue(ctx, f"approval-decided-{reference}", post.channel, outbox.Kind.APPROVAL_DECIDED, data)
    return True
