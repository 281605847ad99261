"""One membership's revenue statement (core/revenue/flows.py) on the worked example of
docs/revenue.md: Ann's Gold at Uptown, sold in January 2025."""

from __future__ import annotations

import pytest

from core.kernel.errors import InvalidInput, NotFound
from core.revenue.flows import membership_statement
from tests.conftest import MANAGER, Shop
from tests.integration.credit_helpers import D
from tests.integration.revenue.test_service import SALE


def test_a_membership_month_by_month_to_the_month_asked(shop_year: tuple[Shop, int, int]) -> None:
    shop, ann, _ = shop_year
    with shop.tx(MANAGER, write=False) as ctx:
        march = membership_statement(ctx, f"M-{ann}", "2025-03")
        whole = membership_statement(ctx, str(ann), "2026-03")
    assert [f"{m:%Y-%m}" for m, _ in march.months] == ["2025-01", "2025-02", "2025-03"]
    assert [(str(a.irr), str(a.mrr), str(a.scr)) for _, a in march.months] == [
        ("73.00", "0", "4.29"),
        ("0", "36.82", "8.57"),
        ("0", "40.77", "4.28"),
    ]
    assert march.recognised_to_date == sum(a.total for _, a in march.months) == D("167.73")
    assert (march.sold_to_date, march.deferred) == (SALE, SALE - march.recognised_to_date)
    assert (whole.recognised_to_date, whole.deferred) == (SALE, D(0))
    assert march.reference == f"M-{ann}" and march.location == "Uptown"


def test_this_month_by_default_and_what_it_refuses(shop_year: tuple[Shop, int, int]) -> None:
    shop, ann, _ = shop_year
    with shop.tx(MANAGER, write=False) as ctx:
        assert membership_statement(ctx, f"m{ann}").month == ctx.today().replace(day=1)
        with pytest.raises(NotFound, match="was not sold by the end of December 2024"):
            membership_statement(ctx, f"M-{ann}", "2024-12")
        with pytest.raises(InvalidInput, match="not a month"):
            membership_statement(ctx, f"M-{ann}", "2025-13")
        with pytest.raises(InvalidInput, match="not a membership"):
            membership_statement(ctx, "Ann")
        with pytest.raises(NotFound):
            membership_statement(ctx, "M-999999")
