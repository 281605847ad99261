"""Customers on a real database: validation, permissions, isolation, search and CSV import."""

from __future__ import annotations

import pytest
from sqlalchemy import func

from core.catalog import locations as catalog
from core.context import transaction
from core.customers.service import (
    MAX_ROWS,
    CustomerInput,
    CustomerView,
    add_customer,
    get_customer,
    import_csv,
    search_customers,
    update_customer,
)
from core.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.workspace.flows import ensure_tenant
from storage.tables.customers import Customer
from tests.conftest import ADMIN, MANAGER, NOBODY, SPECIALIST, STAFF, Shop, new_team


def count(shop: Shop) -> int:
    with shop.tx(write=False) as ctx:
        return int(ctx.uow.scalar(ctx.uow.select(Customer).with_only_columns(func.count())))


def everyone(shop: Shop) -> list[CustomerView]:
    with shop.tx(write=False) as ctx:
        return search_customers(ctx, "", limit=100)


def imported(shop: Shop, text: str) -> tuple[int, list[tuple[int, str]]]:
    """A CSV imported by staff: how many customers it created, and its bad rows by line."""
    with shop.tx(STAFF) as ctx:
        report = import_csv(ctx, text)
    return report.created, [(e.line, e.reason) for e in report.errors]


def other_workspace(shop: Shop) -> str:
    team = new_team()
    ensure_tenant(shop.db, shop.clock, team, admins=[ADMIN])
    return team


def test_add_get_and_update(shop: Shop) -> None:
    with shop.tx() as ctx:
        catalog.add_location(ctx, "Downtown")
    with shop.tx(STAFF) as ctx:
        added = add_customer(
            ctx,
            CustomerInput(
                company=" Café  Müller ",
                contact="Anna Müller",
                email="anna@cafe.example",
                phone="+1 (555) 010-0200",
                location="downtown",
                notes="Back door.\nRing twice.",
            ),
        )
    assert added == CustomerView(
        added.id,
        "Café Müller",
        "Anna Müller",
        "anna@cafe.example",
        "+1 (555) 010-0200",
        "Downtown",
        "Back door.\nRing twice.",
    )
    assert (added.name, added.label) == ("Café Müller", "Café Müller (Anna Müller)")
    with shop.tx(SPECIALIST, write=False) as ctx:
        assert get_customer(ctx, added.id) == added
    with shop.tx(MANAGER) as ctx:
        updated = update_customer(
            ctx, added.id, CustomerInput(company="Café Müller GmbH", email="ANNA@cafe.example")
        )
    # an update replaces the whole form: what is left empty is cleared
    with shop.tx(SPECIALIST, write=False) as ctx:
        got = get_customer(ctx, added.id)
    assert got == updated
    assert (got.company, got.contact, got.email, got.phone, got.location, got.notes) == (
        "Café Müller GmbH",
        "",
        "ANNA@cafe.example",
        "",
        "",
        "",
    )
    assert (got.name, got.label) == ("Café Müller GmbH", "Café Müller GmbH")
    assert count(shop) == 1
    with shop.tx(STAFF, write=False) as ctx:
        assert [c.id for c in search_customers(ctx, "gmbh")] == [added.id]
        assert search_customers(ctx, "anna") == []  # the old contact is no longer searchable


