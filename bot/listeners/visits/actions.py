"""The buttons of /visits: Complete, Skip, Reschedule and Assign open the visit's form; More turns
the page."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, pagination, shape, views
from bot.deps import Deps
from bot.listeners.replies import Modal, answer, open_modal, submission
from bot.listeners.visits import commands, forms
from bot.listeners.visits.ids import Action, Form


def register(app: AsyncApp, deps: Deps) -> None:
    for do in (Action.COMPLETE, Action.SKIP, Action.RESCHEDULE, Action.ASSIGN):
        # Slack wants each action id once in a message: one per visit, told apart by its suffix.
        app.action(re.compile(rf"^{do}_\d+$"))(_opens_form(deps, do))
    app.action(re.compile(rf"^{Action.MENU}_\d+$"))(_opens_form(deps, None))

    @app.action(Action.MORE)
    async def more(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        offset, state = pagination.read_more(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: commands.more(deps, team, user, offset, state))
        await respond(replace_original=True, **reply)

    @app.view(Form.CLOSE)
    async def closed(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        told: list[str] = []

        def work() -> None:
            told.append(forms.submitted(deps, team, user, view))

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
        if told:
            reply = messages.message(told[0])
            channel = str(views.metadata(view).get("channel") or "")
            if channel:
                await client.chat_postEphemeral(channel=channel, user=user, **reply)
            else:  # pressed on Home: there is no conversation to answer in but the app's DM
                await client.chat_postMessage(channel=user, **reply)


def _opens_form(deps: Deps, button: Action | None) -> Any:
    """A button says what to do; the Home's menu (button None) says it in the option chosen."""

    async def handle(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        pressed = body["actions"][0]
        if button is None:  # visits_menu_<visit>, the option's value saying which of the four
            do, visit_id = (
                Action(pressed["selected_option"]["value"]),
                int(pressed["action_id"].rsplit("_", 1)[1]),
            )
        else:
            do, visit_id = button, int(shape.ours(pressed["value"])["visit"])
        channel = str((body.get("channel") or {}).get("id") or "")
        modal = Modal(forms.TITLES[do], lambda: forms.form(deps, team, user, do, visit_id, channel))
        await open_modal(client, body["trigger_id"], modal)

    return handle
