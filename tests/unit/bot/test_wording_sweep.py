"""A sweep of every template and reply for what a reader should never see: "(s)" plurals, Python
reprs (Decimal(…), None, True), raw enum values and keys (every-n-days, transfer_out,
lines.1.quantity), and user text that reached Slack unescaped.

Each reply and template is rendered with the values of tests/unit/bot/test_limits.py (hostile user
text, the longest rules); the template sources and the user-facing strings of the Python code are
scanned for "(s)" too.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

import core
from bot import messages
from bot.mrkdwn import escape
from core.credits.lots import ENTRY_LABELS
from core.kernel import formats
from tests.unit.bot.test_limits import MACRO_VALUES, RAW, RENDERINGS, REPLY_VALUES, USER

ROOT = Path(__file__).parents[3]
TEMPLATES = ROOT / "bot" / "templates"
# Python reprs and type names that mean a value was printed instead of worded.
REPRS = re.compile(r"Decimal\(|\bNone\b|\bTrue\b|\bFalse\b|StrEnum|datetime\.|\bdate\(|<[A-Z]\w+\.[A-Z_]+:")
SLASH_PLURAL = re.compile(r"\w\(s\)")
FIELD_KEY = re.compile(r"\b(?:lines|credits|locations|discounts)\.\d*\.?[a-z_]+\b")
# Our own underscores: code spans (`/credits export`) and the look-alike of escaped user text.
CODE = re.compile(r"`[^`]*`")


def _internal_values() -> set[str]:
    """Every StrEnum value in core that is a key rather than a word (it has "-" or "_"), and the
    ledger's entry kinds."""
    values = set(ENTRY_LABELS) - {"grant", "redeem", "expire", "adjust", "reverse", "merge"}
    for info in pkgutil.walk_packages(core.__path__, "core."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value.__module__ == info.name:
                values.update(m.value for m in value if "-" in m.value or "_" in m.value)
    return values


INTERNAL = _internal_values()
INTERNAL_WORD = re.compile("|".join(rf"(?<![\w-]){re.escape(v)}(?![\w-])" for v in sorted(INTERNAL)))


def problems(text: str) -> list[str]:
    words = CODE.sub("", text)
    found = [f"repr {m[0]!r}" for m in REPRS.finditer(words)]
    found += [f"plural {m[0]!r}" for m in SLASH_PLURAL.finditer(words)]
    found += [f"key {m[0]!r}" for m in FIELD_KEY.finditer(words)]
    found += [f"enum value {m[0]!r}" for m in INTERNAL_WORD.finditer(words)]
    found += [f"name {m[0]!r}" for m in re.finditer(r"[a-z]+_[a-z]+", words)]
    found += [f"unescaped {raw!r}" for raw in RAW if raw in text]
    return found


def _reply_values(name: str) -> dict[str, Any]:
    macro = messages.wording().replies[name]
    return {a: REPLY_VALUES.get(a, USER) for a in macro.arguments} | MACRO_VALUES.get(name, {})


def test_the_sweep_finds_what_it_looks_for() -> None:
    """The checks can fail: each kind of slip is caught in a sentence that has it."""
    assert problems("Sold 4 time(s) for Decimal('4.00'), None left") == [
        "repr 'Decimal('",
        "repr 'None'",
        "plural 'e(s)'",
    ]
    assert problems("lines.1.quantity: must be a number") == ["key 'lines.1.quantity'"]
    assert problems("4 credits every-n-days, Transferred out") == ["enum value 'every-n-days'"]
    assert problems("the transfer_out entry") == ["enum value 'transfer_out'", "name 'transfer_out'"]
    assert problems("a *bold* name") == ["unescaped '*bold*'"]
    assert problems(f"`/credits export` and {escape('*Zen* Spa')}") == []


@pytest.mark.parametrize("reply", sorted(messages.wording().replies))
def test_no_reply_shows_a_repr_a_key_or_a_slashed_plural(reply: str) -> None:
    text = messages.say(reply, **_reply_values(reply))
    assert problems(text) == [], text


@pytest.mark.parametrize(("template", "values"), RENDERINGS)
def test_no_template_shows_a_repr_a_key_or_a_slashed_plural(template: str, values: dict[str, Any]) -> None:
    text = messages.render(template, **values)
    assert problems(text) == [], text


def test_no_template_source_writes_a_slashed_plural() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted([*TEMPLATES.rglob("*.j2"), *(ROOT / "bot" / "sandbox").rglob("*.j2")])
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SLASH_PLURAL.search(line)
    ]
    assert offending == []


def test_no_user_facing_string_in_the_code_writes_a_slashed_plural() -> None:
    """String constants of core, bot and the CLI (messages, echoes, f-strings); http(s) is a URL."""
    offending = []
    for folder in ("core", "bot", "cli"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value.replace("http(s)", "")
                    if SLASH_PLURAL.search(text) and not text.lstrip().startswith(('"""', "\n")):
                        offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    docstrings = {
        f"{path.relative_to(ROOT)}:{node.body[0].lineno}"
        for folder in ("core", "bot", "cli")
        for path in (ROOT / folder).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    assert [o for o in offending if o not in docstrings] == []


def test_the_formatter_words_quantities_money_and_days_one_way() -> None:
    from datetime import date
    from decimal import Decimal

    assert formats.count(1, "credit") == "1 credit"
    assert formats.count(Decimal("4.000"), "credit") == "4 credits"
    assert formats.count(Decimal("1.5"), "credit") == "1.5 credits"
    assert formats.count(2, "ledger entry") == "2 ledger entries"
    assert formats.every(30, "day") == "every 30 days"
    assert formats.every(1, "day") == "every day"
    assert formats.number(Decimal("40.0000")) == "40"
    assert formats.money(Decimal("59"), "USD") == "$59.00"
    assert formats.money("59.00", "EUR") == "€59.00"
    assert formats.money(Decimal("59"), "JPY") == "¥59"
    assert formats.day(date(2026, 12, 2)) == "Wed 2 Dec 2026"
    assert formats.span(date(2026, 12, 2), None) == "Wed 2 Dec 2026 to no end date"
    assert formats.span(date(2026, 2, 1), date(2026, 2, 28)) == "Sun 1 Feb to Sat 28 Feb 2026"
    assert formats.span(date(2026, 12, 2), date(2027, 1, 9)) == "Wed 2 Dec 2026 to Sat 9 Jan 2027"
    assert formats.were(1, "membership") == "1 membership was"
