"""/classes' buttons: a choice from a pick list, Join the waitlist, More classes, More of the roster,
and attendance.

Booking is idempotent in core (a member is booked into a session once, however often asked), and
so are joining a waitlist, cancelling and recording attendance: a button pressed twice, or a
request Slack retries, changes nothing the second time."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages, shape
from bot.deps import Deps
from bot.listeners.classes.commands import class_list
from bot.listeners.classes.ids import ClassesAction
from bot.listeners.classes.requests import Request
from bot.listeners.classes.roster import record, roster_page
from bot.listeners.replies import answer, more_pressed, pressed
from core.classes.rules import BookingStatus
from core.kernel.errors import MemberbotError


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(re.compile(rf"^{ClassesAction.PICK}_\d+$"))(
        pressed(lambda team, user, request: Request.read(request).run(deps, team, user))
    )
    app.action(ClassesAction.JOIN_WAITLIST)(
        pressed(lambda team, user, request: Request.read(request).run(deps, team, user))
    )
    app.action(ClassesAction.LIST_MORE)(
        more_pressed(lambda team, user, offset, _: class_list(deps, team, user, offset))
    )
    app.action(ClassesAction.ROSTER_MORE)(
        more_pressed(
            lambda team, user, offset, state: roster_page(deps, team, user, int(state["session"]), offset)
        )
    )
    attendance = (
        (ClassesAction.ATTENDED, BookingStatus.ATTENDED),
        (ClassesAction.NO_SHOW, BookingStatus.NO_SHOW),
    )
    for action_id, status in attendance:
        # Slack wants each action id once in a message: one per booking, told apart by its suffix.
        app.action(re.compile(rf"^{action_id}_\d+$"))(_attendance(deps, status))


def _attendance(deps: Deps, status: BookingStatus) -> Any:
    async def handle(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Record it and show the roster again in place; a refusal comes as a message of its own,
        so the roster stays on screen."""
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        pressed = shape.ours(body["actions"][0]["value"])
        refused: list[str] = []

        def work() -> dict[str, Any]:
            try:
                return record(
                    deps, team, user, int(pressed["booking"]), status, int(pressed.get("offset", 0))
                )
            except MemberbotError as exc:
                refused.append(exc.message)
                return {}

        reply = await asyncio.to_thread(answer, work)
        if refused:
            await respond(replace_original=False, response_type="ephemeral", **messages.message(refused[0]))
        else:
            await respond(replace_original=True, **reply)

    return handle
