"""/credits: a customer's balance (redeem, transfer, history, export and grant come next)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages
from bot.deps import Deps
from bot.listeners.replies import answer, slash_command
from bot.mrkdwn import escape
from core import customers, ledger, services
from core.context import Ctx
from core.errors import InvalidInput, NotFound
from core.lots import Unit

CONFIRM_REDEEM = "credits_redeem_confirm"


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(CONFIRM_REDEEM)
    async def confirm_redeem(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request = json.loads(body["actions"][0]["value"])
        reply = await asyncio.to_thread(
            answer, lambda: redeem_confirmed(deps, team, user, request), request=f"redemption by {user}"
        )
        await respond(replace_original=True, **reply)

    app.command("/credits")(slash_command(deps, "/credits", credits_reply))


def credits_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    if not text or text.lower() == "help":
        return messages.message(messages.render("credits_help"))
    verb, _, rest = text.partition(" ")
    if verb.lower() == "redeem":
        return redeem_preview(deps, team, user, rest.strip())
    with deps.tx(team, user, write=False) as ctx:
        found = customers.search_customers(ctx, text, limit=10)
        if not found:
            return messages.message(
                f"No customer matches “{escape(text)}”. Try part of the company or contact name."
            )
        exact = [c for c in found if c.name.casefold() == text.casefold()]
        if len(found) > 1 and len(exact) != 1:
            labels = [escape(c.label) for c in found]
            return messages.message(messages.render("pick_customer", query=escape(text), customers=labels))
        customer = exact[0] if exact else found[0]
        balance = ledger.balance(ctx, customer.id)
        return messages.message(messages.render("balance", customer=escape(customer.label), balance=balance))


def redeem_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """Which lots a redemption will use, and a Confirm button carrying the request and its
    idempotency key: pressing twice (or Slack retrying) redeems once."""
    words, _, service_name = text.partition(" for ")
    *customer_words, quantity_text = words.split() or [""]
    if not customer_words or not quantity_text.isdigit() or int(quantity_text) < 1:
        raise InvalidInput.single(
            "quantity", "Say who and how many: `/credits redeem <customer> <quantity> [for <service>]`."
        )
    with deps.tx(team, user, write=False) as ctx:
        customer = _one_customer(ctx, " ".join(customer_words))
        service = None
        if service_name.strip():
            service = services.find_service(ctx, service_name)
            if service is None:
                raise NotFound(f"There is no service named “{service_name.strip()}”.", "service")
        quantity = Decimal(quantity_text)
        plan = ledger.preview(ctx, customer.id, quantity, service_id=service.id if service else None)
        lines = [
            f"• {amount.normalize():f} from credits expiring {_expiry(ctx, lot.expires_at)}"
            for lot, amount in plan
        ]
        what = f" for {escape(service.name)}" if service else ""
        text_out = f"Redeem *{quantity}* credits{what} from *{escape(customer.label)}*?\n" + "\n".join(lines)
    reply = messages.message(text_out)
    value = json.dumps(
        {
            "customer": customer.id,
            "quantity": quantity_text,
            "service": service.id if service else None,
            "key": f"slack-redeem-{uuid.uuid4().hex}",
        }
    )
    reply["blocks"].append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": CONFIRM_REDEEM,
                    "style": "primary",
                    "value": value,
                    "text": {"type": "plain_text", "text": "Redeem"},
                }
            ],
        }
    )
    return reply


def redeem_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any]:
    with deps.tx(team, user) as ctx:
        result = ledger.redeem(
            ctx,
            int(request["customer"]),
            Decimal(request["quantity"]),
            key=str(request["key"]),
            service_id=request.get("service"),
            reference="Slack",
        )
        left = ledger.balance(ctx, int(request["customer"])).total(Unit.CREDIT)
        name = customers.get_customer(ctx, int(request["customer"])).label
    again = " (already done: this request was sent twice)" if result.replayed else ""
    return messages.message(f"Redeemed *{-result.total}* credits from *{escape(name)}*; {left} left.{again}")


def _one_customer(ctx: Ctx, text: str) -> customers.CustomerView:
    found = customers.search_customers(ctx, text, limit=10)
    exact = [c for c in found if c.name.casefold() == text.casefold()]
    if len(found) == 1 or len(exact) == 1:
        return exact[0] if exact else found[0]
    what = "No customer matches" if not found else "Several customers match"
    raise NotFound(f"{what} “{text}”; be more specific.", "customer")


def _expiry(ctx: Ctx, at: datetime | None) -> str:
    return (
        "never"
        if at is None
        else (at - timedelta(microseconds=1)).astimezone(ctx.tz).strftime("after %d %b %Y")
    )
