"""Search ranking: accents, case, parts of words, and the order of matches; and which customer a
query names among those the search found (`meant`, the rule every lookup uses)."""

from __future__ import annotations

import pytest

from core.customers.search import escape_like, like_patterns, meant, mentioned_words, named_in, rank

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
    assert rank("MULLER", [(1, "", "Jörg müller")]) == [1]
    assert rank("Müller", [(1, "Muller Plumbing", "")]) == [1]
    assert rank("joão", PEOPLE) == [5]
    assert rank("STRASSE", [(1, "Hauptstraße 5", "")]) == [1]


def test_parts_of_words_match() -> None:
    assert rank("wind", PEOPLE) == [3]
    assert rank("efin", PEOPLE) == [5]
    assert rank("nor tra", PEOPLE) == [3]


def test_every_word_must_match_somewhere() -> None:
    assert rank("nancy traders", PEOPLE) == [3]  # one word in each field
    assert rank("nancy plumbing", PEOPLE) == []
    assert rank("mull zzz", PEOPLE) == []
    assert rank("   ", PEOPLE) == []
    assert rank("anything", []) == []


def test_best_match_first() -> None:
    # exact "Mull" (4); names starting "mull", shorter first (2, 6); a word starting "mull" (1)
    assert rank("mull", PEOPLE) == [4, 2, 6, 1]


@pytest.mark.parametrize(
    ("query", "people", "expected"),
    [
        # equal, starts with, a word starts with, inside a word
        (
            "spa",
            [(1, "Aspara Inc", ""), (2, "Bluefin Spa", ""), (3, "Spa Deluxe", ""), (4, "Spa", "")],
            [4, 3, 2, 1],
        ),
        # the contact counts as much as the company
        ("ann", [(1, "Pannier", ""), (2, "Zed Co", "Ann")], [2, 1]),
        # every word at a word start beats one word inside a word
        ("jo pe", [(1, "Jope", ""), (2, "Bluefin", "Joao Pereira"), (3, "Ajo Ape", "")], [2, 1, 3]),
    ],
)
def test_tiers(query: str, people: list[tuple[int, str, str]], expected: list[int]) -> None:
    assert rank(query, people) == expected


def test_ties_go_to_the_shorter_name_then_the_alphabet_then_the_key() -> None:
    # all start with "acme"; the three of nine letters alphabetically, then the longer one
    people = [(10, "Acme Zeta", ""), (9, "Acme Alfa", ""), (3, "Acme Heating Co", ""), (2, "Acme Beta", "")]
    assert rank("acme", people) == [9, 2, 10, 3]
    # the same name twice: the key decides, as a number (9 before 10), not as text
    assert rank("acme", [(10, "Acme", ""), (9, "Acme", "")]) == [9, 10]


def test_a_tie_is_decided_by_the_name_that_matched() -> None:
    # both match "spa" as a word start; 2's contact is short but it is not what matched
    people = [(1, "Bluefin Spa", "Christopher Columbus"), (2, "Big Spa Company Limited", "Al")]
    assert rank("spa", people) == [1, 2]


def test_the_order_of_the_candidates_does_not_matter() -> None:
    assert rank("mull", list(reversed(PEOPLE))) == rank("mull", PEOPLE)


def test_like_patterns_are_folded_and_escaped() -> None:
    assert like_patterns("Café 50%_off a\\b") == ["%cafe%", "%50\\%\\_off%", "%a\\\\b%"]
    assert like_patterns("MÜLLER müller") == ["%muller%"]
    assert like_patterns("  ") == []
    assert escape_like("100%_") == "100\\%\\_"


# Which customer a query names among those the search found.

FOUND = [
    (1, "Mull", ""),
    (2, "Muller Plumbing", ""),
    (3, "Café Müller", "Anna Müller"),
]


def test_a_whole_name_names_the_customer_among_others_that_contain_it() -> None:
    assert meant("Mull", FOUND) == [1]
    assert meant("muller plumbing", FOUND) == [2]


def test_case_and_accents_do_not_matter() -> None:
    assert meant("CAFE MULLER", FOUND) == [3]
    assert meant("café müller", FOUND) == [3]
    assert meant("  Anna   Muller ", FOUND) == [3]  # the contact, spaces as typed


def test_the_name_as_pick_lists_show_it_names_the_customer() -> None:
    same_company = [(3, "Café Müller", "Anna Müller"), (4, "Café Müller", "Bo Berg")]
    assert meant("Café Müller (Bo Berg)", same_company) == [4]


def test_the_only_match_is_the_customer() -> None:
    assert meant("plumb", [(2, "Muller Plumbing", "")]) == [2]


def test_several_matches_are_all_offered_best_first_never_a_guess() -> None:
    assert meant("mul", FOUND) == [1, 2, 3]
    twins = [(7, "Acme", ""), (8, "Acme", "")]
    assert meant("acme", twins) == [7, 8]  # two whole names: still the person's choice


def test_no_match_is_none() -> None:
    assert meant("zed", []) == []


# --- the customers a message names (named_in) -------------------------------------------------------


def test_a_message_names_whole_names_ignoring_case_accents_and_punctuation() -> None:
    assert named_in("Anna from CAFE MULLER called!", PEOPLE) == [1]
    assert named_in("(Northwind Traders), again", PEOPLE) == [3]
    assert named_in("Bo\u2019s Bakery wants Gold", [(7, "Bo's Bakery", "")]) == [7]  # a phone's apostrophe
    assert named_in("Smith & Sons", [(8, "Smith & Sons", "")]) == [8]


def test_part_of_a_word_names_no_one() -> None:
    assert named_in("the mullerton boiler", PEOPLE) == []  # "Mullerton Heating" is not written whole
    assert named_in("Mulled wine", PEOPLE) == []
    assert named_in("", PEOPLE) == []


def test_a_name_inside_a_longer_name_written_is_left_out() -> None:
    assert named_in("Muller Plumbing sent the bill", [*PEOPLE, (9, "Muller", "")]) == [2]
    assert named_in("Muller and Mull", [*PEOPLE, (9, "Muller", "")]) == [9, 4]  # longest first


def test_several_names_are_all_named_longest_first() -> None:
    assert named_in("Mull asked Northwind Traders", PEOPLE) == [3, 4]


def test_the_words_looked_for_in_the_database() -> None:
    assert mentioned_words("Anna, from Café Müller: a call") == ["anna", "cafe", "muller"]
    assert mentioned_words("Bo at the Inn") == ["inn"]  # "Bo" alone is found by its number
