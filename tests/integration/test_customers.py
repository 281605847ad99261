"""Customers on a real database: validation, permissions, isolation, search and CSV import."""

from __future__ import annotations

import pytest
from sqlalchemy import func

from core import catalog
from core.context import transaction
from core.customers import (
    CustomerInput,
    add_customer,
    get_customer,
    import_csv,
    search_customers,
    update_customer,
)
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.tenants import ensure_tenant
from storage.models import Customer
from tests.conftest import ADMIN, NOBODY, SPECIALIST, STAFF, Shop, new_team


def count(shop: Shop) -> int:
    with shop.tx(write=False) as ctx:
        return int(ctx.uow.scalar(ctx.uow.select(Customer).with_only_columns(func.count())))


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
            ),
        )
    assert (added.company, added.location, added.label) == (
        "Café Müller",
        "Downtown",
        "Café Müller (Anna Müller)",
    )
    with shop.tx(STAFF) as ctx:
        update_customer(ctx, added.id, CustomerInput(company="Café Müller GmbH", email="anna@cafe.example"))
    with shop.tx(SPECIALIST, write=False) as ctx:
        got = get_customer(ctx, added.id)
    assert (got.company, got.contact, got.location) == ("Café Müller GmbH", "", "")


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (CustomerInput(), {"company"}),
        (CustomerInput(company="A", email="not-an-email", phone="call me"), {"email", "phone"}),
        (CustomerInput(company="x" * 201, notes="n" * 3001), {"company", "notes"}),
        (CustomerInput(contact="Bo", location="Atlantis"), {"location"}),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(
    shop: Shop, data: CustomerInput, fields: set[str]
) -> None:
    before = count(shop)
    with pytest.raises(InvalidInput) as raised, shop.tx(STAFF) as ctx:
        add_customer(ctx, data)
    assert {e.field for e in raised.value.errors} == fields
    assert count(shop) == before


def test_an_email_belongs_to_one_customer(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company="First", email="Same@Example.com"))
    with pytest.raises(Conflict, match="First already has") as raised, shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company="Second", email="same@example.com"))
    assert raised.value.field == "email"


def test_permissions(shop: Shop) -> None:
    for who in (SPECIALIST, NOBODY):
        with pytest.raises(PermissionDenied), shop.tx(who) as ctx:
            add_customer(ctx, CustomerInput(company="Nope"))
    with pytest.raises(PermissionDenied), shop.tx(NOBODY, write=False) as ctx:
        search_customers(ctx, "anything")
    assert count(shop) == 0


def test_search_ranks_and_stays_in_its_workspace(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        for company, contact in [
            ("Café Müller", "Anna"),
            ("Muller Plumbing", ""),
            ("", "Mull"),
            ("50% Off", ""),
        ]:
            add_customer(ctx, CustomerInput(company=company, contact=contact))
    other = new_team()
    ensure_tenant(shop.db, shop.clock, other, admins=[ADMIN])
    with transaction(shop.db, other, ADMIN, shop.clock) as ctx:
        foreign = add_customer(ctx, CustomerInput(company="Mull Foreign"))
    with shop.tx(STAFF, write=False) as ctx:
        assert [c.name for c in search_customers(ctx, "MULL")] == ["Mull", "Muller Plumbing", "Café Müller"]
        assert [c.name for c in search_customers(ctx, "cafe mü")] == ["Café Müller"]
        assert [c.name for c in search_customers(ctx, "50%")] == ["50% Off"]
        assert [c.name for c in search_customers(ctx, "_")] == []
        assert len(search_customers(ctx, "", limit=2)) == 2
        with pytest.raises(NotFound):
            get_customer(ctx, foreign.id)
        with pytest.raises(InvalidInput):
            search_customers(ctx, "x", limit=0)


CSV = """company,Contact,email,phone,location,notes
Café Müller,Anna Müller,anna@cafe.example,+1 555 0100,Downtown,
Northwind,,not-an-email,,,
,,,,,
Blue Fin Spa,Joao,joao@bluefin.example,,Atlantis,
"Quoted, Inc.",Quinn,quinn@quoted.example,,,"two
lines"
Cafe Muller dup,Someone,ANNA@cafe.example,,,
Plain Co,Pat,,,,
Plain Co,Pat,,,,
"""


def test_csv_import_reports_bad_rows_by_line_and_never_duplicates(shop: Shop) -> None:
    with shop.tx() as ctx:
        catalog.add_location(ctx, "Downtown")
    with shop.tx(STAFF) as ctx:
        first = import_csv(ctx, "\ufeff" + CSV)
    assert (first.created, first.existing) == (3, 2)  # same email; the same Plain Co twice
    assert [(e.line, e.reason) for e in first.errors] == [
        (3, "email: 'not-an-email' is not an email address."),
        (5, "location: There is no location named 'Atlantis'."),
    ]
    with shop.tx(STAFF) as ctx:
        again = import_csv(ctx, CSV)
    assert (again.created, again.existing, len(again.errors)) == (0, 5, 2)
    assert count(shop) == 3
    with shop.tx(STAFF, write=False) as ctx:
        quoted = search_customers(ctx, "quoted")[0]
    assert quoted.notes == "two\nlines"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("company,colour\nA,red\n", "colour"),
        ("email,phone\na@b.co,123456\n", "company"),
        ("", "file"),
        ("company,company\nA,B\n", "company"),
    ],
)
def test_a_bad_header_stops_the_import_before_anything_is_written(shop: Shop, text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised, shop.tx(STAFF) as ctx:
        import_csv(ctx, text)
    assert field in {e.field for e in raised.value.errors}
    assert count(shop) == 0


def test_rows_with_too_many_values_are_reported(shop: Shop) -> None:
    with shop.tx(STAFF) as ctx:
        report = import_csv(ctx, "company,contact\nA,B,C\nGood,Row\n")
    assert report.created == 1 and [e.line for e in report.errors] == [2]
