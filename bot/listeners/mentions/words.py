"""What someone asked the app in a mention or a DM, read with the commands' own grammar: the first
word names the command (its name without the slash, or a word people use for it), the rest is
the command's text. No guessing beyond that: anything else is answered with the help."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# The first word -> the command it names.
COMMANDS = {
    **dict.fromkeys(("credits", "credit", "balance"), "/credits"),
    **dict.fromkeys(("customers", "customer"), "/customers"),
    **dict.fromkeys(("membership", "memberships"), "/membership"),
    **dict.fromkeys(("plans", "plan"), "/plans"),
    **dict.fromkeys(("services", "service"), "/services"),
    **dict.fromkeys(("visits", "visit"), "/visits"),
    **dict.fromkeys(("checkout",), "/checkout"),
    **dict.fromkeys(("billing", "charges"), "/billing"),
    **dict.fromkeys(("classes", "class"), "/classes"),
    **dict.fromkeys(("revenue",), "/revenue"),
}
HELP = frozenset({"", "help", "?", "hi", "hello"})
QUOTED = 80  # characters of unknown words quoted back


@dataclass(frozen=True)
class Asked:
    command: str | None  # None: words no command starts with (or "help")
    text: str  # the command's text, as a slash command would carry it
    words: str  # what was written, without the mention of the app


def parse(text: str, bot_user: str | None) -> Asked:
    """`text` as Slack sends a message's (mrkdwn-escaped, the app's mention as `<@U…>`)."""
    if bot_user:
        text = re.sub(rf"<@{re.escape(bot_user)}(?:\|[^>]*)?>", " ", text)
    # Slack escapes &, < and > in a message's text: "Smith &amp; Sons" is Smith & Sons.
    words = " ".join(html.unescape(text).split())
    first, _, rest = words.partition(" ")
    first = first.lstrip("/").rstrip(":,.!?").casefold()
    if first in HELP:
        return Asked(None, "", "")
    return Asked(COMMANDS.get(first), rest.strip(), words[:QUOTED])
