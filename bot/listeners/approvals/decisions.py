"""Approve and Reject buttons on a request posted for a decision (a sale, or a change held by an
approval policy): Approve decides at once; Reject first asks for the reason in a form; whoever may
not decide is told at once, before any form opens (core says who may). The request's message is
then updated in place and the decision and its reason go into its thread — through the outbox,
which core fills in the decision's transaction (core/approvals/posts.py) and which is sent at once
here — and the person who asked is told.
The same buttons stand on the Home and in `/membership approvals` (bot/listeners/approvals/listing.py):
pressed there, the person who asked is told by direct message and the approvers' Homes refresh.

Shared by the approval requests (A-…, bot/listeners/approvals) and the sales (M-…,
bot/listeners/memberships): each registers the buttons (`register_buttons`, its actions) and the
reason form (`register_reason_form`, its forms) with its own ids and core calls."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import views
from bot.listeners.replies import answer, submission
from core.kernel.errors import Conflict

# (team, user, id, approve, reason) -> {"message": the updated request, "audit": a line, "tell": user,
# "posted": whether the outbox updates the request's message}, or {"refusal": the reply} when
# nothing was decided and the answer names people (core's refusals, raised, are plain text)
Decide = Callable[[str, str, int, bool, str], dict[str, Any]]
MayDecide = Callable[[str, str, int], object]  # raises core's refusal when the user may not decide
After = Callable[[AsyncWebClient, str], Awaitable[object]]  # (client, team), once something was decided


@dataclass(frozen=True)
class Decisions:
    approve: str  # the Approve button's action id
    reject: str  # the Reject button's action id
    reason_form: str  # the callback id of the reason form
    prefix: str  # how the requests are referred to: "M-" or "A-"
    decide: Decide
    may_decide: MayDecide
    after: After | None = None
    deliver: After | None = None  # sends the workspace's outbox now: the request's message updated


def buttons(approve: str, reject: str, item: int, *, listed: bool = False) -> list[dict[str, Any]]:
    """Approve and Reject, each carrying the id of what they decide. Listed among others (the
    Home, `/membership approvals`), their action ids end in the id too: Slack refuses a message or
    view with an action id twice."""
    if listed:
        approve, reject = f"{approve}_{item}", f"{reject}_{item}"
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
    @app.action(re.compile(rf"^{d.approve}(_\d+)?$"))
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
            await _refuse(body, respond, client, f"{d.prefix}{item}", decided.get("refusal", refusal))
            return
        await _announce_from(body, respond, client, decided)
        await _settle(d, client, team, decided)

    @app.action(re.compile(rf"^{d.reject}(_\d+)?$"))
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
            await _refuse(body, respond, client, f"{d.prefix}{item}", refusal)
            return
        channel, ts = posted_in(body) or ("", "")
        form = views.modal(
            d.reason_form,
            f"Reject {d.prefix}{item}",
            [views.text_input("reason", "Why is it rejected?", multiline=True, max_length=500)],
            submit="Reject",
            metadata={"item": item, "channel": channel, "ts": ts},
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
            if where.get("channel") and where.get("ts"):
                await announce(client, where["channel"], where["ts"], decided)
            else:  # rejected from the Home or a list: its message is the outbox's to update
                await tell(client, decided)
            await _settle(d, client, team, decided)


async def _settle(d: Decisions, client: AsyncWebClient, team: str, decided: dict[str, Any]) -> None:
    """Once decided: the request's message updated now (through the outbox, which updates it
    exactly once wherever it was decided), then the approvers' Homes refreshed."""
    if decided.get("posted") and d.deliver is not None:
        await d.deliver(client, team)
    if d.after is not None:
        await d.after(client, team)


def posted_in(body: dict[str, Any]) -> tuple[str, str] | None:
    """(channel, ts) of the request's message when its button was pressed there; None when it was
    pressed on the Home or in a list only the presser sees (an ephemeral reply)."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None
    return str(container["channel_id"]), str(container["message_ts"])


async def _refuse(
    body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient, title: str, said: dict[str, Any]
) -> None:
    """Why nothing was decided: to the presser only — a reply, or over the Home (which has no
    response_url) a notice."""
    if body.get("response_url"):
        await respond(response_type="ephemeral", replace_original=False, **said)
        return
    notice = views.modal("notice", title, said["blocks"], submit=None)
    await client.views_open(trigger_id=body["trigger_id"], view=notice)


async def _announce_from(
    body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient, decided: dict[str, Any]
) -> None:
    where = posted_in(body)
    if where is not None:
        await announce(client, *where, decided)
        return
    await tell(client, decided)
    if body.get("response_url"):  # a list's reply: say so under it
        await respond(response_type="ephemeral", replace_original=False, text=decided["audit"])


async def announce(client: AsyncWebClient, channel: str, ts: str, decided: dict[str, Any]) -> None:
    """The request updated in place, the decision kept in its thread, the person who asked told.
    A request whose post core kept is updated by the outbox (`posted`); one posted before its place
    was kept (migration 0024) is updated here."""
    if not decided.get("posted"):
        await client.chat_update(channel=channel, ts=ts, **decided["message"])
        await client.chat_postMessage(channel=channel, thread_ts=ts, text=decided["audit"])
    await client.chat_postEphemeral(channel=channel, user=decided["tell"], text=decided["audit"])


async def tell(client: AsyncWebClient, decided: dict[str, Any]) -> None:
    """The person who asked, told by direct message (decided away from the request's message)."""
    await client.chat_postMessage(channel=decided["tell"], text=decided["audit"])
