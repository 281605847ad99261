"""The one answer to what nobody expected, registered as the app's `app.error`: the trace is logged
once with a short reference, and the person sees the apology with that reference where they are —
under the modal's first field for a submission, in the modal a command or button opened, through
response_url for a command or a button in a message, in a notice modal for a button in a modal or
the Home. An event, or a submission failing after its answer closed the modal, has nobody left
to tell: its log line is the answer. Slack always gets a 200: a 5xx
only makes it retry or show its own error. A person's mistake (core's MemberbotError) never comes
here: bot/listeners/replies.py answers it with its message. Nor does a payload only forgery makes:
bot/shape.py refuses a part of the wrong type before Bolt, and a value of ours that came back
garbled (`shape.Unreadable`) is answered here with a warning and a 400, or nothing once acknowledged.

How Bolt calls it (slack_bolt/listener/asyncio_runner.py, process_before_response off): a listener
runs in a task of its own and the HTTP request waits for its ack(). An exception before ack() —
a submission, which acks with its answer — reaches the handler with the pending `response`, and
what the handler returns is the HTTP answer; one after ack() (or raised in asyncio.to_thread, which
re-raises in the listener) comes with `response` None, so the answer must be an API call. Bolt
then clears the acknowledgement (`ack.response = None`): if its dispatcher, which polls every 10 ms,
had not seen it yet, Slack got a 404 three seconds later instead of the 200 already given — so
each request's ack here keeps the answer once given (`Ack`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, shape, views
from core.kernel.errors import MemberbotError
from storage import limits

log = logging.getLogger("memberbot.bot")

T = TypeVar("T")

# The modal a listener opened and is still filling in (its view id and title), so that a failure
# while building it answers in it rather than leaving "Loading…". Set in the listener's task, which
# is the task Bolt calls the error handler in; each request runs in a task of its own.
_showing: ContextVar[tuple[str, str] | None] = ContextVar("showing", default=None)


def register(app: AsyncApp) -> None:
    app.use(_acknowledging)
    app.error(answer_unexpected)


class Ack(AsyncAck):
    """Bolt's ack(), except that an answer once given stays given: Bolt resets it to None when a
    listener raises after acknowledging (see the module's docstring), which must not take back the
    200 Slack may not have been sent yet. An error answer replacing it is still taken."""

    def __init__(self) -> None:  # AsyncAck's own only sets response to None
        self._given: BoltResponse | None = None

    @property
    def response(self) -> BoltResponse | None:
        return self._given

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None:
            self._given = value


async def _acknowledging(context: AsyncBoltContext, next_: Callable[[], Awaitable[None]]) -> None:
    context["ack"] = Ack()  # before any listener runs: Bolt creates its own on first use
    await next_()


def showing(view_id: str, title: str) -> None:
    """The person is looking at this modal (a loading view): an unexpected error answers there."""
    _showing.set((view_id, title))


def apology(error: BaseException, what: str) -> str:
    """Log the trace once under a fresh reference (a line when the database did not answer); the
    apology the person sees, naming it."""
    reference = uuid.uuid4().hex[:8]
    if limits.unavailable(error):  # an outage, not a fault: one line, not a trace per request
        log.error(
            "the database did not answer %s (%s, reference %s)", what, limits.described(error), reference
        )
    else:
        log.error("unexpected error answering %s (reference %s)", what, reference, exc_info=error)
    return messages.say("apology", reference=reference)


def or_apology(work: Callable[[], T], apologise: Callable[[str], T], *, what: str) -> T:
    """For a view refreshed for someone who did not ask (a manager's Home after a sale): if it
    cannot be built, that person sees the apology in it, and the request that caused the refresh
    goes on — its own answer is not the place for someone else's failure."""
    try:
        return work()
    except Exception as error:
        return apologise(apology(error, what))


async def answer_unexpected(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: AsyncRespond | None,
    client: AsyncWebClient,
) -> BoltResponse | None:
    acknowledged = response is None
    if isinstance(error, shape.Unreadable):  # forged or garbled: nobody to apologise to
        log.warning("Ignored %s: a value of ours came back unreadable (%s)", described(body), error)
        return None if acknowledged else BoltResponse(status=400, body="")
    sorry = apology(error, described(body))
    if body.get("type") == "view_submission" and not acknowledged:
        return BoltResponse(status=200, body=_in_the_form(sorry, body["view"]))
    try:
        await _tell(sorry, body, respond, client)
    except Exception as failed:  # Slack unreachable too: the reference is in the log all the same
        log.warning("could not deliver the apology for %s", described(body), exc_info=failed)
    return None if acknowledged else BoltResponse(status=200, body="")


async def _tell(
    sorry: str, body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient
) -> None:
    shown = _showing.get()
    _showing.set(None)
    if shown is not None:
        view_id, title = shown
        await client.views_update(view_id=view_id, view=_notice(title, sorry))
    elif respond is not None and respond.response_url:
        await respond(response_type="ephemeral", replace_original=False, **messages.message(sorry))
    elif body.get("type") == "block_actions" and body.get("trigger_id"):
        view = body.get("view") or {}
        notice = _notice(_title(view), sorry)
        if view.get("type") == "modal":  # on top of the form, which keeps what was typed
            await client.views_push(trigger_id=body["trigger_id"], view=notice)
        else:  # a button in the Home
            await client.views_open(trigger_id=body["trigger_id"], view=notice)


def _in_the_form(sorry: str, view: dict[str, Any]) -> dict[str, Any]:
    """The submission's answer: the apology under the first field (plain text, so no backticks),
    the form kept as typed; a form without fields shows the apology instead."""
    if not views.input_ids(view):
        return {"response_action": "update", "view": _notice(_title(view), sorry)}
    return views.field_errors(MemberbotError(sorry.replace("`", "")), view)


def _notice(title: str, text: str) -> dict[str, Any]:
    return views.modal("notice", title, [views.section(text)], submit=None)


def _title(view: dict[str, Any]) -> str:
    return str((view.get("title") or {}).get("text") or "memberbot")


def described(body: dict[str, Any]) -> str:
    """The request in the log's words: what was asked, by whom, in which workspace."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or "?"
    user = body.get("user_id") or (body.get("user") or {}).get("id") or "?"
    if "command" in body:
        return f"{body['command']} from {user} in {team}"
    kind = str(body.get("type", "a request"))
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"{actions[0].get('action_id', kind)} by {user} in {team}"
    if kind in ("view_submission", "view_closed"):
        return f"{(body.get('view') or {}).get('callback_id', kind)} by {user} in {team}"
    if kind == "event_callback":
        event = body.get("event") or {}
        return f"{event.get('type', 'an event')} for {event.get('user', '?')} in {team}"
    return f"{kind} by {user} in {team}"
