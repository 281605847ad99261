"""Changes held by an approval policy (core/approvals/service.py): the request is posted to the approvals
channel with Approve and Reject; a manager or admin other than the requester decides. The message
is updated in place, the decision and its reason are kept in its thread, the requester is told."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners import decisions
from bot.mrkdwn import escape
from core.approvals import service as approvals
from core.context import Ctx
from core.kernel.errors import PermissionDenied
from core.workspace import roles, tenants
from core.workspace.roles import Action

APPROVE, REJECT, REASON_FORM = "approval_approve", "approval_reject", "approval_reject_reason"


@dataclass(frozen=True)
class Held:
    """A listener's answer when its change waits: the reply, and the request to post."""

    reply: dict[str, Any]
    post: dict[str, Any]


def held(ctx: Ctx, asked: approvals.ApprovalView, channel: str) -> Held:
    text = messages.say(
        "approval_request", reference=asked.reference, summary=escape(asked.summary), by=asked.requested_by
    )
    post = messages.message(text)
    post["blocks"].append(
        {
            "type": "actions",
            "block_id": f"approval-request-{asked.id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": APPROVE,
                    "style": "primary",
                    "value": str(asked.id),
                    "text": views.plain("Approve"),
                },
                {
                    "type": "button",
                    "action_id": REJECT,
                    "style": "danger",
                    "value": str(asked.id),
                    "text": views.plain("Reject"),
                },
            ],
        }
    )
    where = tenants.settings(ctx).approvals_channel or channel
    reply = messages.message(
        messages.say("held_for_approval", reference=asked.reference, summary=escape(asked.summary))
    )
    return Held(reply, {"channel": where, **post})


def register(app: AsyncApp, deps: Deps) -> None:
    decisions.register(
        app,
        decisions.Decisions(
            approve=APPROVE,
            reject=REJECT,
            reason_form=REASON_FORM,
            prefix="A-",
            decide=lambda team, user, item, approve, reason: decide(
                deps, team, user, item, approve=approve, reason=reason
            ),
            may_decide=lambda team, user, item: may_decide(deps, team, user, item),
        ),
    )


async def post_held(client: AsyncWebClient, request: Held) -> None:
    await client.chat_postMessage(**request.post)


def may_decide(deps: Deps, team: str, user: str, request_id: int) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        roles.require(ctx, Action.APPROVE)
        if approvals.get(ctx, request_id).requested_by == user:
            raise PermissionDenied("Nobody approves their own request: ask another manager.")
    return {}


def decide(
    deps: Deps, team: str, user: str, request_id: int, *, approve: bool, reason: str
) -> dict[str, Any]:
    with deps.tx(team, user) as ctx:
        done = approvals.decide(ctx, request_id, approve=approve, reason=reason)
    audit = messages.say(
        "decided", reference=done.reference, outcome=done.status, by=user, reason=escape(done.reason)
    )
    text = messages.say(
        "approval_decided",
        reference=done.reference,
        summary=escape(done.summary),
        by=done.requested_by,
        audit=audit,
    )
    return {"message": messages.message(text), "audit": audit, "tell": done.requested_by}
