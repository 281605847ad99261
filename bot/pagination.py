"""Long lists shown a page at a time, so a reply never outgrows Slack's block limits.

    shown, next_offset = page(lines, offset, size)
    blocks = [...one section per line or a few lines...]
    if next_offset is not None:
        blocks.append(more_button(ACTION_ID, next_offset, {"query": query}))

The listener for ACTION_ID reads the button back with `read_more(value)` -> (offset, state) and
answers with the next page (replacing the message, so the page count stays bounded).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from bot import shape
from bot.limits import BUTTON_VALUE
from bot.ui.buttons import actions, button

T = TypeVar("T")

PAGE_SIZE = 20  # lines per page: room for headings and buttons in a 50-block message


def page(items: list[T], offset: int, size: int = PAGE_SIZE) -> tuple[list[T], int | None]:
    """The items from `offset` on, at most `size` of them, and the offset of the next page (None
    when this is the last one). An offset past the end gives an empty page."""
    if offset < 0 or size < 1:
        raise ValueError(f"offset must be >= 0 and size >= 1 (got {offset}, {size})")
    end = offset + size
    return items[offset:end], end if end < len(items) else None


def more_button(action_id: str, next_offset: int, state: dict[str, Any] | None = None) -> dict[str, Any]:
    """An actions block with a "More" button whose value carries the next offset and whatever the
    listener needs to rebuild the list (the query, a customer id...)."""
    value = json.dumps({**(state or {}), "offset": next_offset})
    if len(value) > BUTTON_VALUE:  # Slack refuses the whole message; better to fail where it is built
        raise ValueError(f"the More button's value is {len(value)} characters; Slack allows {BUTTON_VALUE}")
    return actions([button(action_id, "More", value, emoji=False)])


def read_more(value: str) -> tuple[int, dict[str, Any]]:
    """The offset and state a More button carried (`value` as Slack sends it back)."""
    state = shape.ours(value)
    if not isinstance(state, dict) or type(state.get("offset")) is not int or state["offset"] < 0:
        raise shape.Unreadable(f"not a More button's value: {value[:100]!r}")
    offset = state.pop("offset")
    return offset, state