def test_a_contact_alone_is_a_customer(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        added = add_customer(ctx, CustomerInput(contact="Jörg Weiß"))
    assert (added.name, added.label) == ("Jörg Weiß", "Jörg Weiß")
    with shop.tx(STAFF, write=False) as ctx:
        assert [c.id for c in search_customers(ctx, "jorg weiss")] == [added.id]


def test_line_breaks_in_single_line_fields_become_spaces_and_windows_line_breaks_are_kept(
    shop: Shop,
) -> None:
    with shop.tx(STAFF) as ctx:
        added = add_customer(ctx, CustomerInput(company="North\nwind\tTraders", notes="one\r\ntwo\rthree"))
    assert (added.company, added.notes) == ("North wind Traders", "one\ntwo\nthree")


def test_folding_that_lengthens_names_still_fits_the_search_column(shop: Shop) -> None:
    # "ß" folds to "ss": 400 characters of names become 801 of search text (the column holds 410)
    with shop.tx(STAFF) as ctx:
        added = add_customer(ctx, CustomerInput(company="ß" * 200, contact="ß" * 200))
    with shop.tx(STAFF, write=False) as ctx:
        assert [c.id for c in search_customers(ctx, "SS")] == [added.id]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (CustomerInput(), {"company": 1}),
        (CustomerInput(company="  ", contact="\n"), {"company": 1}),
        (CustomerInput(company="A", email="not-an-email", phone="call me"), {"email": 1, "phone": 1}),
        (CustomerInput(company="A", email="a b@example.com"), {"email": 1}),
        (CustomerInput(company="A", email="a@b@example.com"), {"email": 1}),
        (CustomerInput(company="A", email="a@localhost"), {"email": 1}),
        (CustomerInput(company="A", email="a@example..com"), {"email": 1}),
        (CustomerInput(company="A", phone="12 3"), {"phone": 1}),  # too short
        (CustomerInput(company="A", phone="((((-))))"), {"phone": 1}),  # no digits
        (CustomerInput(company="A", phone="555-0100 ext 2"), {"phone": 1}),
        # too long and malformed: one message per field, not two
        (CustomerInput(company="A", email="x" * 300, phone="1" * 41), {"email": 1, "phone": 1}),
        (CustomerInput(company="x" * 201, notes="n" * 3001), {"company": 1, "notes": 1}),
        (CustomerInput(contact="c" * 201), {"contact": 1}),
        (CustomerInput(company="Bell\x07Co"), {"company": 1}),
        (CustomerInput(contact="Bo", location="Atlantis"), {"location": 1}),
        # every bad field at once
        (
            CustomerInput(email="@", phone="x", location="Nowhere", notes="n" * 3001),
            {"company": 1, "email": 1, "phone": 1, "location": 1, "notes": 1},
        ),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(
    shop: Shop, data: CustomerInput, errors: dict[str, int]
) -> None:
    with shop.tx(STAFF) as ctx:
        existing = add_customer(ctx, CustomerInput(company="Existing Co"))
    before = count(shop)
    with pytest.raises(InvalidInput) as raised, shop.tx(STAFF) as ctx:
        add_customer(ctx, data)
    fields = [e.field for e in raised.value.errors]
    assert {f: fields.count(f) for f in fields} == errors
    with pytest.raises(InvalidInput), shop.tx(STAFF) as ctx:
        update_customer(ctx, existing.id, data)
    assert count(shop) == before
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, existing.id) == existing


def test_good_but_unusual_input_is_accepted(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        added = add_customer(
            ctx,
            CustomerInput(
                company="x" * 200,
                contact="c" * 200,
                email="first.last+tag@mail.example.co.uk",
                phone="+44 (0)20 7946.0958",
                location="   ",  # blank: no location
                notes="n" * 3000,
            ),
        )
    assert (added.email, added.location) == ("first.last+tag@mail.example.co.uk", "")


def test_an_email_belongs_to_one_customer(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        first = add_customer(ctx, CustomerInput(company="First", contact="Fay", email="Same@Example.com"))
        second = add_customer(ctx, CustomerInput(company="Second", email="second@example.com"))
    with (
        pytest.raises(Conflict, match=r"First \(Fay\) already has the email") as raised,
        shop.tx(STAFF) as ctx,
    ):
        add_customer(ctx, CustomerInput(company="Third", email="same@EXAMPLE.com"))
    assert raised.value.field == "email"
    assert count(shop) == 2
    with pytest.raises(Conflict) as raised, shop.tx(STAFF) as ctx:
        update_customer(ctx, second.id, CustomerInput(company="Second", email=" SAME@example.com "))
    assert raised.value.field == "email"
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, second.id).email == "second@example.com"
    # keeping one's own email (in another case) is no conflict
    with shop.tx(STAFF) as ctx:
        assert update_customer(
            ctx, first.id, CustomerInput(company="First", email="same@example.com")
        ).email == ("same@example.com")


def test_the_same_email_in_another_workspace_is_no_conflict(shop: Shop) -> None:
    team = other_workspace(shop)
    with transaction(shop.db, team, ADMIN, shop.clock) as ctx:
        add_customer(ctx, CustomerInput(company="Elsewhere", email="shared@example.com"))
    with shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company="Here", email="shared@example.com"))
    assert count(shop) == 1


