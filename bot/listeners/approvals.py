"""Changes held by an approval policy (core/approvals.py): the request is posted to the approvals
channel with Approve and Reject; a manager or admin other than the requester decides. The message
is updated in place, the decision and its reason are kept in its thread, the requester is told."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners.replies import answer, submission
from bot.mrkdwn import escape
from core import approvals, roles, tenants
from core.context import Ctx
from core.errors import PermissionDenied
from core.roles import Action

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
    @app.action(APPROVE)
    async def approve_pressed(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request_id = int(body["actions"][0]["value"])
        decided: dict[str, Any] = {}

        def work() -> dict[str, Any]:
            decided.update(decide(deps, team, user, request_id, approve=True, reason=""))
            return {}

        refusal = await asyncio.to_thread(answer, work, request=f"approval of A-{request_id} by {user}")
        if not decided:
            await respond(response_type="ephemeral", replace_original=False, **refusal)
            return
        container = body["container"]
        await announce(client, container["channel_id"], container["message_ts"], decided)

    @app.action(REJECT)
    async def reject_pressed(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request_id = int(body["actions"][0]["value"])
        refusal = await asyncio.to_thread(
            answer, lambda: may_decide(deps, team, user, request_id), request=f"reject of A-{request_id}"
        )
        if refusal:
            await respond(response_type="ephemeral", replace_original=False, **refusal)
            return
        container = body["container"]
        form = views.modal(
            REASON_FORM,
            f"Reject A-{request_id}",
            [views.text_input("reason", "Why is it rejected?", multiline=True, max_length=500)],
            submit="Reject",
            metadata={
                "request": request_id,
                "channel": container["channel_id"],
                "ts": container["message_ts"],
            },
        )
        await client.views_open(trigger_id=body["trigger_id"], view=form)

    @app.view(REASON_FORM)
    async def reject_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        where, reason = views.metadata(view), views.values(view).get("reason", "")
        decided: dict[str, Any] = {}

        def work() -> None:
            decided.update(decide(deps, team, user, int(where["request"]), approve=False, reason=reason))

        errors = await asyncio.to_thread(submission, work, view, request=f"rejection by {user}")
        await ack(**(errors or {}))
        if decided:
            await announce(client, where["channel"], where["ts"], decided)


async def post_held(client: AsyncWebClient, request: Held) -> None:
    await client.chat_postMessage(**request.post)


async def announce(client: AsyncWebClient, channel: str, ts: str, decided: dict[str, Any]) -> None:
    await client.chat_update(channel=channel, ts=ts, **decided["message"])
    await client.chat_postMessage(channel=channel, thread_ts=ts, text=decided["audit"])
    await client.chat_postEphemeral(channel=channel, user=decided["requester"], text=decided["audit"])


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
    return {"message": messages.message(text), "audit": audit, "requester": done.requested_by}
