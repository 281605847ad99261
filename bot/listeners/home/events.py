"""`app_home_opened`: the Home tab published for whoever opened it, once per delivery."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.events import first_delivery
from bot.listeners.home.view import publish


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") != "home":
            return
        team = body["team_id"]
        if not await asyncio.to_thread(first_delivery, deps, team, str(body.get("event_id", ""))):
            return  # a retry of a delivery already handled
        await publish(client, deps, team, [event["user"]])
