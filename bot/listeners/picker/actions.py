"""A picker's button: the command it was offered for, run again by the one who pressed it with the
choice in place of the words (so its core call, and its permission, are the command's own)."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.listeners.picker.ids import PickAction
from bot.listeners.replies import Asked, known_command, run_command


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(re.compile(rf"^{PickAction.CHOOSE}:\d+$"))
    async def chosen(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        value = json.loads(body["actions"][0]["value"])
        command, text = str(value["c"]), str(value["t"])
        if not known_command(command):
            return  # not a value this app made
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id", "")
        asked = Asked(body["team"]["id"], body["user"]["id"], str(channel))
        await run_command(deps, command, text, asked, body["trigger_id"], respond, client, replace=True)
