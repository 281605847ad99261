"""The picker's choices (bot/listeners/picker/choices.py): each runs the command again with the
choice in place of the words that named several, found where a name ends."""

from __future__ import annotations

import json

import pytest

from bot.listeners.picker.choices import Choice, Choose, picker
from bot.mrkdwn import escape


def again(text: str, query: str) -> str | None:
    offered = picker("/credits", text, Choose("customers", query, [Choice("Anna Berg", "#7")]))
    if offered is None:
        return None
    return str(json.loads(offered["blocks"][1]["accessory"]["value"])["t"])


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("anna", "anna", "#7"),
        ("redeem  Anna Berg   2 for yoga", "anna  berg", "redeem  #7   2 for yoga"),
        ("transfer 2 from anna to anna b", "anna", "transfer 2 from #7 to anna b"),
        ("transfer 2 from anna b to anna", "anna", "transfer 2 from anna b to #7"),
        ("merge lee studio into lee", "lee", "merge lee studio into #7"),
        ("anna lee: 1 x Massage @ 10", "anna lee", "#7: 1 x Massage @ 10"),
    ],
)
def test_the_words_that_named_several_are_replaced_where_a_name_ends(
    text: str, query: str, expected: str
) -> None:
    assert again(text, query) == expected


def test_words_not_in_the_text_offer_no_picker_and_the_list_is_the_message() -> None:
    assert again("history bruno", "anna") is None
    several = Choose("customers", "anna", [Choice("Anna Berg", "#7"), Choice("Anna Lind", "#8")])
    assert several.message == "Several customers match “anna”; which one?\n• Anna Berg\n• Anna Lind"


def test_labels_are_escaped_and_each_choice_has_its_own_button() -> None:
    choices = [Choice("<!channel> & Co", "#1"), Choice("Anna *Lind*", "#2")]
    offered = picker("/credits", "anna", Choose("customers", "anna", choices))
    assert offered is not None
    assert [b["text"]["text"] for b in offered["blocks"][1:]] == [
        "• &lt;!channel&gt; &amp; Co",
        f"• {escape('Anna *Lind*')}",
    ]
    assert [b["accessory"]["action_id"] for b in offered["blocks"][1:]] == ["pick:0", "pick:1"]
