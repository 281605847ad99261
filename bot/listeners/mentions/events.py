"""`app_mention` in a channel and `message` in the app's DM (`message.im`): the words are parsed
(words.py) and answered by the command they name, through the same code as the slash command
(bot/listeners/replies.py `answer_command`), in the thread of the message. In a channel the
answer is ephemeral, as a command's is (a balance is not for the whole channel); in the DM it is
a reply. A form the command would open is named instead (a mention brings no trigger id).

Never an answer to itself or to an edit: messages with a subtype (message_changed, bot_message,
…), from a bot, or without a person are ignored, besides Bolt's own ignoring of the app's
events. A delivery Slack retries (same event_id) is answered once (bot/events.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.deps import Deps
from bot.events import first_delivery
from bot.listeners.mentions.words import parse
from bot.listeners.replies import Asked, Say, answer_command
from bot.mrkdwn import escape


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_mention")
    async def mentioned(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await _answer(deps, event, body, client, context, in_dm=False)

    @app.event("message")
    async def direct_message(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if event.get("channel_type") != "im":
            return  # in a channel only a mention is for the app (app_mention)
        await _answer(deps, event, body, client, context, in_dm=True)


def from_a_person(event: dict[str, Any], bot_user: str | None) -> bool:
    """A message someone wrote: not an edit or deletion, not a bot's, not the app's own."""
    user = event.get("user")
    return (
        not event.get("subtype")
        and not event.get("bot_id")
        and isinstance(user, str)
        and user != ""
        and user != bot_user
    )


async def _answer(
    deps: Deps,
    event: dict[str, Any],
    body: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    *,
    in_dm: bool,
) -> None:
    bot_user = context.bot_user_id
    if not from_a_person(event, bot_user) or not event.get("channel") or not event.get("ts"):
        return
    team, user, channel = body["team_id"], str(event["user"]), str(event["channel"])
    if not await asyncio.to_thread(first_delivery, deps, team, str(body.get("event_id", ""))):
        return  # a retry of a delivery already answered
    thread = str(event.get("thread_ts") or event["ts"])
    say = _in_the_thread(client, channel, user, thread, in_dm=in_dm)
    asked = parse(str(event.get("text") or ""), bot_user)
    if asked.command is None:
        await say(messages.message(messages.say("words_help", words=escape(asked.words))))
        return
    # The DM is no conversation to post in for others (a request for approval would reach no
    # manager there): as from the Home, core's approvals channel or the approvers' Homes.
    where = "" if in_dm else channel
    await answer_command(deps, asked.command, asked.text, Asked(team, user, where), client, say, None)


def _in_the_thread(client: AsyncWebClient, channel: str, user: str, thread: str, *, in_dm: bool) -> Say:
    async def say(message: dict[str, Any]) -> None:
        if in_dm:
            await client.chat_postMessage(channel=channel, thread_ts=thread, **message)
        else:
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, **message)

    return say
