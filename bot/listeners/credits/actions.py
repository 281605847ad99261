"""/credits' Confirm buttons: redeem, transfer and grant, each carrying its request and an
idempotency key, so pressing twice (or Slack retrying) changes the ledger once. A grant above the
workspace's threshold becomes a request for a manager's approval instead."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.deps import Deps
from bot.listeners.approvals import Held, held, post_held
from bot.listeners.credits.ids import CreditsAction
from bot.listeners.replies import answer, pressed
from bot.mrkdwn import escape
from core.approvals import service as approvals
from core.credits import flows as credits
from core.credits import ledger
from core.credits.lots import Unit
from core.customers import service as customers


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
            **json.loads(body["actions"][0]["value"]),
            "channel": body["container"].get("channel_id", ""),
        }
        waiting: list[Held] = []

        def run() -> dict[str, Any]:
            result = work(deps, team, user, request)
            if isinstance(result, Held):
                waiting.append(result)
                return result.reply
            return dict(result)

        reply = await asyncio.to_thread(answer, run)
        await respond(replace_original=True, **reply)
        if waiting:
            await post_held(client, waiting[0])

    return handle


def redeem_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(
        team,
        user,
        credits.redeem,
        int(request["customer"]),
        Decimal(request["quantity"]),
        key=str(request["key"]),
        service_id=request.get("service"),
        reference="Slack",
    )
    quantity = f"{done.quantity.normalize():f}"
    said = messages.say(
        "redeemed",
        quantity=quantity,
        customer=escape(done.customer.label),
        left=done.left,
        replayed=done.replayed,
    )
    return messages.message(said)


def transfer_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(
        team,
        user,
        credits.transfer,
        int(request["from"]),
        int(request["to"]),
        Decimal(request["quantity"]),
        key=str(request["key"]),
    )
    return messages.message(
        messages.say(
            "transferred",
            quantity=request["quantity"],
            giver=escape(done.giver.label),
            receiver=escape(done.receiver.label),
            replayed=done.replayed,
        )
    )


def grant_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any] | Held:
    """The grant, or — above the workspace's threshold — a request for a manager's approval."""
    expires = date.fromisoformat(request["expires"]) if request.get("expires") else None
    with deps.tx(team, user) as ctx:
        if approvals.grant_needs_approval(ctx, Decimal(request["quantity"])):
            name = customers.get_customer(ctx, int(request["customer"])).label
            summary = f"Grant {request['quantity']} credits to {name}: {request['reason']}"
            wanted = {k: request[k] for k in ("customer", "quantity", "reason", "expires")}
            asked = approvals.request_approval(ctx, "grant", wanted, summary, key=str(request["key"]))
            return held(ctx, asked, str(request.get("channel", "")))
        result = ledger.adjust(
            ctx,
            int(request["customer"]),
            Decimal(request["quantity"]),
            str(request["reason"]),
            key=str(request["key"]),
            expires_on=expires,
        )
        name = customers.get_customer(ctx, int(request["customer"])).label
        left = ledger.balance(ctx, int(request["customer"])).total(Unit.CREDIT)
    return messages.message(
        messages.say("granted", customer=escape(name), left=left, replayed=result.replayed)
    )
