"""/credits on a membership's first day: the period's credits are there from the first minute,
and the day before they show as coming (the day's run has not happened at either moment)."""

from __future__ import annotations

from datetime import timedelta

from core.customers.service import CustomerInput, add_customer
from core.daily import jobs as daily
from core.kernel import formats
from core.memberships import service as memberships
from tests.bot.conftest import Slack
from tests.conftest import MANAGER, STAFF
from tests.integration.credit_helpers import at, credit_plan
from tests.integration.credits.test_first_day import FOUR_A_MONTH, SOLD, START, local


def test_credits_show_as_coming_the_day_before_and_available_from_the_first_minute(slack: Slack) -> None:
    shop = slack.shop
    at(shop, SOLD)
    plan = credit_plan(shop, FOUR_A_MONTH)
    with shop.tx(STAFF) as ctx:
        customer = add_customer(ctx, CustomerInput(company="Lakeside Yoga"))
        sale = memberships.assign(ctx, customer.id, plan, START, None)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, sale.id)
    day = SOLD
    while day < START:  # the scheduler's run on each day, at midday
        at(shop, day)
        daily.catch_up(shop.db, shop.team, shop.clock)
        day += timedelta(days=1)

    shop.clock.set(local(START - timedelta(days=1), 20))
    before = slack.command("/credits", "lakeside", user=STAFF)["text"]
    assert "No credits available now." in before
    assert f"Coming:\n• 4 credits, usable from {formats.day(START)}" in before

    shop.clock.set(local(START, 0, 1))
    first_minute = slack.command("/credits", "lakeside", user=STAFF)["text"]
    assert "*4* credits available for any service" in first_minute
    assert "Coming:" not in first_minute
