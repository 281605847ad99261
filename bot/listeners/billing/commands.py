"""/billing: help, a page of charges, or `pay`/`fail C-12 [note]` recorded by command."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages
from bot.deps import Deps
from bot.listeners.billing.charges import charges_page, record
from bot.listeners.replies import slash_command
from bot.mrkdwn import escape
from core.billing.service import ChargeStatus
from core.kernel.errors import InvalidInput

_CHARGE = re.compile(r"^(?:C-)?(\d+)$", re.IGNORECASE)


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/billing")(slash_command(deps, "/billing", billing_reply))


def billing_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if not text or verb == "help":
        return messages.message(messages.render("billing_help"))
    if verb in ("pay", "fail"):
        reference, _, note = rest.partition(" ")
        to = ChargeStatus.PAID if verb == "pay" else ChargeStatus.FAILED
        return messages.message(record(deps, team, user, _charge_id(reference), to, note.strip()))
    return charges_page(deps, team, user, text, 0)


def _charge_id(reference: str) -> int:
    found = _CHARGE.match(reference.strip())
    if found is None:
        raise InvalidInput.single("charge", messages.say("not_a_charge", typed=escape(reference)))
    return int(found.group(1))