def test_permissions(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        existing = add_customer(ctx, CustomerInput(company="Existing Co"))
    for who in (SPECIALIST, NOBODY):
        with pytest.raises(PermissionDenied), shop.tx(who) as ctx:
            add_customer(ctx, CustomerInput(company="Nope"))
        with pytest.raises(PermissionDenied), shop.tx(who) as ctx:
            update_customer(ctx, existing.id, CustomerInput(company="Renamed"))
        with pytest.raises(PermissionDenied), shop.tx(who) as ctx:
            import_csv(ctx, "company\nNope\n")
    with pytest.raises(PermissionDenied), shop.tx(NOBODY, write=False) as ctx:
        search_customers(ctx, "anything")
    with pytest.raises(PermissionDenied), shop.tx(NOBODY, write=False) as ctx:
        get_customer(ctx, existing.id)
    with shop.tx(SPECIALIST, write=False) as ctx:  # every role may read
        assert [c.name for c in search_customers(ctx, "existing")] == ["Existing Co"]
    assert [c.name for c in everyone(shop)] == ["Existing Co"]


def test_another_workspaces_customer_cannot_be_read_found_or_changed(shop: Shop) -> None:
    team = other_workspace(shop)
    with transaction(shop.db, team, ADMIN, shop.clock) as ctx:
        foreign = add_customer(ctx, CustomerInput(company="Mull Foreign", email="f@foreign.example"))
    with shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company="Mull Local"))
    with shop.tx(STAFF, write=False) as ctx:
        with pytest.raises(NotFound) as raised:
            get_customer(ctx, foreign.id)
        assert raised.value.field == "customer"
        with pytest.raises(NotFound):
            get_customer(ctx, 987654321)
        assert [c.name for c in search_customers(ctx, "mull")] == ["Mull Local"]
        assert [c.name for c in search_customers(ctx, "foreign")] == []
        assert [c.name for c in search_customers(ctx, "")] == ["Mull Local"]
    with pytest.raises(NotFound), shop.tx(STAFF) as ctx:
        update_customer(ctx, foreign.id, CustomerInput(company="Hijacked"))
    with transaction(shop.db, team, ADMIN, shop.clock, write=False) as ctx:
        assert get_customer(ctx, foreign.id) == foreign


