"""`memberbot visits …` through the real entry point, on the demo workspace's visits."""

from __future__ import annotations

import re

import pytest

from tests.integration.cli.conftest import Run


def first_visit(run: Run) -> tuple[str, str]:
    assert run("demo").exit_code == 0
    listed = run("visits", "list", "--to", "2099-01-01")
    assert listed.exit_code == 2 and "a year at most" in listed.output  # a range is bounded
    listed = run("visits", "list")
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if not line.endswith(" overdue")]
    found = next(m for m in (re.match(r"^#(\d+)\s+(\d{4}-\d\d-\d\d) ", line) for line in lines) if m)
    return found.group(1), found.group(2)


def test_list_complete_and_the_visit_leaves_the_list(run: Run) -> None:
    visit, _ = first_visit(run)
    done = run("visits", "complete", visit, "--note", "Filters changed")
    assert done.exit_code == 0 and done.output.startswith(f"#{visit} completed:")
    assert f"#{visit} " not in run("visits", "list").output
    again = run("visits", "complete", visit)
    assert again.exit_code == 2 and "already completed" in again.output


def test_skip_needs_a_reason(run: Run) -> None:
    visit, _ = first_visit(run)
    assert run("visits", "skip", visit).exit_code == 2  # --reason is required
    blank = run("visits", "skip", visit, "--reason", " ")
    assert blank.exit_code == 2 and "reason" in blank.output.lower()
    skipped = run("visits", "skip", visit, "--reason", "Customer away")
    assert skipped.exit_code == 0 and "skipped" in skipped.output


def test_reschedule_refuses_the_past_and_moves_within_the_term(run: Run) -> None:
    visit, day = first_visit(run)
    past = run("visits", "reschedule", visit, "2000-01-01")
    assert past.exit_code == 2 and "in the past" in past.output
    moved = run("visits", "reschedule", visit, day)
    assert moved.exit_code == 0 and f"#{visit} moved to {day}" in moved.output


def test_a_customers_visits_and_an_unknown_customer(run: Run) -> None:
    first_visit(run)
    listed = run("visits", "list", "cafe")
    assert listed.exit_code == 0
    assert all("Café Müller" in line for line in listed.output.splitlines() if line.startswith("#"))
    unknown = run("visits", "list", "nobody at all")
    assert unknown.exit_code == 2 and "No customer matches" in unknown.output


def test_assign_a_visit_and_list_someone_s_own(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMBERBOT_ADMINS", "UTECHLEAD")  # someone who works visits
    visit, _ = first_visit(run)
    assert "No visits to do" in run("visits", "list", "--assignee", "UTECHLEAD").output
    nobody = run("visits", "assign", visit, "UNOBODY")
    assert nobody.exit_code == 2 and "someone who works visits" in nobody.output
    done = run("visits", "assign", visit, "UTECHLEAD")
    assert done.exit_code == 0 and done.output.startswith(f"#{visit} assigned to UTECHLEAD:")
    mine = [line for line in run("visits", "list", "--assignee", "UTECHLEAD").output.splitlines()]
    assert len(mine) == 1 and mine[0].startswith(f"#{visit} ") and mine[0].endswith("(UTECHLEAD)")
    cleared = run("visits", "assign", visit, "none")
    assert cleared.exit_code == 0 and "assigned to nobody" in cleared.output
