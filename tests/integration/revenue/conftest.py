"""The year of the worked example of docs/revenue.md, shared by the service's and the flows' tests."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import Shop
from tests.integration.credit_helpers import at
from tests.integration.revenue.test_service import gold, year


@pytest.fixture
def shop_year(shop: Shop) -> tuple[Shop, int, int]:
    at(shop, date(2025, 1, 10))
    _, downtown, uptown = gold(shop)
    ann_m, bo_m = year(shop, downtown, uptown)
    return shop, ann_m, bo_m
