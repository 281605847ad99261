"""Text users typed, made safe for Slack's mrkdwn: no accidental @channel, links or formatting."""

from __future__ import annotations

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_FORMATTING = str.maketrans({"*": "\u2217", "_": "\uff3f", "~": "\u223c", "`": "\u02cb"})


def escape(text: str) -> str:
    """Slack's three control characters escaped, and formatting marks replaced by look-alikes."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text).translate(_FORMATTING)


def escape_controls(text: str) -> str:
    """Only Slack's three control characters: for our own messages, whose formatting is meant, but
    which may quote what users typed (no @channel, no links slip through)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)
