"""`memberbot services`: add services and products, list the catalogue; bad fields exit 2."""

from __future__ import annotations

from tests.integration.cli.conftest import Run


def test_services_add_and_list(run: Run) -> None:
    added = run("services", "add", "Massage 60", "--price", "100", "--category", "Massage", "--minutes", "60")
    assert added.exit_code == 0, added.output
    assert "Added service Massage 60 at $100.00" in added.output
    assert run("services", "add", "Oil", "--price", "18.5", "--kind", "product").exit_code == 0
    assert run("services", "add", "Consultation").exit_code == 0
    listed = run("services", "list").output
    assert "Massage 60: $100.00, Massage, 60 min\n" in listed
    assert "Oil (product): $18.50\n" in listed
    assert "Consultation: priced at checkout\n" in listed


def test_bad_fields_are_reported_and_exit_2(run: Run) -> None:
    bad = run("services", "add", "Facial", "--price", "cheap", "--minutes", "0")
    assert bad.exit_code == 2
    assert "price:" in bad.output and "duration_minutes:" in bad.output
    assert run("services", "add", "Facial").exit_code == 0
    assert run("services", "add", "facial").exit_code == 2  # the name is taken
    assert run("services", "list").output.count("Facial") == 1