def test_search_ranks_matches_and_treats_like_wildcards_as_text(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        for company, contact in [
            ("Café Müller", "Anna"),
            ("Muller Plumbing", ""),
            ("", "Mull"),
            ("50% Off", ""),
            ("Fifty Off", ""),
            ("A_B Partners", ""),
            ("AXB Partners", ""),
        ]:
            add_customer(ctx, CustomerInput(company=company, contact=contact))
    with shop.tx(STAFF, write=False) as ctx:
        assert [c.name for c in search_customers(ctx, "MULL")] == ["Mull", "Muller Plumbing", "Café Müller"]
        assert [c.name for c in search_customers(ctx, "cafe mü")] == ["Café Müller"]
        assert [c.name for c in search_customers(ctx, "müller anna")] == ["Café Müller"]
        assert [c.name for c in search_customers(ctx, "mull zzz")] == []
        assert [c.name for c in search_customers(ctx, "50%")] == ["50% Off"]
        assert [c.name for c in search_customers(ctx, "a_b")] == ["A_B Partners"]
        assert [c.name for c in search_customers(ctx, "_")] == ["A_B Partners"]
        assert [c.name for c in search_customers(ctx, "%")] == ["50% Off"]
        assert [c.name for c in search_customers(ctx, "mull", limit=2)] == ["Mull", "Muller Plumbing"]
        # no words: alphabetical
        assert [c.name for c in search_customers(ctx, "  ", limit=3)] == [
            "50% Off",
            "A_B Partners",
            "AXB Partners",
        ]
        for limit in (0, 101):
            with pytest.raises(InvalidInput) as raised:
                search_customers(ctx, "x", limit=limit)
            assert raised.value.field == "limit"


def test_an_exact_match_is_found_among_more_matches_than_are_ranked(shop: Shop) -> None:
    rows = "\n".join(f"Acme Branch {i:04} of the Greater Metropolitan Area,," for i in range(700))
    with shop.tx(STAFF) as ctx:
        assert import_csv(ctx, f"company,contact,email\n{rows}\n").created == 700
        add_customer(ctx, CustomerInput(contact="Lee Acme"))
        add_customer(ctx, CustomerInput(company="Acme"))
    with shop.tx(STAFF, write=False) as ctx:
        found = search_customers(ctx, "acme", limit=3)
    assert [c.name for c in found] == [
        "Acme",
        "Acme Branch 0000 of the Greater Metropolitan Area",
        "Acme Branch 0001 of the Greater Metropolitan Area",
    ]


# --- CSV import ----------------------------------------------------------------------------------

CSV = """company,Contact,email,phone,location,notes
Café Müller,Anna Müller,anna@cafe.example,+1 555 0100,downtown,
Northwind,,not-an-email,,,
,,,,,
Blue Fin Spa,Joao,joao@bluefin.example,,Atlantis,
"Quoted, Inc.",Quinn,quinn@quoted.example,,,"two
lines"
Cafe Muller dup,Someone,ANNA@cafe.example,,,

Plain Co,Pat,,,,
Bad Phone,,,phone me,,
PLAIN CO,pát,,,,
,,x@,12,,
"""


def test_csv_import_reports_bad_rows_by_line_and_never_duplicates(shop: Shop) -> None:
    with shop.tx() as ctx:
        catalog.add_location(ctx, "Downtown")
    with shop.tx(STAFF) as ctx:
        first = import_csv(ctx, "\ufeff" + CSV)
    # line 8 has Café Müller's email; line 12 is line 10's Plain Co again
    assert (first.created, first.existing) == (3, 2)
    assert [(e.line, e.reason) for e in first.errors] == [
        (3, "email: 'not-an-email' is not an email address."),
        (5, "location: There is no location named 'Atlantis'."),
        (11, "phone: 'phone me' is not a phone number (digits, spaces and + ( ) - . only)."),
        (
            13,
            "company: Give a company name or a contact person.; email: 'x@' is not an email address.; "
            "phone: '12' is not a phone number (digits, spaces and + ( ) - . only).",
        ),
    ]
    assert count(shop) == 3
    with shop.tx(STAFF, write=False) as ctx:
        cafe = search_customers(ctx, "cafe muller")
        quoted = search_customers(ctx, "quoted")
    assert [(c.label, c.phone, c.location) for c in cafe] == [
        ("Café Müller (Anna Müller)", "+1 555 0100", "Downtown")
    ]
    assert [(c.company, c.notes) for c in quoted] == [("Quoted, Inc.", "two\nlines")]

    with shop.tx(STAFF) as ctx:
        again = import_csv(ctx, CSV)
    assert (again.created, again.existing) == (0, 5)
    assert again.errors == first.errors
    assert count(shop) == 3


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_csv_with_windows_or_old_mac_line_breaks_counts_lines_the_same(shop: Shop, newline: str) -> None:
    text = 'company,notes\n"Quoted","one\ntwo\nthree"\nBad\x01Co,\nGood Co,\n'.replace("\n", newline)
    assert imported(shop, text) == (2, [(5, "company: The company name contains control characters.")])
    with shop.tx(STAFF, write=False) as ctx:
        assert search_customers(ctx, "quoted")[0].notes == "one\ntwo\nthree"


def test_csv_rows_match_existing_customers_by_email_else_by_name(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company="Acme", contact="Ann", email="ann@acme.example"))
        add_customer(ctx, CustomerInput(company="Bolt", contact="Bo"))
    text = (
        "company,contact,email\n"
        "Acme Renamed,Someone,ANN@ACME.EXAMPLE\n"  # the same email: Acme, whatever the names say
        "ACME,ann,\n"  # no email: Acme by its names, though Acme has an email
        "Colt,Cy,cy@colt.example\n"  # an email nobody has: a new customer
        "Cölt,CY,\n"  # no email, the names of the customer the line above created
        "Bolt,Bo,bo@bolt.example\n"  # with an email, only the email decides: a new customer
        "Bolt,,\n"  # other names: a new customer
    )
    with shop.tx(STAFF) as ctx:
        report = import_csv(ctx, text)
    assert (report.created, report.existing, report.errors) == (3, 3, [])
    assert count(shop) == 5
    with shop.tx(STAFF) as ctx:
        assert (import_csv(ctx, text).created, count(shop)) == (0, 5)


