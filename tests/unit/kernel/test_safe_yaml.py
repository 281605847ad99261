"""YAML written by hand: what safe_load accepts still loads; what breaks it is BadFile by line."""

from __future__ import annotations

from datetime import date

import pytest

from core.kernel import safe_yaml
from core.kernel.errors import BadFile


def test_anchors_merge_keys_and_dates_still_load() -> None:
    text = "base: &base {price: '10', term: 12}\ngold:\n  <<: *base\n  price: '20'\nday: 2026-02-28\n"
    assert safe_yaml.load(text) == {
        "base": {"price": "10", "term": 12},
        "gold": {"price": "20", "term": 12},
        "day": date(2026, 2, 28),
    }


def test_nesting_up_to_the_limit_loads_and_one_more_level_is_refused() -> None:
    deep = safe_yaml.MAX_DEPTH - 2  # the document's mapping is a level, the empty list's end another
    loaded = safe_yaml.load("a: " + "[" * deep + "]" * deep)["a"]
    for _ in range(deep - 1):
        (loaded,) = loaded
    assert loaded == []
    with pytest.raises(BadFile, match="nested deeper") as raised:
        safe_yaml.load("a:\n  " + "[" * safe_yaml.MAX_DEPTH + "]" * safe_yaml.MAX_DEPTH)
    assert raised.value.line == 2


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: 2026-13-01\n", 2),  # a month that does not exist
        ("a: 1\nb: !!int 'twelve'\n", 2),  # int("twelve"): a ValueError
        ("a: !!python/name:os.system\n", 1),
        ("a: [1,\n", 2),
        ("a: *nowhere\n", 1),
    ],
)
def test_what_breaks_safe_load_is_named_by_line(text: str, line: int) -> None:
    with pytest.raises(BadFile) as raised:
        safe_yaml.load(text)
    assert raised.value.line == line
    assert raised.value.field == "file"
