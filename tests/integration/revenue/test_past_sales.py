"""A past sale — its term over before it was recorded — recognises its revenue in the months it
covers, not all at once in the month it was entered; a back-dated sale still running does not."""

from __future__ import annotations

from datetime import date

from core.memberships import flows
from core.memberships import service as memberships
from core.revenue import service as revenue
from tests.conftest import MANAGER, STAFF, Shop
from tests.integration.credit_helpers import D, at
from tests.integration.helpers import add_customer, plan_by_name


def past_sale(shop: Shop, start: date, end: date) -> int:
    """Gold (49.00 a month, all of it MRR) sold today for `start` to `end`, and approved."""
    with shop.tx(STAFF) as ctx:
        gold = plan_by_name(ctx, "Gold").id
        sold = flows.sell(ctx, add_customer(ctx, company="Lakeside Dental"), gold, start, end, past=True)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, sold.membership.id)
    return sold.membership.id


def test_a_past_sale_earns_in_the_months_it_covered(shop: Shop) -> None:
    at(shop, date(2026, 2, 10))
    m = past_sale(shop, date(2025, 1, 1), date(2025, 12, 31))  # 12 x 49.00 = 588.00 over 365 days
    with shop.tx(write=False) as ctx:
        march = revenue.membership_revenue(ctx, m, date(2025, 3, 1))
        jan_2025 = revenue.deferred_report(ctx, "2025-01")
        feb_2026 = revenue.deferred_report(ctx, "2026-02")
    assert march.sold_on == date(2025, 1, 1)
    assert march.schedule[date(2025, 3, 1)].mrr == D("49.94")  # 588.00 x 31 / 365
    assert sum((a.total for a in march.schedule.values()), D(0)) == D("588.00")
    assert (jan_2025.total.sold, jan_2025.total.recognised) == (D("588.00"), D("49.94"))
    assert (feb_2026.total.sold, feb_2026.total.recognised, feb_2026.total.deferred) == (D(0), D(0), D(0))


def test_a_back_dated_sale_still_running_counts_from_its_approval(shop: Shop) -> None:
    at(shop, date(2025, 3, 10))
    m = past_sale(shop, date(2025, 1, 1), date(2025, 12, 31))
    with shop.tx(write=False) as ctx:
        found = revenue.membership_revenue(ctx, m, date(2025, 3, 1))
    assert found.sold_on == date(2025, 3, 10)
    assert min(found.schedule) == date(2025, 3, 1)  # January and February's days earn in March
