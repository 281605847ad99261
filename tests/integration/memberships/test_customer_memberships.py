"""Memberships' flows over storage: a customer's memberships found by the name or number typed,
as every command finds customers (core/customers/lookup.py)."""

from __future__ import annotations

from datetime import date

import pytest

from core.credits.terms import CreditKind, CreditTerms
from core.customers.lookup import NoCustomer, SeveralCustomers
from core.memberships import flows
from tests.conftest import STAFF, Shop
from tests.integration.credit_helpers import D, credit_plan, member
from tests.integration.helpers import add_customer


def test_the_memberships_of_the_customer_named_newest_first(shop: Shop) -> None:
    gold = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(1)))
    with shop.tx() as ctx:
        cafe = add_customer(ctx, company="Café Müller", contact="Anna Müller")
        add_customer(ctx, company="Müller Plumbing", contact="Bo")
    _, first = member(shop, gold, date(2024, 6, 1), date(2024, 12, 31), customer=cafe)
    _, second = member(shop, gold, date(2025, 1, 15), customer=cafe)
    with shop.tx(STAFF, write=False) as ctx:
        for typed in (f"#{cafe}", "cafe muller", "ANNA MÜLLER", "Café Müller (Anna Müller)"):
            held = flows.memberships_of(ctx, typed)
            assert held.customer.id == cafe and [m.id for m in held.memberships] == [second, first]
        with pytest.raises(SeveralCustomers) as several:
            flows.memberships_of(ctx, "muller")
        assert {c.company for c in several.value.choices} == {"Café Müller", "Müller Plumbing"}
        with pytest.raises(NoCustomer):
            flows.memberships_of(ctx, "zed")
