"""Invoice lines as typed (`2 x Massage 60 @ 100`), and core's refusal of them said by line number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from bot import messages
from bot.deps import Deps
from bot.listeners.checkout.draft import SLACK_LINES
from bot.mrkdwn import escape
from core.checkout import flows
from core.checkout.service import Item
from core.kernel.errors import FieldError, InvalidInput

_LINE = re.compile(
    r"(?:(?P<qty>\d+)\s*[x\u00d7]\s+)?(?P<what>[^@]+?)(?:\s*@\s*(?P<price>\S+))?", re.IGNORECASE
)
SEPARATORS = re.compile(r"[,;\n]")


def parse_lines(deps: Deps, team: str, user: str, typed: str) -> tuple[list[Item], list[FieldError]]:
    """`2 x Massage 60 @ 100` lines, separated by commas, semicolons or new lines: a service by its
    name, a prepaid card, anything else a one-word product code; without `@ price`, the
    catalogue's price. Every bad line is reported, by its number."""
    problems: list[FieldError] = []
    entries = [e.strip() for e in SEPARATORS.split(typed) if e.strip()]
    if not entries:
        problems.append(FieldError("lines", messages.say("checkout_no_lines")))
    if len(entries) > SLACK_LINES:
        problems.append(FieldError("lines", messages.say("checkout_too_many_lines", most=SLACK_LINES)))
        return [], problems
    read: list[tuple[int, flows.Typed | FieldError]] = []
    for number, entry in enumerate(entries, 1):
        quoted = escape(entry)
        match = _LINE.fullmatch(entry)
        if match is None:
            said = messages.say("checkout_bad_line", n=number, line=quoted)
            read.append((number, FieldError(f"lines.{number}", said)))
            continue
        quantity = int(match.group("qty") or 1)
        typed_price = match.group("price")
        try:
            price = None if typed_price is None else Decimal(typed_price)
            if price is not None and not price.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            said = messages.say("checkout_bad_price", n=number, price=escape(match.group("price")))
            read.append((number, FieldError(f"lines.{number}", said)))
            continue
        read.append((number, flows.Typed(quantity, price, match.group("what").strip())))
    typed_lines = [t for _, t in read if isinstance(t, flows.Typed)]
    found = iter(deps.read(team, user, flows.items, typed_lines))
    items: list[Item] = []
    for number, t in read:
        if isinstance(t, FieldError):
            problems.append(t)
            continue
        item = next(found)
        if item is None:
            said = messages.say("checkout_no_service", n=number, name=escape(t.name))
            problems.append(FieldError(f"lines.{number}", said))
        else:
            items.append(item)
    return items, problems


def with_colon(deps: Deps, team: str, user: str, text: str) -> str:
    """`Café Müller Massage 60` read as `Café Müller: Massage 60`: the customer, then one line
    whose name is a prepaid card or in the catalogue (the longest such line); else the text as
    typed."""
    words = text.split()
    heads = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    named = [(who, line, _LINE.fullmatch(line)) for who, line in heads]
    read = [(who, line, m.group("what").strip()) for who, line, m in named if m is not None]
    first = None if not read else deps.read(team, user, flows.first_sold, [what for _, _, what in read])
    if first is None:
        return text
    who, line, _ = read[first]
    return f"{who}: {line}"


def _by_line(error: InvalidInput) -> InvalidInput:
    """Core's line errors ("lines.2.unit_price") said with the line's number."""
    said = []
    for e in error.errors:
        parts = e.field.split(".")
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
            said.append(
                FieldError(e.field, messages.say("checkout_line_error", n=parts[1], message=e.message))
            )
        else:
            said.append(e)
    return InvalidInput(said)


@contextmanager
def numbered_lines() -> Iterator[None]:
    """Core's refusal of a preview's lines said with each line's number."""
    try:
        yield
    except flows.InvalidLines as error:
        raise _by_line(error) from None
