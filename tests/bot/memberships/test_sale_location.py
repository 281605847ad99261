"""The sale form's location: the customer's by default, one the plan is sold at or a field error,
and the location the sale records is the one /revenue books it under."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from core.catalog import locations as catalog
from core.customers.service import CustomerInput, add_customer
from core.memberships import service as memberships
from core.plans import service as plans
from tests.bot.conftest import Slack, wait_until
from tests.conftest import MANAGER, STAFF
from tests.integration.credit_helpers import at


def shop_with_locations(slack: Slack) -> tuple[int, int, int, int]:
    """Café Müller at North; returns (customer, North, South, Gold)."""
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        north, south = catalog.add_location(ctx, "North"), catalog.add_location(ctx, "South")
        cafe = add_customer(ctx, CustomerInput(company="Café Müller", location="North")).id
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
    return cafe, north, south, gold.id


def test_the_location_defaults_to_the_customer_s_and_the_sale_records_it_for_revenue(slack: Slack) -> None:
    cafe, north, _, gold = shop_with_locations(slack)
    view = slack.open_modal(
        "/membership", "assign cafe muller from Sat 1 Feb 2025", user=STAFF, callback_id="membership_assign"
    )
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert [o["text"]["text"] for o in blocks["location"]["element"]["options"]] == ["North", "South"]
    assert blocks["location"]["element"]["initial_option"]["value"] == str(north)
    answer = slack.driver.submit(STAFF, {"customer": str(cafe), "plan": str(gold), "start": "2025-02-01"})
    assert answer == {}
    with slack.shop.tx(MANAGER) as ctx:
        (sold,) = memberships.memberships_of(ctx, cafe)
        assert sold.location == "North"
        memberships.approve(ctx, sold.id)
    text = slack.command("/revenue", "2025-01", user=MANAGER)["text"]
    assert "*Gold* at North: sold $588.00" in text and "No location" not in text


def test_a_plan_sold_only_elsewhere_refuses_the_location_in_its_field(slack: Slack) -> None:
    cafe, north, south, gold = shop_with_locations(slack)
    with slack.shop.tx() as ctx:
        plans.update_plan(ctx, gold, replace(plans.get_plan(ctx, gold).terms, location_ids=(south,)))
    slack.open_modal("/membership", "assign cafe muller", user=STAFF, callback_id="membership_assign")
    answer = slack.driver.submit(
        STAFF, {"customer": str(cafe), "plan": str(gold), "start": "2025-02-01", "location": str(north)}
    )
    assert answer["response_action"] == "errors"
    assert "sold only at some locations" in answer["errors"]["location"]
    with slack.shop.tx(write=False) as ctx:
        assert memberships.memberships_of(ctx, cafe) == []
    answer = slack.driver.submit(
        STAFF, {"customer": str(cafe), "plan": str(gold), "start": "2025-02-01", "location": str(south)}
    )
    assert answer == {}
    with slack.shop.tx(write=False) as ctx:
        assert [m.location for m in memberships.memberships_of(ctx, cafe)] == ["South"]


def test_choosing_a_plan_offers_only_its_locations(slack: Slack) -> None:
    cafe, _, south, gold = shop_with_locations(slack)
    with slack.shop.tx() as ctx:
        plans.update_plan(ctx, gold, replace(plans.get_plan(ctx, gold).terms, location_ids=(south,)))
    slack.open_modal("/membership", "assign cafe muller", user=STAFF, callback_id="membership_assign")
    assert slack.driver.choose(STAFF, "plan", str(gold), {"customer": str(cafe)}).status_code == 200

    def offered() -> list[str]:
        modal = slack.standin.top_modal(STAFF) or {}
        block: dict[str, Any] = next(
            (b for b in modal.get("blocks", []) if b.get("block_id") == "location"), {}
        )
        return [o["text"]["text"] for o in block.get("element", {}).get("options", [])]

    assert wait_until(lambda: offered() == ["South"] and offered(), what="the plan's locations")


def test_the_edit_form_changes_the_location_of_a_sold_membership(slack: Slack) -> None:
    cafe, north, south, gold = shop_with_locations(slack)
    with slack.shop.tx(STAFF) as ctx:
        sold = memberships.assign(ctx, cafe, gold, date(2025, 2, 1))
    with slack.shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, sold.id)
    view = slack.open_modal("/membership", f"edit M-{sold.id}", user=STAFF, callback_id="membership_edit")
    location = next(b for b in view["blocks"] if b.get("block_id") == "location")
    assert location["element"]["initial_option"]["value"] == str(north)
    assert slack.driver.submit(STAFF, {"location": str(south), "reason": "sold at the South desk"}) == {}
    with slack.shop.tx(write=False) as ctx:
        assert memberships.get(ctx, sold.id).location == "South"
        assert memberships.history(ctx, sold.id)[-1].reason.startswith("location North -> South")
