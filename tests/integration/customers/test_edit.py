"""Correcting a customer (core/customers/flows.py edit_customer) on a real database: what changed,
checked as adding is (every field's error at once, nothing written), who may, and search following
the new name."""

from __future__ import annotations

from typing import Any

import pytest

from core.catalog import locations as catalog
from core.customers import flows
from core.customers.flows import Change, CustomerChanges
from core.customers.lookup import Lookup, NoCustomer, SeveralCustomers
from core.customers.service import CustomerInput, CustomerView, add_customer, get_customer, search_customers
from core.kernel.errors import Conflict, InvalidInput, PermissionDenied
from tests.conftest import MANAGER, NOBODY, SPECIALIST, STAFF, Shop
from tests.integration.threads import race


def cafe(shop: Shop) -> CustomerView:
    with shop.tx() as ctx:
        catalog.add_location(ctx, "Downtown")
        catalog.add_location(ctx, "North")
    with shop.tx(STAFF) as ctx:
        return add_customer(
            ctx,
            CustomerInput(
                company="Cafe Muler", contact="Anna", email="anna@cafe.example", location="Downtown"
            ),
        )


def test_only_the_fields_given_change_and_the_changes_come_back_in_the_forms_order(shop: Shop) -> None:
    added = cafe(shop)
    with shop.tx(STAFF) as ctx:
        edited = flows.edit_customer(
            ctx,
            "cafe muler",
            CustomerChanges(
                company=" Café  Müller ", email="ANNA@cafe.example", phone="+1 555 0100", location="north"
            ),
        )
    assert edited.changes == (
        Change("company", "Cafe Muler", "Café Müller"),
        Change("email", "anna@cafe.example", "ANNA@cafe.example"),
        Change("phone", "", "+1 555 0100"),
        Change("location", "Downtown", "North"),
    )
    assert edited.before == added
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, added.id) == edited.customer
    assert (edited.customer.contact, edited.customer.location) == ("Anna", "North")


def test_empty_values_clear_and_the_same_values_change_nothing(shop: Shop) -> None:
    added = cafe(shop)
    with shop.tx(MANAGER) as ctx:
        cleared = flows.edit_customer(ctx, added.id, CustomerChanges(email="", location=""))
    assert cleared.changes == (
        Change("email", "anna@cafe.example", ""),
        Change("location", "Downtown", ""),
    )
    with shop.tx(STAFF) as ctx:
        same = flows.edit_customer(ctx, f"#{added.id}", CustomerChanges(company="Cafe Muler", contact="Anna"))
    assert same.changes == () and same.customer == cleared.customer


def test_search_finds_the_new_name_and_not_the_old_one(shop: Shop) -> None:
    added = cafe(shop)
    with shop.tx(STAFF) as ctx:
        flows.edit_customer(ctx, "Cafe Muler", CustomerChanges(company="Café Müller"))
    with shop.tx(STAFF, write=False) as ctx:
        assert [c.id for c in search_customers(ctx, "cafe muller")] == [added.id]
        assert search_customers(ctx, "muler") == []


def test_every_field_error_at_once_and_nothing_written(shop: Shop) -> None:
    added = cafe(shop)
    wrong = CustomerChanges(company="", contact="", email="nope", phone="call me", location="Uptown")
    with pytest.raises(InvalidInput) as raised, shop.tx(STAFF) as ctx:
        flows.edit_customer(ctx, added.id, wrong)
    assert [e.field for e in raised.value.errors] == ["company", "email", "phone", "location"]
    assert "Give a company name or a contact person." in raised.value.message
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, added.id) == added


def test_another_customers_email_is_refused(shop: Shop) -> None:
    added = cafe(shop)
    with shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin", email="joao@bluefin.example"))
    with pytest.raises(Conflict, match="Blue Fin already has the email") as raised, shop.tx(STAFF) as ctx:
        flows.edit_customer(ctx, added.id, CustomerChanges(email="Joao@Bluefin.example"))
    assert raised.value.field == "email"
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, added.id).email == "anna@cafe.example"


def test_the_customer_is_found_by_the_one_lookup(shop: Shop) -> None:
    cafe(shop)
    with shop.tx(STAFF) as ctx:
        add_customer(ctx, CustomerInput(company="Cafe Muler Annex"))
        add_customer(ctx, CustomerInput(company="Cafe Rosa"))
    with pytest.raises(SeveralCustomers) as several, shop.tx(STAFF) as ctx:
        flows.edit_customer(ctx, "cafe", CustomerChanges(phone="555 0100"))
    assert {c.name for c in several.value.choices} == {"Cafe Muler", "Cafe Muler Annex", "Cafe Rosa"}
    with pytest.raises(NoCustomer), shop.tx(STAFF) as ctx:
        flows.edit_customer(ctx, "zed", CustomerChanges(phone="555 0100"))
    with shop.tx(STAFF, write=False) as ctx:  # the whole name typed is the customer meant
        form = flows.customer_to_edit(ctx, "cafe muler")
        assert isinstance(form, flows.CustomerToEdit)
        assert (form.customer.name, form.locations) == ("Cafe Muler", ["Downtown", "North"])
        choices = flows.customer_to_edit(ctx, "cafe")
        assert isinstance(choices, Lookup) and len(choices.matches) == 3
        none = flows.customer_to_edit(ctx, "zed")
        assert isinstance(none, Lookup) and none.matches == ()


def test_whoever_may_add_a_customer_may_edit_one(shop: Shop) -> None:
    added = cafe(shop)
    for who in (SPECIALIST, NOBODY):
        with pytest.raises(PermissionDenied, match="add or edit customers"), shop.tx(who) as ctx:
            flows.edit_customer(ctx, added.id, CustomerChanges(company="Hijacked"))
        with pytest.raises(PermissionDenied, match="add or edit customers"), shop.tx(who) as ctx:
            flows.customer_to_edit(ctx, "cafe")
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, added.id) == added


def test_a_search_says_whether_the_asker_may_edit_what_it_found(shop: Shop) -> None:
    added = cafe(shop)
    with shop.tx(STAFF, write=False) as ctx:
        found = flows.customers_found(ctx, "cafe", 10)
    assert ([c.id for c in found.customers], found.editable) == ([added.id], True)
    with shop.tx(SPECIALIST, write=False) as ctx:
        assert flows.customers_found(ctx, "cafe", 10).editable is False


def test_concurrent_corrections_of_different_fields_are_all_kept(shop: Shop) -> None:
    added = cafe(shop)
    fields = ("contact", "phone", "notes", "company")
    values = ("Anna Müller", "+1 555 0100", "Back door.", "Café Müller")

    def edit(i: int) -> None:
        with shop.tx(STAFF) as ctx:
            one: dict[str, Any] = {fields[i]: values[i]}  # a text field: the flag is another test's
            flows.edit_customer(ctx, added.id, CustomerChanges(**one))

    done, failed = race(edit, len(fields))
    assert (len(done), failed) == (len(fields), [])
    with shop.tx(STAFF, write=False) as ctx:
        saved = get_customer(ctx, added.id)
    assert tuple(getattr(saved, name) for name in fields) == values
