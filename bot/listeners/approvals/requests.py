"""A change held for approval as Slack shows it: the request posted with Approve and Reject, and
the reply to the person who asked. Where it is posted is core's answer (core/approvals/policy.py);
where it went (channel and message) core keeps, for the decision to update it (core/approvals/posts.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.deps import Deps
from bot.listeners.approvals import decisions
from bot.listeners.approvals.ids import ApprovalAction
from bot.mrkdwn import escape
from core.approvals import posts
from core.approvals.flows import Held
from core.context import SYSTEM


@dataclass(frozen=True)
class Waiting:
    """A listener's answer when its change waits: the reply, and the request to post."""

    reply: dict[str, Any]
    post: dict[str, Any]


def waiting(held: Held, here: str = "") -> Waiting:
    """The reply and the request, posted where core says (or `here`, where it was asked)."""
    asked = held.request
    text = messages.say(
        "approval_request", reference=asked.reference, summary=escape(asked.summary), by=asked.requested_by
    )
    post = messages.message(text)
    post["blocks"].append(
        {
            "type": "actions",
            "block_id": f"approval-request-{asked.id}",
            "elements": decisions.buttons(ApprovalAction.APPROVE, ApprovalAction.REJECT, asked.id),
        }
    )
    reply = messages.message(
        messages.say("held_for_approval", reference=asked.reference, summary=escape(asked.summary))
    )
    return Waiting(reply, {"channel": held.channel or here, "reference": asked.reference, **post})


async def post_request(client: AsyncWebClient, deps: Deps, team: str, post: dict[str, Any]) -> None:
    """Post a request for a decision (a sale or a held change: `post` names its reference) and have
    core keep where it went, so that a decision made anywhere updates this message."""
    message = {k: v for k, v in post.items() if k != "reference"}
    if not message.get("channel"):
        # Asked where there is no conversation (the Home, a global shortcut) and the workspace
        # has no approvals channel: the approvers' Homes and `/membership approvals` list it.
        return
    posted = await client.chat_postMessage(**message)
    reference, channel, ts = str(post["reference"]), str(posted["channel"]), str(posted["ts"])
    await asyncio.to_thread(lambda: deps.write(team, SYSTEM, posts.record, reference, channel, ts))


async def post_held(client: AsyncWebClient, deps: Deps, team: str, request: Waiting) -> None:
    await post_request(client, deps, team, request.post)
