"""The one picker for every command that names a customer or a plan: when several match, each is
offered beside a button that runs the same command again with the choice in place of the words
typed ("#12" for a customer, the exact name for a plan), never a guess and never a bare list.
`Choose` is what a listener raises when its core call answered with several; the command's
runner (bot/listeners/replies.py) turns it, and core's SeveralCustomers, into the picker."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot import messages, views
from bot.listeners.picker.ids import PickAction
from bot.mrkdwn import escape
from bot.ui.buttons import button
from core.customers.lookup import Lookup, SeveralCustomers
from core.kernel.errors import MemberbotError

VALUE_MAX = 2000  # Slack's limit for a button's value


@dataclass(frozen=True)
class Choice:
    label: str  # as shown (not escaped)
    typed: str  # what takes the place of the words typed: "#12", or a plan's exact name


class Choose(MemberbotError):
    """Several `kind` ("customers", "plans") match `query`. Where no picker can be offered (a
    form's field), it is its message: the names listed."""

    def __init__(self, kind: str, query: str, choices: Sequence[Choice]) -> None:
        listed = "".join(f"\n• {c.label}" for c in choices)
        super().__init__(f"Several {kind} match “{query}”; which one?{listed}", kind.removesuffix("s"))
        self.kind, self.query, self.choices = kind, query, tuple(choices)


def of_customers(several: SeveralCustomers) -> Choose:
    return Choose("customers", several.query, [Choice(c.label, f"#{c.id}") for c in several.choices])


def several(found: Lookup) -> Choose:
    """The customers a lookup found when it found several."""
    return Choose("customers", found.query, [Choice(c.label, f"#{c.id}") for c in found.matches])


def plans(query: str, names: Sequence[str]) -> Choose:
    return Choose("plans", query, [Choice(name, name) for name in names])


def picker(command: str, text: str, choose: Choose) -> dict[str, Any] | None:
    """The message offering the choices, each running `command` with `text` made to name it; None
    when the words asked about are not in `text` (the caller answers with the list then)."""
    where = _where(text, choose.query)
    if where is None:
        return None
    query = escape(choose.query)
    listed = "".join(f"\n• {escape(c.label)}" for c in choose.choices)
    reply = messages.message(messages.say("pick_heading", kind=choose.kind, query=query) + listed)
    reply["blocks"] = [views.section(messages.say("pick_heading", kind=choose.kind, query=query))]
    for n, choice in enumerate(choose.choices):
        again = f"{text[: where.start()]}{choice.typed}{text[where.end() :]}"
        value = json.dumps({"c": command, "t": again})
        if len(value) > VALUE_MAX:
            return None
        block = views.section(f"• {escape(choice.label)}")
        block["accessory"] = button(f"{PickAction.CHOOSE}:{n}", messages.say("pick_button"), value)
        reply["blocks"].append(block)
    return reply


# What follows the name in a command's grammar: the end, "into", "to", "for", a quantity, a colon...
_AFTER_A_NAME = re.compile(r"\s*$|\s*:|\s+(?:into|to|from|for|at|expires)\b|\s+-?\d", re.IGNORECASE)


def _where(text: str, query: str) -> re.Match[str] | None:
    """Where the words asked about are in `text`, as typed (whatever the spaces between them and
    their case). Of several places, the one a name ends at ("lee" in "lee studio into lee" is the
    second): the first otherwise."""
    words = r"\s+".join(re.escape(w) for w in query.split()) or re.escape(query)
    found = list(re.finditer(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE))
    ending = [m for m in found if _AFTER_A_NAME.match(text, m.end())]
    return (ending or found)[0] if found else None
