"""Every slash command's help lists every verb its dispatcher accepts, and no verb it does not.

The verbs accepted are read from the dispatcher's source (the `<command>_reply` function of the
command's module: each `verb == "word"`, `verb in ("a", "b")` or `verb in NAMES`); the verbs listed
are those written after the command in its rendered help (`/membership renew …`). A verb added to
a dispatcher without a line in the help fails here, and so does a help line for a verb that is gone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from bot import messages

ROOT = Path(__file__).parents[3]
LISTENERS = ROOT / "bot" / "listeners"
# Slash command -> (the listeners' package that answers it, how its help is rendered).
HELP: dict[str, tuple[str, str]] = {
    "/plans": ("plans", "plans_help"),
    "/services": ("catalog", "services_help"),
    "/customers": ("customers", "customers_help"),
    "/membership": ("memberships", "membership_help"),
    "/credits": ("credits", "credits_help"),
    "/billing": ("billing", "billing_help"),
    "/classes": ("classes", "classes_help"),
    "/revenue": ("revenue", "revenue_help"),
    "/visits": ("visits", "visits_help"),
    "/checkout": ("checkout", "checkout_help"),
}
# The names a dispatcher gives the first word typed.
_WORD = frozenset({"verb", "first", "text"})
_NOT_VERBS = frozenset({"help", "?", ""})  # "?" asks for the help too


def _subject(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "lower":
        node = node.func.value
    return node.id if isinstance(node, ast.Name) else None


def _strings(node: ast.expr, names: dict[str, list[str]]) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.Name):
        return names.get(node.id, [])
    if isinstance(node, ast.Call) and node.args:  # frozenset({...})
        return _strings(node.args[0], names)
    return []


def accepted_verbs(package: str) -> set[str]:
    tree = ast.parse((LISTENERS / package / "commands.py").read_text(encoding="utf-8"))
    names = {
        target.id: _strings(stmt.value, {})
        for stmt in tree.body
        if isinstance(stmt, ast.Assign)
        for target in stmt.targets
        if isinstance(target, ast.Name)
    }
    dispatchers = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name.endswith("_reply")]
    assert dispatchers, f"bot/listeners/{package}/commands.py has no *_reply dispatcher"
    verbs: set[str] = set()
    for compare in (n for f in dispatchers for n in ast.walk(f) if isinstance(n, ast.Compare)):
        if _subject(compare.left) not in _WORD:
            continue
        for op, right in zip(compare.ops, compare.comparators, strict=True):
            if isinstance(op, ast.Eq | ast.In):
                verbs.update(w for w in _strings(right, names) if " " not in w)
    return verbs - _NOT_VERBS


def listed_verbs(command: str, help_name: str) -> set[str]:
    found = messages.wording()
    if help_name in found.templates:
        text = messages.render(help_name)
    else:
        macro = found.replies[help_name]
        text = messages.say(help_name, **dict.fromkeys(macro.arguments, 10))
    return set(re.findall(rf"`{re.escape(command)} (?:\[)?([a-z][a-z-]*)\b", text)) - _NOT_VERBS


def test_every_command_of_the_manifest_is_checked() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == set(HELP)


@pytest.mark.parametrize("command", sorted(HELP))
def test_the_help_lists_every_verb_the_command_accepts(command: str) -> None:
    package, help_name = HELP[command]
    accepted = accepted_verbs(package)
    listed = listed_verbs(command, help_name)
    assert accepted - listed == set(), f"{command} help omits {sorted(accepted - listed)}"
    unknown = sorted(listed - accepted)
    assert unknown == [], f"{command} help lists verbs it does not accept: {unknown}"


def test_the_reader_finds_verbs_a_dispatcher_accepts() -> None:
    """The extraction itself: /membership accepts these (its help once omitted four of them)."""
    assert {"list", "report", "renew", "delete", "freeze", "assign"} <= accepted_verbs("memberships")
