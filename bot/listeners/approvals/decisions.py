"""Approve and Reject buttons on a request posted for a decision (a sale, or a change held by an
approval policy): Approve decides at once; Reject first asks for the reason in a form; whoever may
not decide is told at once, before any form opens (core says who may). The message is then
updated in place, the decision and its reason go into its thread, and the person who asked is told.

Shared by the approval requests (A-…, bot/listeners/approvals) and the sales (M-…,
bot/listeners/memberships): each registers the buttons (`register_buttons`, its actions) and the
reason form (`register_reason_form`, its forms) with its own ids and core calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import views
from bot.listeners.replies import answer, submission
from core.kernel.errors import Conflict

# (team, user, id, approve, reason) -> {"message": the updated request, "audit": a line, "tell": user},
# or {"refusal": the reply} when nothing was decided and the answer names people (core's refusals,
# raised, are plain text)
Decide = Callable[[str, str, int, bool, str], dict[str, Any]]
MayDecide = Callable[[str, str, int], object]  # raises core's refusal when the user may not decide
After = Callable[[AsyncWebClient, str], Awaitable[None]]  # (client, team), once something was decided


@dataclass(frozen=True)
class Decisions:
    approve: str  # the Approve button's action id
    reject: str  # the Reject button's action id
    reason_form: str  # the callback id of the reason form
    prefix: str  # how the requests are referred to: "M-" or "A-"
    decide: Decide
    may_decide: MayDecide
    after: After | None = None


def buttons(approve: str, reject: str, item: int) -> list[dict[str, Any]]:
    """Approve and Reject, each carrying the id of what they decide."""
    return [
        {
            "type": "button",
            "action_id": approve,
            "style": "primary",
            "value": str(item),
            "text": views.plain("Approve"),
        },
        {
            "type": "button",
            "action_id": reject,
            "style": "danger",
            "value": str(item),
            "text": views.plain("Reject"),
        },
    ]


def register_buttons(app: AsyncApp, d: Decisions) -> None:
    @app.action(d.approve)
    async def approve_pressed(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user, item = body["team"]["id"], body["user"]["id"], int(body["actions"][0]["value"])
        decided: dict[str, Any] = {}

        def work() -> dict[str, Any]:
            decided.update(d.decide(team, user, item, True, ""))
            return {}

        refusal = await asyncio.to_thread(answer, work)
        if not decided or "refusal" in decided:
            await respond(
                response_type="ephemeral", replace_original=False, **decided.get("refusal", refusal)
            )
            return
        await announce(client, body["container"]["channel_id"], body["container"]["message_ts"], decided)
        if d.after is not None:
            await d.after(client, team)

    @app.action(d.reject)
    async def reject_pressed(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user, item = body["team"]["id"], body["user"]["id"], int(body["actions"][0]["value"])

        def check() -> dict[str, Any]:
            d.may_decide(team, user, item)
            return {}

        refusal = await asyncio.to_thread(answer, check)
        if refusal:
            await respond(response_type="ephemeral", replace_original=False, **refusal)
            return
        container = body["container"]
        form = views.modal(
            d.reason_form,
            f"Reject {d.prefix}{item}",
            [views.text_input("reason", "Why is it rejected?", multiline=True, max_length=500)],
            submit="Reject",
            metadata={"item": item, "channel": container["channel_id"], "ts": container["message_ts"]},
        )
        await client.views_open(trigger_id=body["trigger_id"], view=form)


def register_reason_form(app: AsyncApp, d: Decisions) -> None:
    @app.view(d.reason_form)
    async def reject_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        where, reason = views.metadata(view), views.values(view).get("reason", "")
        decided: dict[str, Any] = {}

        def work() -> None:
            decided.update(d.decide(team, user, int(where["item"]), False, reason))
            if "refusal" in decided:  # under the form's field, as text
                raise Conflict(decided.pop("refusal")["text"])

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
        if decided:
            await announce(client, where["channel"], where["ts"], decided)
            if d.after is not None:
                await d.after(client, team)


async def announce(client: AsyncWebClient, channel: str, ts: str, decided: dict[str, Any]) -> None:
    """The request updated in place, the decision kept in its thread, the person who asked told."""
    await client.chat_update(channel=channel, ts=ts, **decided["message"])
    await client.chat_postMessage(channel=channel, thread_ts=ts, text=decided["audit"])
    await client.chat_postEphemeral(channel=channel, user=decided["tell"], text=decided["audit"])
