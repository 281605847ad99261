"""The More button under /plans: the next page, in place of the one shown."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.deps import Deps
from bot.listeners.plans.commands import plans_page
from bot.listeners.plans.ids import PlanAction
from bot.listeners.replies import answer
from bot.pagination import read_more


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(PlanAction.MORE.value)
    async def more_plans(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        offset, _ = read_more(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: plans_page(deps, team, user, offset))
        await respond(replace_original=True, **reply)
