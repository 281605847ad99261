"""Running a core call for a listener, and answering errors by kind: a user's mistake or a
forbidden action gets its message; anything unexpected is logged with a reference and answered
with a short apology — never a stack trace, never silence."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot import messages
from bot.deps import Deps
from bot.mrkdwn import escape
from core.errors import MemberbotError

log = logging.getLogger("memberbot.bot")


def answer(work: Callable[[], dict[str, Any]], *, request: str) -> dict[str, Any]:
    try:
        return work()
    except MemberbotError as exc:
        return messages.message(escape(exc.message))
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error answering %s (reference %s)", request, reference)
        return messages.message(f"Sorry, something went wrong on our side. Reference: `{reference}`.")


Reply = Callable[[Deps, str, str, str], dict[str, Any]]


def slash_command(deps: Deps, name: str, reply: Reply) -> Callable[..., Awaitable[None]]:
    """A slash command listener: acknowledge at once, compute the reply in a worker thread (core is
    synchronous), answer ephemerally through response_url."""

    async def handle(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        text = str(command.get("text", "")).strip()
        team, user = command["team_id"], command["user_id"]
        message = await asyncio.to_thread(
            answer, lambda: reply(deps, team, user, text), request=f"{name} from {user} in {team}"
        )
        await respond(response_type="ephemeral", replace_original=False, **message)

    return handle
