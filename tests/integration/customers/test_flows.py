"""Customers' flows over storage: the add-a-customer form offers the locations, to those who add
customers only."""

from __future__ import annotations

import pytest

from core.catalog import locations as catalog
from core.customers import flows
from core.kernel.errors import PermissionDenied
from tests.conftest import NOBODY, STAFF, Shop


def test_the_new_customer_form_offers_the_locations_by_name_to_those_who_add_customers(shop: Shop) -> None:
    with shop.tx() as ctx:
        catalog.add_location(ctx, "North")
        catalog.add_location(ctx, "Downtown")
    with shop.tx(STAFF, write=False) as ctx:
        assert flows.new_customer_locations(ctx) == ["Downtown", "North"]
    with shop.tx(NOBODY, write=False) as ctx, pytest.raises(PermissionDenied):
        flows.new_customer_locations(ctx)
