"""bot/keys.py: the key a button's nonce names is the presser's, for one purpose; and every key a
listener hands core is made there, so no listener passes on a key as Slack sent it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot import keys
from bot.keys import Purpose
from core.kernel.errors import InvalidInput

LISTENERS = Path(__file__).parents[3] / "bot" / "listeners"


def test_a_nonce_names_the_pressers_key_for_one_purpose() -> None:
    nonce = keys.new_nonce()
    assert keys.bound("UANNA", Purpose.REDEEM, nonce) == f"slack:UANNA:redeem:{nonce}"
    named = {keys.bound(user, purpose, nonce) for user in ("UANNA", "UBRUNO") for purpose in Purpose}
    assert len(named) == 2 * len(Purpose)
    assert keys.new_nonce() != nonce


@pytest.mark.parametrize(
    "crafted",
    [
        "initial:9",
        "grant:9:2025-01",
        "",
        "slack:UANNA:redeem:" + "a" * 32,
        "A" * 32,
        "a" * 31,
        "a" * 33,
        None,
        7,
    ],
)
def test_anything_but_a_nonce_is_refused(crafted: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        keys.bound("UANNA", Purpose.GRANT, crafted)
    assert refused.value.field == "key"
    assert "not made by memberbot" in refused.value.message


def _keys_passed_to_core(tree: ast.AST) -> list[ast.expr]:
    """The `key=` of every deps.read / write / rehearse call."""
    return [
        keyword.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("read", "write", "rehearse")
        for keyword in node.keywords
        if keyword.arg == "key"
    ]


def _made_by_bound(value: ast.expr) -> bool:
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "bound"
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == "keys"
    )


def test_every_key_a_listener_hands_core_is_bound_there() -> None:
    found = 0
    for path in sorted(LISTENERS.rglob("*.py")):
        for value in _keys_passed_to_core(ast.parse(path.read_text(), str(path))):
            found += 1
            assert _made_by_bound(value), f"{path}:{value.lineno} passes a key not made by keys.bound"
    assert found >= 7  # redeem, transfer, grant, cancel, post, points and its preview
