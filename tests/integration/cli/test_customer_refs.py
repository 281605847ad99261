"""CLI verbs name a customer as Slack does (core/customers/lookup.py): by number (12 or #12), or
by company or contact, case and accents ignored; several matches are listed with their numbers,
the verb exits 2 and writes nothing. Run in-process against a SQLite file of the test's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.runner = CliRunner(
            env={"DATABASE_URL": f"sqlite:///{tmp_path / 'refs.sqlite'}", "MEMBERBOT_TEAM": "TREFS"}
        )

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def run(tmp_path: Path) -> Cli:
    """The demo's three customers (#1 Café Müller, Anna Müller), and Müller Bakery (#4)."""
    run = Cli(tmp_path)
    assert run("demo").exit_code == 0
    (tmp_path / "more.csv").write_text("company,contact,email\nMüller Bakery,Max Roth,max@bakery.example\n")
    assert run("customers", "import", str(tmp_path / "more.csv")).exit_code == 0
    return run


def test_a_customer_is_named_by_number_or_by_name_whatever_the_case_and_accents(run: Cli) -> None:
    by_number = run("membership", "list", "1").output
    assert "M-1" in by_number
    for typed in ("#1", "cafe muller", "CAFÉ MÜLLER", "anna müller", "Café Müller (Anna Müller)"):
        assert run("membership", "list", typed).output == by_number, typed
    balance = run("credits", "balance", "1").output
    assert "available" in balance and run("credits", "balance", "Anna Muller").output == balance
    done = run("credits", "report", "cafe", str(run.dir / "cafe.csv"))
    assert done.exit_code == 0 and ",M-1," in (run.dir / "cafe.csv").read_text()


def test_several_matches_are_listed_with_their_numbers_exit_2_and_nothing_is_written(run: Cli) -> None:
    report = ("credits", "report", "muller", str(run.dir / "r.xlsx"))
    for verb in (("membership", "list", "muller"), ("credits", "balance", "muller"), report):
        failed = run(*verb)
        assert failed.exit_code == 2, verb
        assert "Several customers match “muller”; give one's number:" in failed.output
        assert "#1     Café Müller (Anna Müller)" in failed.output
        assert "#4     Müller Bakery (Max Roth)" in failed.output
    assert not (run.dir / "r.xlsx").exists()
    missing = run("membership", "list", "zed")
    assert missing.exit_code == 2 and "No customer matches “zed”." in missing.output
    assert run("credits", "balance", "#999").exit_code == 2
