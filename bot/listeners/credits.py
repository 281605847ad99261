"""/credits: a customer's balance (redeem, transfer, history, export and grant come next)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages
from bot.deps import Deps
from bot.listeners.replies import answer
from bot.mrkdwn import escape
from core import customers, ledger


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command("/credits")
    async def credits_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        text = str(command.get("text", "")).strip()
        reply = await asyncio.to_thread(
            answer,
            lambda: credits_reply(deps, command["team_id"], command["user_id"], text),
            request=f"/credits from {command['user_id']} in {command['team_id']}",
        )
        await respond(response_type="ephemeral", replace_original=False, **reply)


def credits_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    if not text or text.lower() == "help":
        return messages.message(messages.render("credits_help"))
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
