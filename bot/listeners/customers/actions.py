"""The buttons of a /customers search: More (the next page, in place of the one shown) and each
customer's Edit (the form, filled in)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.listeners.customers import forms
from bot.listeners.customers.commands import customers_page
from bot.listeners.customers.ids import CustomerAction
from bot.listeners.replies import Modal, more_pressed, open_modal
from core.customers import flows


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(CustomerAction.MORE.value)(
        more_pressed(
            lambda team, user, offset, state: customers_page(deps, team, user, str(state["q"]), offset)
        )
    )

    @app.action(re.compile(rf"^{CustomerAction.EDIT}:\d+$"))
    async def edit_pressed(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        customer_id = int(body["actions"][0]["value"])
        channel = str(
            (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id", "")
        )

        def build() -> dict[str, Any]:
            return forms.edit_form(deps.read(team, user, flows.customer_to_edit, customer_id), channel)

        await open_modal(client, body["trigger_id"], Modal(forms.EDIT_TITLE, build))
