"""Buttons and the actions blocks that hold them, as every domain's messages build them."""

from __future__ import annotations

from typing import Any

from bot.views import plain


def button(
    action_id: str, label: str, value: str, *, style: str | None = None, emoji: bool = True
) -> dict[str, Any]:
    """A button carrying `value` (what its listener reads back); `emoji=False` leaves the label's
    emoji flag out, as some older replies (and their golden files) have it."""
    made: dict[str, Any] = {"type": "button", "action_id": action_id}
    if style:
        made["style"] = style
    made["value"] = value
    made["text"] = plain(label) if emoji else {"type": "plain_text", "text": label}
    return made


def actions(elements: list[dict[str, Any]], *, block_id: str | None = None) -> dict[str, Any]:
    """An actions block (at most 25 elements: bot.limits checks what is sent)."""
    block: dict[str, Any] = {"type": "actions"}
    if block_id is not None:
        block["block_id"] = block_id
    block["elements"] = elements
    return block
