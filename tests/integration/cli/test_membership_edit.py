"""`memberbot membership edit`: what follows the new dates is shown, then applied and logged with
why; --dry-run writes nothing; a mistake is named by its field and writes nothing."""

from __future__ import annotations

from tests.integration.cli.conftest import Run


def test_editing_a_contract_shows_what_follows_and_applies_it(run: Run) -> None:
    assert run("demo").exit_code == 0
    listed = run("membership", "list", "1").output
    start = listed.split()[3]  # "M-1 Gold active <start> to <end>"
    dry = run("membership", "edit", "M-1", "--summary", "Two units", "--reason", "typo", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "upcoming visits" in dry.output and "(unchanged)" in dry.output
    done = run("membership", "edit", "1", "--end", "2031-01-01", "--reason", "extended by phone")
    assert done.exit_code == 0, done.output
    assert f"M-1 now runs {start} to 2031-01-01" in done.output
    assert "2031-01-01" in run("membership", "list", "1").output


def test_a_wrong_edit_names_its_field_and_writes_nothing(run: Run) -> None:
    assert run("demo").exit_code == 0
    before = run("membership", "list", "1").output
    wrong = run("membership", "edit", "M-1", "--end", "2000-01-01", "--reason", "oops")
    assert wrong.exit_code == 2 and "end: The end date" in wrong.output
    missing = run("membership", "edit", "M-1", "--summary", "x")
    assert missing.exit_code == 2 and "--reason" in missing.output
    assert run("membership", "edit", "X-1", "--reason", "r").exit_code != 0
    assert run("membership", "list", "1").output == before