def test_csv_header_names_are_forgiving(shop: Shop) -> None:
    with shop.tx() as ctx:
        catalog.add_location(ctx, "North Side")
    text = (
        "\n"  # blank lines before the header are skipped, but still counted
        " COMPANY , Con_tact,E mail,Location,,\n"
        "Acme,Ann,ann@acme.example,north side,,\n"
        "Bolt,,,,,surprise\n"
        "Colt,,,,\n"
    )
    assert imported(shop, text) == (2, [(4, "A value in column 6, which has no title in the header.")])
    with shop.tx(STAFF, write=False) as ctx:
        assert [(c.label, c.email, c.location) for c in search_customers(ctx, "acme")] == [
            ("Acme (Ann)", "ann@acme.example", "North Side")
        ]


def test_rows_with_too_many_values_are_reported(shop: Shop) -> None:
    assert imported(shop, "company,contact\nA,B,C\nGood,Row\nTrailing,Comma,\n") == (
        2,
        [(2, "3 values, but the header names 2 columns.")],
    )


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("company,colour\nA,red\n", "colour"),
        ("email,phone\na@b.co,123456\n", "company"),
        ("", "file"),
        ("\n \n,,\n", "file"),
        ("company,company\nA,B\n", "company"),
        # broken quoting: a quote never closed, text after a closing quote
        ('company,notes\nGood,\n"Open,never closed\nMore,\n', "file"),
        ('company,notes\nGood,\n"Shut" here,\n', "file"),
    ],
)
def test_a_bad_file_stops_the_import_before_anything_is_written(shop: Shop, text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised, shop.tx(STAFF) as ctx:
        import_csv(ctx, text)
    assert field in {e.field for e in raised.value.errors}
    assert count(shop) == 0


def test_broken_quoting_names_its_line(shop: Shop) -> None:
    with pytest.raises(InvalidInput, match="Line 4: This is not valid CSV"), shop.tx(STAFF) as ctx:
        import_csv(ctx, 'company,notes\nGood,"two\nlines"\n"Open,never closed\nMore,\n')
    assert count(shop) == 0


def test_too_big_or_too_long_files_are_refused_whole(shop: Shop) -> None:
    long_file = "company\n" + "".join(f"Customer {i}\n" for i in range(MAX_ROWS + 1))
    big_file = "company,notes\nA," + "x" * (5 * 1024 * 1024) + "\n"
    for text in (long_file, big_file):
        with pytest.raises(InvalidInput) as raised, shop.tx(STAFF) as ctx:
            import_csv(ctx, text)
        assert raised.value.field == "file"
    assert count(shop) == 0
    # exactly the limit is fine (blank lines are not rows)
    with shop.tx(STAFF) as ctx:
        assert import_csv(ctx, long_file.replace("Customer 0\n", "\n")).created == MAX_ROWS
