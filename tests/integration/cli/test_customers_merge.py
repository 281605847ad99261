"""`memberbot customers merge`: a preview without --yes, the merge with it, once; on the demo's
customers (#1 Café Müller, Anna Müller; #2 Northwind Traders; #3 Blue Fin Spa)."""

from __future__ import annotations

import pytest

from tests.integration.cli.conftest import Run


@pytest.fixture
def demo(run: Run) -> Run:
    assert run("demo").exit_code == 0
    return run


def test_without_yes_it_shows_what_would_move_and_merges_nothing(demo: Run) -> None:
    shown = demo("customers", "merge", "blue fin", "--into", "2")
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("Merge #3 Blue Fin Spa")
    assert "into #2 Northwind Traders" in shown.output
    assert "moves: 1 membership, 12 charges" in shown.output
    assert "Nothing merged; run again with --yes to merge." in shown.output
    assert "#3     Blue Fin Spa" in demo("customers", "search", "blue").output


def test_with_yes_it_merges_once_and_the_duplicate_is_found_no_more(demo: Run) -> None:
    done = demo("customers", "merge", "#3", "--into", "northwind", "--yes")
    assert done.exit_code == 0, done.output
    said = "#3 Blue Fin Spa (Joao Pereira) merged into #2 Northwind Traders (Nancy Davolio)."
    assert done.output.rstrip().endswith(said)
    assert demo("customers", "search", "blue").output.startswith("No customer matches “blue”. Add one with")
    again = demo("customers", "merge", "3", "--into", "2", "--yes")
    assert again.exit_code == 2
    assert "was merged into #2 Northwind Traders (Nancy Davolio); use #2." in again.output
    listed = demo("membership", "list", "2").output.splitlines()
    assert len(listed) == 2  # Northwind's own membership and Blue Fin's


def test_a_customer_is_not_merged_into_itself(demo: Run) -> None:
    refused = demo("customers", "merge", "2", "--into", "northwind", "--yes")
    assert refused.exit_code == 2 and "cannot be merged into itself" in refused.output
