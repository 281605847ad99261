"""Running a core call for a listener, and the one place a person's mistake or a forbidden action
(core's MemberbotError) becomes its message: in the reply, in the modal, or under the fields it
concerns. Anything unexpected propagates to the app's error handler (bot/errors.py), which logs it
with a reference and answers with a short apology — never a stack trace, never silence."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import errors, messages, shape, views
from bot.deps import Deps
from bot.listeners.picker import choices
from bot.mrkdwn import escape_controls
from bot.pagination import read_more
from core.customers.lookup import SeveralCustomers
from core.kernel.errors import MemberbotError


def answer(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The reply, or the message of the mistake core refused."""
    try:
        return work()
    except MemberbotError as exc:
        return messages.message(escape_controls(exc.message))


@dataclass(frozen=True)
class Modal:
    """A command's answer that is a modal: opened at once as a loading view (the trigger id lives
    three seconds), then replaced by `build()`, which reads what it needs from the database."""

    title: str
    build: Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Upload:
    """A command's answer that is a file, sent to the person who asked in the app's DM: a report
    holds customers' data, and a channel is read by everyone in it."""

    filename: str
    content: bytes
    title: str
    said: str  # the ephemeral confirmation


@dataclass(frozen=True)
class Then:
    """A command's reply with something to do in Slack before it is shown (post a request for
    approval, say): `later(client)`."""

    reply: dict[str, Any]
    later: Callable[[AsyncWebClient], Awaitable[None]]


Reply = Callable[[Deps, str, str, str], "dict[str, Any] | Modal | Upload | Then"]
# The same, told the conversation the command was typed in (a form that answers there).
ChannelReply = Callable[[Deps, str, str, str, str], "dict[str, Any] | Modal | Upload | Then"]


def slash_command(deps: Deps, name: str, reply: Reply) -> Callable[..., Awaitable[None]]:
    """A slash command listener: acknowledge at once, compute the reply in a worker thread (core is
    synchronous), answer ephemerally through response_url or open the modal it asks for."""
    return channel_command(deps, name, lambda deps, team, user, _, text: reply(deps, team, user, text))


_COMMANDS: dict[str, ChannelReply] = {}  # every slash command's reply, for the picker to run again


