"""Running a core call for a listener, and answering errors by kind: a user's mistake or a
forbidden action gets its message; anything unexpected is logged with a reference and answered
with a short apology — never a stack trace, never silence."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from bot import messages
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
