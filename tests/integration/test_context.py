"""`rolled_back`: a change made only to learn whether it can be made is undone, and what would
refuse it is raised as it would be."""

from __future__ import annotations

import pytest

from core.catalog import locations as catalog
from core.context import rolled_back
from core.kernel.errors import Conflict
from tests.conftest import Shop


def test_a_rehearsed_change_is_undone_and_the_unit_of_work_goes_on(shop: Shop) -> None:
    with shop.tx() as ctx:
        with rolled_back(ctx):
            catalog.add_location(ctx, "Downtown")
            assert catalog.find_location(ctx, "downtown") is not None  # seen inside the rehearsal
        assert catalog.find_location(ctx, "downtown") is None
        catalog.add_location(ctx, "Uptown")
    with shop.tx(write=False) as ctx:
        assert [loc.name for loc in catalog.locations(ctx)] == ["Uptown"]


def test_a_refused_rehearsal_raises_and_undoes_what_it_made_before(shop: Shop) -> None:
    with shop.tx() as ctx:
        catalog.add_location(ctx, "Uptown")
        with pytest.raises(Conflict), rolled_back(ctx):
            catalog.add_location(ctx, "Downtown")
            catalog.add_location(ctx, "uptown")
        assert [loc.name for loc in catalog.locations(ctx)] == ["Uptown"]
