"""The one customer lookup on a real database: by number, by whole name, the only match, several
matches to choose from, none; and another workspace's customers are never found."""

from __future__ import annotations

import pytest

from core.context import transaction
from core.customers.lookup import NoCustomer, SeveralCustomers, find_customer, named_in, the_customer
from core.customers.service import CustomerInput, add_customer
from core.kernel.errors import NotFound, PermissionDenied
from core.workspace.flows import ensure_tenant
from tests.conftest import ADMIN, NOBODY, STAFF, Shop, new_team


@pytest.fixture
def ids(shop: Shop) -> dict[str, int]:
    with shop.tx(STAFF) as ctx:
        return {
            name: add_customer(ctx, CustomerInput(company=company, contact=contact)).id
            for name, company, contact in [
                ("cafe", "Café Müller", "Anna Müller"),
                ("plumbing", "Muller Plumbing", ""),
                ("mull", "", "Mull"),
                ("north", "Northwind Traders", ""),
            ]
        }


def test_a_number_is_that_customer(shop: Shop, ids: dict[str, int]) -> None:
    with shop.tx(STAFF, write=False) as ctx:
        assert the_customer(ctx, f"#{ids['plumbing']}").name == "Muller Plumbing"
        assert find_customer(ctx, "#987654321").matches == ()
        with pytest.raises(NoCustomer):
            the_customer(ctx, "#987654321")


def test_a_whole_name_ignoring_case_and_accents_is_that_customer(shop: Shop, ids: dict[str, int]) -> None:
    with shop.tx(STAFF, write=False) as ctx:
        assert the_customer(ctx, "MULL").id == ids["mull"]  # although three names contain it
        assert the_customer(ctx, "cafe muller").id == ids["cafe"]
        assert the_customer(ctx, "anna müller").id == ids["cafe"]
        assert the_customer(ctx, "Café Müller (Anna Müller)").id == ids["cafe"]
        assert the_customer(ctx, "north").id == ids["north"]  # the only match


def test_several_matches_are_offered_best_first(shop: Shop, ids: dict[str, int]) -> None:
    with shop.tx(STAFF, write=False) as ctx:
        found = find_customer(ctx, "mul")
        assert found.customer is None
        assert [c.id for c in found.matches] == [ids["mull"], ids["plumbing"], ids["cafe"]]
        with pytest.raises(SeveralCustomers) as raised:
            found.one()
    assert raised.value.message == (
        "Several customers match “mul”; which one?\n• Mull\n• Muller Plumbing\n• Café Müller (Anna Müller)"
    )
    assert isinstance(raised.value, NotFound) and raised.value.field == "customer"


def test_no_match_is_said_clearly(shop: Shop, ids: dict[str, int]) -> None:
    with shop.tx(STAFF, write=False) as ctx:
        assert find_customer(ctx, "zed").matches == ()
        assert find_customer(ctx, "   ").matches == ()
        with pytest.raises(NoCustomer) as raised:
            the_customer(ctx, "zed")
    assert raised.value.message == "No customer matches “zed”. Try part of the company or contact name."


def test_another_workspaces_customer_is_not_found(shop: Shop, ids: dict[str, int]) -> None:
    elsewhere = Shop(shop.db, shop.clock, new_team())
    ensure_tenant(shop.db, shop.clock, elsewhere.team, admins=[ADMIN])
    with elsewhere.tx(ADMIN, write=False) as ctx:
        assert find_customer(ctx, "north").matches == ()
        assert find_customer(ctx, f"#{ids['north']}").matches == ()


def test_looking_up_needs_a_role(shop: Shop, ids: dict[str, int]) -> None:
    with shop.tx(NOBODY, write=False) as ctx, pytest.raises(PermissionDenied):
        find_customer(ctx, "north")


# --- the customers a message names (a message shortcut's) -----------------------------------------


def test_a_message_names_a_customer_by_whole_words_of_its_name(shop: Shop, ids: dict[str, int]) -> None:
    with shop.tx(STAFF, write=False) as ctx:
        named = named_in(ctx, "Anna from CAFE MULLER called: can she come Tuesday?")
        # "Café Müller" and its contact "Anna Müller" are one customer; "Mull" is inside no word
        # written, and Muller Plumbing's name is not in the message.
        assert [c.id for c in named.matches] == [ids["cafe"]]
        assert named_in(ctx, "Mull phoned").customer is not None
        assert named_in(ctx, "Mull phoned").matches[0].id == ids["mull"]


def test_a_name_inside_a_longer_name_the_message_writes_is_the_longer_one(
    shop: Shop, ids: dict[str, int]
) -> None:
    with shop.tx(STAFF) as ctx:
        muller = add_customer(ctx, CustomerInput(company="Muller")).id
    with shop.tx(STAFF, write=False) as ctx:
        assert [c.id for c in named_in(ctx, "invoice for Muller Plumbing").matches] == [ids["plumbing"]]
        assert [c.id for c in named_in(ctx, "Muller, not the plumbers").matches] == [muller]


def test_a_message_naming_several_or_none(shop: Shop, ids: dict[str, int]) -> None:
    with shop.tx(STAFF, write=False) as ctx:
        several = named_in(ctx, "Northwind Traders and Muller Plumbing share a van")
        assert {c.id for c in several.matches} == {ids["north"], ids["plumbing"]}
        assert several.customer is None
        assert named_in(ctx, "Lunch at noon?").matches == ()
        assert named_in(ctx, "").matches == ()


def test_a_number_in_a_message_is_that_customer_and_a_ticket_number_is_not(
    shop: Shop, ids: dict[str, int]
) -> None:
    with shop.tx(STAFF, write=False) as ctx:
        assert named_in(ctx, f"re #{ids['north']}: Café Müller too").matches[0].id == ids["north"]
        # A number that is no customer's is passed over for the names written.
        assert [c.id for c in named_in(ctx, "ticket #987654 from Café Müller").matches] == [ids["cafe"]]


def test_a_message_names_no_one_to_those_without_a_role_or_in_another_workspace(
    shop: Shop, ids: dict[str, int]
) -> None:
    with shop.tx(NOBODY, write=False) as ctx, pytest.raises(PermissionDenied):
        named_in(ctx, "Café Müller")
    other = new_team()
    ensure_tenant(shop.db, shop.clock, other, admins=[ADMIN])
    with transaction(shop.db, other, ADMIN, shop.clock, write=False) as ctx:
        assert named_in(ctx, f"Café Müller #{ids['cafe']}").matches == ()
