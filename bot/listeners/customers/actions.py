"""The More button under a /customers search: the next page, in place of the one shown."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.deps import Deps
from bot.listeners.customers.commands import customers_page
from bot.listeners.customers.ids import CustomerAction
from bot.listeners.replies import answer
from bot.pagination import read_more


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(CustomerAction.MORE.value)
    async def more_customers(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        offset, state = read_more(body["actions"][0]["value"])
        reply = await asyncio.to_thread(
            answer,
            lambda: customers_page(deps, team, user, str(state["q"]), offset),
        )
        await respond(replace_original=True, **reply)
