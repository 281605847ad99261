"""Each shortcut runs its command's words through the command's own code (bot/listeners/replies.py
`answer_command`), so it opens the same form and meets the same permission:

- Sell a membership: `/membership assign` (the sale form); Add a customer: `/customers add`.
- Check credits: `/credits` opens no form of its own (it answers about the customer named), so the
  shortcut asks for the customer, then shows `/credits #<id>`'s answer in the form's place.
- On a message: the customer the message names (core's lookup, `named_in`), then `/credits #<id>`
  or `/membership assign #<id>` (the sale form with the customer chosen). Several named: the
  picker, whose buttons run the same command; none: how to add one.

A global shortcut has no conversation: what is not a form is shown in a small modal (its trigger
id is still unused then). A message shortcut answers ephemerally in the message's conversation
through its response_url, or in the app's DM when it has none."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners.credits.commands import credits_reply
from bot.listeners.picker import choices
from bot.listeners.replies import Asked, Say, answer, answer_command, submission
from bot.listeners.shortcuts.ids import Shortcut, ShortcutView
from bot.mrkdwn import escape
from core.customers import lookup
from core.kernel.errors import InvalidInput
from core.workspace import roles
from core.workspace.roles import Action

CHECK_TITLE = "Check credits"
# The command each shortcut answers as, and the words before the customer's number.
GLOBAL = {Shortcut.SELL: ("/membership", "assign"), Shortcut.ADD_CUSTOMER: ("/customers", "add")}
Listener = Callable[..., Awaitable[None]]
ON_A_MESSAGE = {Shortcut.MESSAGE_CREDITS: ("/credits", ""), Shortcut.MESSAGE_SELL: ("/membership", "assign")}


def register(app: AsyncApp, deps: Deps) -> None:
    # By kind as well as callback id: a message shortcut's listener reads the message.
    for callback_id, (command, words) in GLOBAL.items():
        app.shortcut({"type": "shortcut", "callback_id": callback_id.value})(_global(deps, command, words))
    for callback_id, (command, words) in ON_A_MESSAGE.items():
        app.shortcut({"type": "message_action", "callback_id": callback_id.value})(
            _on_a_message(deps, command, words)
        )

    @app.shortcut({"type": "shortcut", "callback_id": Shortcut.CHECK_CREDITS.value})
    async def check_credits(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        view = await asyncio.to_thread(answer_or_notice, lambda: check_form(deps, team, user))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ShortcutView.CHECK_CREDITS.value)
    async def check_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        chosen = views.values(view)
        shown = await asyncio.to_thread(submission, lambda: balance_view(deps, team, user, chosen), view)
        await ack(**(shown or {}))


def _global(deps: Deps, command: str, words: str) -> Listener:
    async def handle(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        trigger = body["trigger_id"]
        asked = Asked(body["team"]["id"], body["user"]["id"], "")

        async def say(message: dict[str, Any]) -> None:  # a refusal: nowhere else to show it
            await client.views_open(trigger_id=trigger, view=notice(message))

        await answer_command(deps, command, words, asked, client, say, trigger)

    return handle


def _on_a_message(deps: Deps, command: str, words: str) -> Listener:
    async def handle(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        asked = Asked(team, user, str((body.get("channel") or {}).get("id") or ""))
        # Slack escapes &, < and > in a message's text: "Smith &amp; Sons" is Smith & Sons.
        text = html.unescape(str((body.get("message") or {}).get("text") or ""))
        say = _in_the_conversation(body, respond, client, user)
        found: list[int] = []

        def work() -> dict[str, Any]:
            result = named(deps, team, user, text, command, words)
            if isinstance(result, int):
                found.append(result)
                return {}
            return result

        reply = await asyncio.to_thread(answer, work)
        if not found:
            await say(reply)
            return
        typed = f"{words} #{found[0]}".strip()
        await answer_command(deps, command, typed, asked, client, say, body["trigger_id"])

    return handle


def named(deps: Deps, team: str, user: str, text: str, command: str, words: str) -> int | dict[str, Any]:
    """The id of the one customer the message names; otherwise the reply saying it names none,
    or offering the several it names (each button runs `command` for that one)."""
    found = deps.read(team, user, lookup.named_in, text)
    if found.customer is not None:
        return found.customer.id
    if not found.matches:
        return messages.message(messages.say("no_customer_named", quoted=escape(found.query)))
    several = choices.several(found)
    offered = choices.picker(command, f"{words} {found.query}".strip(), several)
    if offered is None:
        raise several  # too long to carry in a button: the list, as its message
    return offered


def check_form(deps: Deps, team: str, user: str) -> dict[str, Any]:
    deps.read(team, user, roles.require, Action.VIEW)  # refused before the form opens, not after
    blocks = [views.external_select("customer", "Customer")]
    return views.modal(ShortcutView.CHECK_CREDITS, CHECK_TITLE, blocks, submit="Check")


def balance_view(deps: Deps, team: str, user: str, chosen: dict[str, Any]) -> dict[str, Any]:
    """`/credits #<id>`'s answer, in the form's place."""
    if not chosen.get("customer"):
        raise InvalidInput.single("customer", "Choose the customer.")
    reply = credits_reply(deps, team, user, "", f"#{int(chosen['customer'])}")
    assert isinstance(reply, dict)  # a customer's balance is a message, never a form or a file
    return {"response_action": "update", "view": notice(reply, CHECK_TITLE)}


def notice(message: dict[str, Any], title: str = "memberbot") -> dict[str, Any]:
    """A message shown in a modal of its own (its sections; buttons need a conversation)."""
    blocks = [b for b in message.get("blocks", []) if b.get("type") == "section"]
    return views.modal("notice", title, blocks or [views.section(str(message.get("text", "")))], submit=None)


def answer_or_notice(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The form, or the refusal core gave as a notice in its place."""
    built = answer(work)
    return built if built.get("type") == "modal" else notice(built)


def _in_the_conversation(
    body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient, user: str
) -> Say:
    async def say(message: dict[str, Any]) -> None:
        if body.get("response_url"):
            await respond(response_type="ephemeral", replace_original=False, **message)
        else:
            await client.chat_postMessage(channel=user, **message)

    return say
