"""Message wording: Jinja2 templates in bot/templates, one folder per domain, rendered to Block Kit
within Slack's limits. Values that users typed arrive escaped for mrkdwn; dates arrive as dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.runtime import Macro

from bot.mrkdwn import escape
from core.credits.lots import Unit
from core.kernel import formats

SECTION_TEXT_MAX = 3000  # Slack's limit for a section's text
BLOCKS_MAX = 50  # per message

TEMPLATES = Path(__file__).parent / "templates"
REPLIES = "replies.md.j2"  # in each domain's folder: one macro per short reply
SUFFIX = ".md.j2"


class DuplicateName(Exception):
    """Two templates, or two macros of the replies files, have one name: say() and render() would
    not know which one is meant."""


# The one formatter (core/kernel/formats.py), as filters: {{ n | count("credit") }},
# {{ price | money(currency) }}, {{ on | day }}, {{ at | moment }}, {{ start | span(end) }}.
FILTERS = {
    "number": formats.number,
    "count": formats.count,
    "plural": formats.plural,
    "money": formats.money,
    "day": formats.day,
    "clock": formats.clock,
    "moment": formats.moment,
    "month": formats.month,
    "span": formats.span,
    "listed": formats.listed,
}


def _unit_label(unit: Unit, quantity: Decimal | None = None) -> str:
    """What a quantity of `unit` is called: "1 credit", "2 credits", "5.00 of monetary credit"."""
    n = quantity if quantity is not None else 2
    return {
        Unit.CREDIT: formats.plural(n, "credit"),
        Unit.MONEY: "of monetary credit",
        Unit.POINTS: formats.plural(n, "point"),
    }[unit]


def credit_quantity(unit: Unit, quantity: Decimal, currency: str) -> str:
    """A quantity of credit in words: "1 credit", "3 points", "$12.50 of credit"."""
    if unit is Unit.MONEY:
        return f"{formats.money(quantity, currency)} of credit"
    return formats.count(quantity, "credit" if unit is Unit.CREDIT else "point")


@dataclass(frozen=True)
class Wording:
    """Every template under one folder, by the name the listeners use.

    `<domain>/replies.md.j2` holds that domain's short replies, one macro each (`say`); any other
    `<domain>/<name>.md.j2` is a whole message named `<name>` (`render`); a file directly in the
    folder (common.md.j2) holds helpers the others import, and is neither said nor rendered.
    Names are unique across domains, so a listener names a reply without saying where it lives.
    """

    env: Environment
    templates: Mapping[str, str]  # name -> path in the folder, "credits_help" -> "credits/credits_help.md.j2"
    replies: Mapping[str, Macro]  # macro name -> the macro, from every domain's replies.md.j2


def load(folder: Path) -> Wording:
    """Index every template under `folder`; DuplicateName if a template or a reply is named twice."""
    env = Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        autoescape=False,  # mrkdwn, not HTML: user text is escaped with bot.mrkdwn.escape before rendering
        keep_trailing_newline=False,
        trim_blocks=False,
        # Compiled once: the templates ship with the code, so no reply checks their files again.
        auto_reload=False,
    )
    env.filters["escape_mrkdwn"] = escape
    env.filters.update(FILTERS)
    env.globals["every"] = formats.every
    env.globals["unit_label"] = _unit_label
    templates: dict[str, str] = {}
    replies: dict[str, Macro] = {}
    defined_in: dict[str, str] = {}
    for path in sorted(folder.rglob(f"*{SUFFIX}")):
        where = path.relative_to(folder).as_posix()
        if path.parent == folder:
            continue  # shared helpers, imported by the domains' templates
        if path.name == REPLIES:
            for name, macro in _macros(env, where).items():
                _claim(defined_in, f"reply {name!r}", where)
                replies[name] = macro
        else:
            name = path.name.removesuffix(SUFFIX)
            _claim(defined_in, f"template {name!r}", where)
            templates[name] = where
    return Wording(env, templates, replies)


def _macros(env: Environment, where: str) -> dict[str, Macro]:
    module = env.get_template(where).make_module()
    return {name: value for name, value in vars(module).items() if isinstance(value, Macro)}


def _claim(defined_in: dict[str, str], what: str, where: str) -> None:
    if what in defined_in:
        raise DuplicateName(f"The {what} is defined in {defined_in[what]} and in {where}; rename one.")
    defined_in[what] = where


@lru_cache(maxsize=1)
def wording() -> Wording:
    """bot/templates, indexed at first use (and by the tests, so a duplicate name fails them)."""
    return load(TEMPLATES)


def render(template: str, **values: Any) -> str:
    """A whole message: the template `<domain>/<template>.md.j2`."""
    found = wording()
    if template not in found.templates:
        raise LookupError(f"No template is named {template!r} in bot/templates.")
    return found.env.get_template(found.templates[template]).render(**values).strip()


def say(reply: str, /, **values: Any) -> str:
    """A short reply: the macro `reply` of a domain's replies.md.j2."""
    replies = wording().replies
    if reply not in replies:
        raise LookupError(f"No reply is named {reply!r} in bot/templates/*/{REPLIES}.")
    return str(replies[reply](**values)).strip()


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
