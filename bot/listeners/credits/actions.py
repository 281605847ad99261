"""/credits' Confirm buttons: redeem, transfer and grant, each carrying its request and the nonce
of its idempotency key (made the presser's own by bot/keys.py), so pressing twice (or Slack
retrying) changes the ledger once. A grant above the workspace's threshold becomes a request for a
manager's approval instead."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import keys, messages, shape
from bot.deps import Deps
from bot.keys import Purpose
from bot.listeners.approvals.requests import Waiting, post_held, waiting
from bot.listeners.credits import previews
from bot.listeners.credits.ids import CreditsAction
from bot.listeners.replies import answer, pressed
from bot.mrkdwn import escape
from core.approvals import flows as approval_flows
from core.approvals.flows import Held
from core.credits import flows as credits


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(CreditsAction.CONFIRM_REDEEM)(
        pressed(lambda team, user, request: redeem_confirmed(deps, team, user, request))
    )

    for action_id, work in (
        (CreditsAction.CONFIRM_TRANSFER, transfer_confirmed),
        (CreditsAction.CONFIRM_GRANT, grant_confirmed),
    ):
        app.action(action_id)(_confirmed(deps, work))


def _confirmed(deps: Deps, work: Any) -> Any:
    async def handle(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request = {
            **shape.ours(body["actions"][0]["value"]),
            "channel": body["container"].get("channel_id", ""),
        }
        held: list[Waiting] = []

        def run() -> dict[str, Any]:
            result = work(deps, team, user, request)
            if isinstance(result, Waiting):
                held.append(result)
                return result.reply
            return dict(result)

        reply = await asyncio.to_thread(answer, run)
        await respond(replace_original=True, **reply)
        if held:
            await post_held(client, deps, team, held[0])

    return handle


def redeem_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(
        team,
        user,
        credits.redeem,
        int(request["customer"]),
        Decimal(request["quantity"]),
        key=keys.bound(user, Purpose.REDEEM, request["key"]),
        service_id=request.get("service"),
        reference="Slack",
    )
    return messages.message(previews.redeemed(done))


def transfer_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(
        team,
        user,
        credits.transfer,
        int(request["from"]),
        int(request["to"]),
        Decimal(request["quantity"]),
        key=keys.bound(user, Purpose.TRANSFER, request["key"]),
    )
    return messages.message(previews.transferred(done))


def grant_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any] | Waiting:
    """The grant, or — above the workspace's threshold — a request for a manager's approval (core
    decides which, and where the request goes)."""
    done = deps.write(
        team,
        user,
        approval_flows.grant,
        int(request["customer"]),
        Decimal(request["quantity"]),
        str(request["reason"]),
        key=keys.bound(user, Purpose.GRANT, request["key"]),
        expires_on=date.fromisoformat(request["expires"]) if request.get("expires") else None,
        asked_in=str(request.get("channel", "")),
    )
    if isinstance(done, Held):
        return waiting(done)
    said = messages.say(
        "granted", customer=escape(done.customer.label), left=done.left, replayed=done.replayed
    )
    return messages.message(said)
