"""Search ranking: accents, case, parts of words, and the order of matches."""

from __future__ import annotations

from core.search import like_patterns, rank

PEOPLE = [
    (1, "Café Müller", "Anna Müller"),
    (2, "Muller Plumbing", ""),
    (3, "Northwind Traders", "Nancy Davolio"),
    (4, "", "Mull"),
    (5, "Bluefin Spa", "Joao Pereira"),
    (6, "Mullerton Heating", "Bob Stone"),
]


def test_accents_and_case_do_not_matter() -> None:
    assert rank("cafe mul", PEOPLE) == [1]
    assert 1 in rank("MULLER", PEOPLE)
    assert rank("joão", PEOPLE) == [5]


def test_parts_of_words_match() -> None:
    assert rank("wind", PEOPLE) == [3]
    assert rank("efin", PEOPLE) == [5]


def test_every_word_must_match_somewhere() -> None:
    assert rank("nancy traders", PEOPLE) == [3]
    assert rank("nancy plumbing", PEOPLE) == []
    assert rank("   ", PEOPLE) == []


def test_best_match_first() -> None:
    # exact "Mull" (4); names starting "mull", shorter first (2, 6); a word starting "mull" (1)
    assert rank("mull", PEOPLE) == [4, 2, 6, 1]


def test_a_word_start_beats_a_match_inside_a_word() -> None:
    people = [(1, "Spa Deluxe", ""), (2, "Bluefin Spa", ""), (3, "Aspara Inc", "")]
    assert rank("spa", people) == [1, 2, 3]


def test_like_patterns_are_folded_and_escaped() -> None:
    assert like_patterns("Café 50%_off a\\b") == ["%cafe%", "%50\\%\\_off%", "%a\\\\b%"]
    assert like_patterns("  ") == []
