"""bot.messages finds templates by name across the domain folders of bot/templates: a name defined
twice is refused when the folder is indexed, and every name the bot says or renders exists."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import messages
from bot.messages import DuplicateName, load

BOT = Path(messages.__file__).parent


def folder(root: Path, files: dict[str, str]) -> Path:
    for where, text in files.items():
        (root / where).parent.mkdir(parents=True, exist_ok=True)
        (root / where).write_text(text)
    return root


def test_a_reply_is_found_by_name_whichever_domain_holds_it(tmp_path: Path) -> None:
    found = load(
        folder(
            tmp_path,
            {
                "common.md.j2": "{% macro twice(x) %}{{ x }}{{ x }}{% endmacro %}",
                "credits/replies.md.j2": '{% from "common.md.j2" import twice %}\n'
                "{% macro redeemed(n) %}Redeemed {{ twice(n) }}{% endmacro %}",
                "plans/replies.md.j2": "{% macro no_plan(query) %}No plan {{ query }}{% endmacro %}",
                "plans/no_plan.md.j2": "A whole message may share a reply's name",
            },
        )
    )
    assert set(found.replies) == {"redeemed", "no_plan"}  # not the helper, nor what it imports
    assert found.replies["redeemed"](n="2") == "Redeemed 22"
    assert found.templates == {"no_plan": "plans/no_plan.md.j2"}  # common.md.j2 is not rendered


def test_a_reply_defined_in_two_domains_is_refused(tmp_path: Path) -> None:
    twice = folder(
        tmp_path,
        {
            "credits/replies.md.j2": "{% macro no_customer(query) %}None{% endmacro %}",
            "customers/replies.md.j2": "{% macro no_customer(query) %}No customer{% endmacro %}",
        },
    )
    both = re.escape("defined in credits/replies.md.j2 and in customers/replies.md.j2")
    with pytest.raises(DuplicateName, match=both):
        load(twice)


def test_a_template_name_used_in_two_domains_is_refused(tmp_path: Path) -> None:
    twice = folder(tmp_path, {"credits/help.md.j2": "Credits", "plans/help.md.j2": "Plans"})
    with pytest.raises(DuplicateName, match="template 'help'"):
        load(twice)


def test_an_unknown_name_says_which() -> None:
    with pytest.raises(LookupError, match="No reply is named 'no_such_reply'"):
        messages.say("no_such_reply")
    with pytest.raises(LookupError, match="No template is named 'no_such_template'"):
        messages.render("no_such_template")


def named(call: ast.Call, function: ast.AST) -> Iterator[str]:
    """The names a call of say or render can use: its literal first argument, or the literals
    assigned in the same function to the variable it passes (reply = "a" if found else "b")."""
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        yield first.value
    elif isinstance(first, ast.Name):
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == first.id for t in node.targets
            ):
                for value in ast.walk(node.value):
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        yield value.value


def used_in_bot() -> set[tuple[str, str, str]]:
    """(say or render, name, file:line) for every call of messages.say and messages.render in bot/."""
    used = set()
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        enclosing: dict[ast.AST, ast.AST] = {}  # a call -> the innermost function around it
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                enclosing |= dict.fromkeys(ast.walk(function), function)  # outer functions come first
        for call in ast.walk(tree):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in ("say", "render")
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id == "messages"
                and call.args
            ):
                where = f"{path.relative_to(BOT.parent)}:{call.lineno}"
                names = named(call, enclosing.get(call, tree))
                used |= {(call.func.attr, name, where) for name in names}
    return used


def test_every_name_the_bot_says_or_renders_exists() -> None:
    used = used_in_bot()
    assert len({name for _, name, _ in used}) > 100  # the scan does find the calls
    wording = messages.wording()
    known = {"say": wording.replies, "render": wording.templates}
    missing = [f"{where}: messages.{how}({name!r})" for how, name, where in used if name not in known[how]]
    assert sorted(missing) == []
