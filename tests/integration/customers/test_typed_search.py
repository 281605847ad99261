"""What people type into a customer search or lookup, however odd, is refused naming the search
or finds nobody — on SQLite and PostgreSQL alike (which refuses a NUL byte in any text, and an
id beyond its INTEGER column)."""

from __future__ import annotations

import pytest

from core.customers.lookup import NoCustomer, find_customer, the_customer
from core.customers.service import CustomerInput, add_customer, get_customer, search_customers
from core.kernel.errors import InvalidInput, NotFound
from tests.conftest import Shop


@pytest.mark.parametrize("typed", ["Al\x00ice", "x" * 50_000, "Al\u202eice"])
def test_a_search_no_name_could_match_is_refused_naming_the_search(shop: Shop, typed: str) -> None:
    with shop.tx(write=False) as ctx, pytest.raises(InvalidInput) as raised:
        search_customers(ctx, typed)
    assert raised.value.errors[0].field == "search"


@pytest.mark.parametrize("number", [2**31, 2**63, 10**20, -(2**63) - 1])
def test_an_id_beyond_the_column_names_nobody(shop: Shop, number: int) -> None:
    with shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Alice Ltd"))
    with shop.tx(write=False) as ctx:
        assert find_customer(ctx, f"#{number}").matches == ()
        with pytest.raises(NotFound):
            get_customer(ctx, number)
        with pytest.raises(NoCustomer):
            the_customer(ctx, f"#{number}")
