"""`memberbot customers edit`: the real entry point, in-process against a SQLite file of the test's
own, on the demo's customers (#1 Café Müller, Anna Müller; #2 Northwind Traders; #3 Blue Fin Spa;
the location Downtown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli.conftest import Run


@pytest.fixture
def demo(run: Run) -> Run:
    assert run("demo").exit_code == 0
    return run


def test_only_the_fields_given_change_and_what_changed_is_printed(demo: Run) -> None:
    done = demo("customers", "edit", "cafe muller", "--company", "Café Müller GmbH", "--phone", "+1 555 0100")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "company: Café Müller -> Café Müller GmbH",
        "phone: (empty) -> +1 555 0100",
        "Saved #1 Café Müller GmbH (Anna Müller).",
    ]
    assert "#1     Café Müller GmbH (Anna Müller)" in demo("customers", "search", "gmbh").output
    cleared = demo("customers", "edit", "1", "--location", "", "--phone", "+1 555 0100")
    assert cleared.output.splitlines() == [
        "location: Downtown -> (empty)",
        "Saved #1 Café Müller GmbH (Anna Müller).",
    ]
    same = demo("customers", "edit", "#1", "--contact", "Anna müller")
    assert same.exit_code == 0 and "contact: Anna Müller -> Anna müller" in same.output


def test_bad_values_are_all_reported_exit_2_and_nothing_is_written(demo: Run) -> None:
    bad = demo(
        "customers", "edit", "blue fin", "--email", "nope", "--phone", "call me", "--location", "Uptown"
    )
    assert bad.exit_code == 2
    assert "email: 'nope' is not an email address." in bad.output
    assert "phone: 'call me' is not a phone number" in bad.output
    assert "location: There is no location named 'Uptown'." in bad.output
    taken = demo("customers", "edit", "blue fin", "--email", "nancy@northwind.example")
    assert taken.exit_code == 2
    assert "Northwind Traders (Nancy Davolio) already has the email nancy@northwind.example." in taken.output
    unchanged = demo("customers", "edit", "blue fin", "--company", "Blue Fin Spa")
    assert unchanged.output.strip() == "Nothing changed for #3 Blue Fin Spa (Joao Pereira)."


def test_the_customer_must_be_found_and_something_given(demo: Run, tmp_path: Path) -> None:
    missing = demo("customers", "edit", "zed", "--phone", "555 0100")
    assert missing.exit_code == 2 and "No customer matches “zed”." in missing.output
    (tmp_path / "more.csv").write_text("company,contact\nMüller Bakery,Max Roth\n")
    assert demo("customers", "import", str(tmp_path / "more.csv")).exit_code == 0
    several = demo("customers", "edit", "muller", "--phone", "555 0100")
    assert several.exit_code == 2 and "Several customers match “muller”; give one's number:" in several.output
    nothing = demo("customers", "edit", "1")
    assert nothing.exit_code == 2
    assert "Nothing to change: give one or more of --company, --contact, --email" in nothing.output


def test_a_member_is_unsubscribed_from_email_and_subscribed_again(demo: Run) -> None:
    off = demo("customers", "edit", "1", "--unsubscribed")
    assert off.exit_code == 0, off.output
    assert off.output.splitlines() == ["unsubscribed: (empty) -> yes", "Saved #1 Café Müller (Anna Müller)."]
    again = demo("customers", "edit", "1", "--unsubscribed")
    assert again.output.splitlines() == ["Nothing changed for #1 Café Müller (Anna Müller)."]
    on = demo("customers", "edit", "1", "--subscribed")
    assert on.output.splitlines()[0] == "unsubscribed: yes -> (empty)"
