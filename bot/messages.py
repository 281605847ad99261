"""Message wording: Jinja2 templates in bot/templates, rendered to Block Kit within Slack's limits."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.mrkdwn import escape
from core.credits.lots import Unit

SECTION_TEXT_MAX = 3000  # Slack's limit for a section's text
BLOCKS_MAX = 50  # per message

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # mrkdwn, not HTML: user text is escaped with bot.mrkdwn.escape before rendering
    keep_trailing_newline=False,
    trim_blocks=False,
)
_env.filters["escape_mrkdwn"] = escape


def _unit_label(unit: Unit, quantity: Decimal | None = None) -> str:
    """What a quantity of `unit` is called: "1 credit", "2 credits", "5.00 of monetary credit"."""
    one = quantity is not None and quantity == 1
    return {
        Unit.CREDIT: "credit" if one else "credits",
        Unit.MONEY: "of monetary credit",
        Unit.POINTS: "point" if one else "points",
    }[unit]


_env.globals["unit_label"] = _unit_label


def render(template: str, **values: Any) -> str:
    return _env.get_template(f"{template}.md.j2").render(**values).strip()


@lru_cache(maxsize=1)
def _replies() -> Any:
    return _env.get_template("replies.md.j2").make_module()


def say(reply: str, /, **values: Any) -> str:
    """A short reply: the macro `reply` of templates/replies.md.j2."""
    macro = getattr(_replies(), reply)
    return str(macro(**values)).strip()


def message(text: str) -> dict[str, Any]:
    """A reply with the text as section blocks (split at Slack's limits) and the text fallback."""
    chunks: list[str] = []
    for line in text.splitlines():
        if chunks and len(chunks[-1]) + len(line) + 1 <= SECTION_TEXT_MAX:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:SECTION_TEXT_MAX])
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks if chunk.strip()
    ]
    return {"text": text[:40_000], "blocks": blocks[:BLOCKS_MAX]}