def channel_command(deps: Deps, name: str, reply: ChannelReply) -> Callable[..., Awaitable[None]]:
    """`slash_command` for a reply that needs the command's channel: `reply(deps, team, user,
    channel, text)`."""
    _COMMANDS[name] = reply

    async def handle(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        asked = Asked(command["team_id"], command["user_id"], str(command.get("channel_id", "")))
        text = str(command.get("text", "")).strip()
        await run_command(deps, name, text, asked, command["trigger_id"], respond, client)

    return handle


@dataclass(frozen=True)
class Asked:
    team: str
    user: str
    channel: str


Say = Callable[[dict[str, Any]], Awaitable[None]]  # where a command's answer is shown


async def run_command(
    deps: Deps,
    name: str,
    text: str,
    asked: Asked,
    trigger_id: str,
    respond: AsyncRespond,
    client: AsyncWebClient,
    *,
    replace: bool = False,
) -> None:
    """Answer the slash command `name` with `text`: typed, or run again from the picker
    (bot/listeners/picker, `replace` its message), ephemerally through response_url."""

    async def say(message: dict[str, Any]) -> None:
        await respond(response_type="ephemeral", replace_original=replace, **message)

    await answer_command(deps, name, text, asked, client, say, trigger_id)


async def answer_command(
    deps: Deps,
    name: str,
    text: str,
    asked: Asked,
    client: AsyncWebClient,
    say: Say,
    trigger_id: str | None,
) -> None:
    """The one way a command's words are answered, however they were sent (a slash command, the
    picker, a shortcut, a mention or a DM): `say` shows the reply; several customers or plans
    matching is answered with the picker. A modal needs a trigger id; without one (a mention) the
    reply says which command opens it."""
    outcome: list[Modal | Upload | Then] = []

    def work() -> dict[str, Any]:
        try:
            result = _COMMANDS[name](deps, asked.team, asked.user, asked.channel, text)
        except SeveralCustomers as exc:
            return _offer(name, text, choices.of_customers(exc))
        except choices.Choose as exc:
            return _offer(name, text, exc)
        if isinstance(result, Then):
            outcome.append(result)
            return result.reply
        if isinstance(result, Modal | Upload):
            outcome.append(result)
            return messages.message(result.said) if isinstance(result, Upload) else {}
        return result

    message = await asyncio.to_thread(answer, work)
    if outcome and isinstance(outcome[0], Then):
        await outcome[0].later(client)
    if outcome and isinstance(outcome[0], Modal):
        if trigger_id is not None:
            await open_modal(client, trigger_id, outcome[0])
            return
        typed = f"{name} {text}".strip()
        message = messages.message(messages.say("opens_a_form", title=outcome[0].title, typed=typed))
    if outcome and isinstance(outcome[0], Upload):
        upload = outcome[0]
        dm = await client.conversations_open(users=asked.user)
        await client.files_upload_v2(
            channel=dm["channel"]["id"], file=upload.content, filename=upload.filename, title=upload.title
        )
    await say(message)


def known_command(name: str) -> bool:
    return name in _COMMANDS


def _offer(name: str, text: str, several: choices.Choose) -> dict[str, Any]:
    offered = choices.picker(name, text, several)
    if offered is None:
        raise several  # the words are not in the text: the list, as its message
    return offered


Pressed = Callable[[str, str, dict[str, Any]], dict[str, Any]]
Paged = Callable[[str, str, int, dict[str, Any]], dict[str, Any]]


def pressed(work: Pressed) -> Callable[..., Awaitable[None]]:
    """A button whose answer replaces its message: acknowledged at once, then `work(team, user,
    value)` in a worker thread with the button's JSON value; core's refusal replaces it the same way."""
    return _in_place(lambda team, user, value: work(team, user, shape.ours(value)))


def more_pressed(work: Paged) -> Callable[..., Awaitable[None]]:
    """A More button (bot/pagination.py): `work(team, user, offset, state)`, the next page in place."""
    return _in_place(lambda team, user, value: work(team, user, *read_more(value)))


def _in_place(work: Callable[[str, str, str], dict[str, Any]]) -> Callable[..., Awaitable[None]]:
    async def handle(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user, value = body["team"]["id"], body["user"]["id"], str(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: work(team, user, value))
        await respond(replace_original=True, **reply)

    return handle


async def open_modal(client: AsyncWebClient, trigger_id: str, modal: Modal) -> None:
    opened = await client.views_open(trigger_id=trigger_id, view=views.loading(modal.title))
    errors.showing(opened["view"]["id"], modal.title)  # an unexpected error answers in it
    view = await asyncio.to_thread(built, modal)
    await client.views_update(view_id=opened["view"]["id"], hash=opened["view"]["hash"], view=view)


def built(modal: Modal) -> dict[str, Any]:
    """The modal's view, or the same modal explaining the mistake (the person already sees it)."""
    try:
        return modal.build()
    except MemberbotError as exc:
        return _notice(modal.title, exc)


Submitted = Callable[[], dict[str, Any] | None]


def submission(
    work: Submitted, view: dict[str, Any], *, aliases: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """Run a modal's submission: its answer (None closes the modal), or core's errors under the
    fields they concern, written nowhere (core raised before committing). A view without fields (a
    confirmation) becomes the notice of the refusal instead."""
    try:
        return work()
    except MemberbotError as exc:
        if not views.input_ids(view):
            title = str((view.get("title") or {}).get("text") or "memberbot")
            return {"response_action": "update", "view": _notice(title, exc)}
        return views.field_errors(exc, view, aliases)


def _notice(title: str, exc: MemberbotError) -> dict[str, Any]:
    return views.modal("notice", title, [views.section(escape_controls(exc.message))], submit=None)


Filled = Callable[[Deps, str, str, dict[str, Any]], "dict[str, Any] | None"]


def form_submitted(deps: Deps, work: Filled) -> Callable[..., Awaitable[None]]:
    """A modal's submission listener: `work(deps, team, user, values)` in a worker thread (core is
    synchronous), acknowledged with its answer or with core's errors under the fields."""

    async def handle(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        chosen = views.values(view)
        answer = await asyncio.to_thread(submission, lambda: work(deps, team, user, chosen), view)
        await ack(**(answer or {}))

    return handle
