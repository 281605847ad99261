"""Which customer a query names among those the search found: the rule every lookup uses."""

from __future__ import annotations

from core.customers.search import meant

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
