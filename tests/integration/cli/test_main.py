"""The command line, run in-process against a SQLite file in a temporary directory."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from tests.integration.cli.conftest import Run


def test_demo_seeds_once_and_tours_the_workspace(run: Run) -> None:
    first = run("demo")
    assert first.exit_code == 0, first.output
    assert "Gold" in first.output and "Café Müller" in first.output
    assert run("demo").exit_code == 0
    listed = run("customers", "search", "")
    assert listed.output.count("#") == 3  # seeded once only


def test_plans_export_import_round_trip_through_files(run: Run, tmp_path: Path) -> None:
    assert run("db", "upgrade").exit_code == 0
    assert run("plans", "export", "plans.yaml").exit_code == 0
    text = (tmp_path / "plans.yaml").read_text()
    (tmp_path / "plans.yaml").write_text(text.replace("price: '49.00'", "price: '52.00'"))
    result = run("plans", "import", "plans.yaml")
    assert result.exit_code == 0 and "updated 1, unchanged 2" in result.output
    assert "$52.00 monthly" in run("plans", "list").output


def test_a_bad_catalogue_is_reported_by_path_and_exits_2(run: Run, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "version: 1\nplans:\n- code: X\n  name: X\n  price: 1.5\n  colour: red\n"
    )
    result = run("plans", "import", "bad.yaml")
    assert result.exit_code == 2
    assert "plans[0].price: Write amounts in quotes" in result.output
    assert "plans[0].colour: Unknown field." in result.output


def test_plans_archive_retires_a_plan_named_by_code_or_name(run: Run) -> None:
    assert run("db", "upgrade").exit_code == 0
    result = run("plans", "archive", "silver")
    assert result.exit_code == 0 and "Silver (SILVER) is archived." in result.output
    assert "Silver" not in run("plans", "list").output
    missing = run("plans", "archive", "Bronze")
    assert missing.exit_code == 2 and "No plan matches “Bronze”." in missing.output


def test_customers_import_reports_bad_rows_and_exits_1(run: Run, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(
        "company,email\nGood Co,good@example.com\nBad Co,nope\n", encoding="utf-8"
    )
    result = run("customers", "import", "c.csv")
    assert result.exit_code == 1
    assert "Imported 1 customer; 0 already present." in result.output
    assert "line 3: email: 'nope' is not an email address." in result.output
    again = run("customers", "import", "c.csv")
    assert "Imported 0 customers; 1 already present." in again.output


def test_membership_report_and_list(run: Run) -> None:
    run("demo")
    listed = run("membership", "list", "1")
    assert listed.exit_code == 0 and "M-1" in listed.output and "active" in listed.output
    report = run("membership", "report", "1")
    assert "Filter change" in report.output and "Tune-up" in report.output
    missing = run("membership", "report", "999")
    assert missing.exit_code == 2 and "There is no membership M-999." in missing.output


def test_credit_commands_write_reports_and_run_the_daily_work(run: Run, tmp_path: Path) -> None:
    run("demo")
    due = run("credits", "run-due")
    assert due.exit_code == 0 and "Expired 0 lots" in due.output
    assert run("credits", "report", "1", "ann.xlsx").exit_code == 0
    assert (tmp_path / "ann.xlsx").read_bytes()[:2] == b"PK"  # a zip container, as .xlsx files are
    assert run("credits", "liability", "owed.csv").exit_code == 0
    assert (tmp_path / "owed.csv").read_text().startswith("Grouping,Group,What,Outstanding")
    wrong = run("credits", "report", "1", "ann.pdf")
    assert wrong.exit_code == 2 and "use a .xlsx or .csv file name" in wrong.output
    assert run("credits", "balance", "999").exit_code == 2


def test_credits_redeem_once_per_key_and_transfer_only_what_a_plan_allows(run: Run) -> None:
    run("demo")
    shown = run("credits", "redeem", "1", "1", "--preview")
    assert "Would redeem 1 credit of Café Müller (Anna Müller); 5 left after." in shown.output
    for again in ("", " (already done with this key)"):
        done = run("credits", "redeem", "1", "1", "--key", "desk-1")
        assert done.exit_code == 0 and f"; 5 left.{again}\n" in done.output
    refused = run("credits", "transfer", "1", "2", "1")  # the demo's plans do not allow transfers
    assert refused.exit_code == 2 and "Only 0 credits can be transferred" in refused.output
    assert "available           5 credit" in run("credits", "balance", "1").output


def test_a_demo_database_runs_on_a_test_clock_that_advance_moves_day_by_day(run: Run) -> None:
    assert run("demo").exit_code == 0
    shown = run("clock", "show").output
    assert shown.startswith("The test clock stands at ")
    today = date.fromisoformat(shown.split("stands at ")[1][:10])
    target = today + timedelta(days=5)
    moved = run("clock", "advance", "--to", target.isoformat())
    assert moved.exit_code == 0, moved.output
    days = [
        date.fromisoformat(line.split()[1].rstrip(":"))
        for line in moved.output.splitlines()
        if line.startswith("TCLI ")
    ]
    # Each day once, in order, up to the target. (Today's own run is included when the demo was
    # seeded before the 06:00 run time.)
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))] and days[-1] == target
    assert days[0] in (today, today + timedelta(days=1))
    assert "nothing due" in run("sweep").output  # all done already
    back = run_failing(run, "clock", "advance", "--to", today.isoformat())
    assert "only moves forward" in back


def test_a_production_database_refuses_to_move_the_clock_and_sweeps_the_real_day(run: Run) -> None:
    assert run("db", "upgrade").exit_code == 0
    assert "uses the real clock" in run("clock", "show").output
    assert "cannot be moved" in run_failing(run, "clock", "advance", "--to", "2030-01-01")
    assert "after today" in run_failing(run, "sweep", "--until", "2999-01-01")


def run_failing(run: Run, *args: str) -> str:
    del run  # the same environment; click's exit is wanted here, not raised
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code != 0
    return result.output


def test_revenue_of_one_membership_month_by_month(run: Run) -> None:
    assert run("demo").exit_code == 0
    shown = run("revenue", "membership", "M-1")
    assert shown.exit_code == 0, shown.output
    first, header, *months, last = shown.output.splitlines()
    assert first.startswith("M-1 ") and header.split() == ["month", "IRR", "MRR", "SCR"]
    assert months and last.startswith("sold ") and "deferred" in last
    assert run("revenue", "membership", "M-1", "--month", "2025-13").exit_code == 2
    refused = run("revenue", "membership", "Café")
    assert refused.exit_code == 2 and "not a membership" in refused.output
