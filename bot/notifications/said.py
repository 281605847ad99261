"""What a renderer returns, and the few Block Kit pieces notifications are made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.messages import SECTION_TEXT_MAX
from bot.mrkdwn import escape

TEXT_MAX = 4000  # a notification's text, as the outbox always cut it


@dataclass(frozen=True)
class Said:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)  # none: Slack shows the text
    update: str = ""  # the ts of a message posted before, in the same channel, to update in place
    thread: str = ""  # with `update`: a line posted in that message's thread


def named(typed: str) -> str:
    """A name as typed, shown as typed inside our own mrkdwn: no @channel, no link, and no
    formatting ("*Zen* Spa" is not bold), as in every reply."""
    return escape(typed)


def with_buttons(text: str, *buttons: dict[str, Any]) -> Said:
    """The text as one section (cut at Slack's limit, which only a name of thousands of characters
    reaches), the buttons under it."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT_MAX]}},
        {"type": "actions", "elements": list(buttons)},
    ]
    return Said(text, blocks)


def button(action_id: str, value: object, label: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "value": str(value),
        "text": {"type": "plain_text", "text": label},
    }
