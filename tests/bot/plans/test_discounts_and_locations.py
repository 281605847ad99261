"""The plan form's discounts and locations steps, end to end: pushed when asked for, checked by
core (every bad value under its field, nothing written), saved, listed by /plans; a sold plan
keeps each discount's type and only its amount changes; each location's price, setup fee and
revenue split."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.billing import service as billing
from core.catalog import locations as catalog
from core.catalog import services
from core.checkout import benefit_terms
from core.credits.terms import CreditKind, CreditTerms
from core.revenue import service as revenue
from tests.bot.conftest import Slack
from tests.bot.plans.test_plan_modal import plan_named
from tests.conftest import ADMIN, STAFF
from tests.integration.credit_helpers import at, credit_plan, member


def discounts(slack: Slack, name: str) -> list[tuple[str, str, Decimal, list[int], list[str], list[str]]]:
    plan = plan_named(slack, name)
    assert plan is not None
    with slack.shop.tx(write=False) as ctx:
        rows = benefit_terms.discounts_of(ctx, [plan.version_id]).get(plan.version_id, [])
        return [(r.applies_to, r.kind, r.value, r.services, r.categories, r.products) for r in rows]


def massage(slack: Slack) -> int:
    with slack.shop.tx() as ctx:
        services.add_service(ctx, "Facial", "skin")
        return services.add_service(ctx, "Massage", "body").id


def test_discounts_are_set_in_their_own_step_and_listed_in_words(slack: Slack) -> None:
    massage_id = massage(slack)
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    answer = slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "steps": ["discounts"]})
    assert answer["response_action"] == "push" and answer["view"]["callback_id"] == "plan_discounts"
    done = slack.driver.submit(
        ADMIN,
        {
            "discounts.1.value": "10",
            "discounts.1.names": "massage, skin",
            "discounts.2.applies_to": "product",
            "discounts.2.kind": "flat",
            "discounts.2.value": "5",
        },
    )
    assert done == {"response_action": "clear"}
    assert discounts(slack, "Spa Club") == [
        ("service", "percent", Decimal("10.00"), [massage_id], ["skin"], []),
        ("product", "flat", Decimal("5.00"), [], [], []),
    ]
    text = slack.command("/plans", "", user=STAFF)["text"]
    assert "◦ Discounts: 10% off Massage, skin; 5.00 off Products" in text


def test_bad_discounts_are_shown_under_their_fields_all_at_once_and_nothing_is_written(slack: Slack) -> None:
    massage(slack)
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "steps": ["discounts"]})
    typo = slack.driver.submit(ADMIN, {"discounts.1.value": "10", "discounts.2.value": "lots"})
    assert typo["response_action"] == "errors" and "“lots”" in typo["errors"]["discounts.2.value"]
    wrong = slack.driver.submit(
        ADMIN,
        {"discounts.1.value": "120", "discounts.3.value": "5", "discounts.3.names": "Sauna, Massage"},
    )
    assert wrong["response_action"] == "errors"  # core's errors, all at once
    assert "at most 100" in wrong["errors"]["discounts.1.value"]
    assert "“Sauna”" in wrong["errors"]["discounts.3.names"]
    assert plan_named(slack, "Spa Club") is None


def test_a_sold_plans_discount_amount_changes_but_not_its_type(slack: Slack) -> None:
    massage(slack)
    at(slack.shop, date(2025, 1, 15))
    plan_id = credit_plan(
        slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(1)), name="Gold"
    )
    slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    slack.driver.submit(ADMIN, {"steps": ["discounts"]})
    slack.driver.submit(ADMIN, {"discounts.1.value": "10", "discounts.1.names": "Massage"})
    member(slack.shop, plan_id, date(2025, 1, 15))

    view = slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    assert "discounts" in str(view)  # the step is offered on a sold plan
    pushed = slack.driver.submit(ADMIN, {"steps": ["discounts"]})["view"]
    initial = {
        b["block_id"]: b["element"].get("initial_value") for b in pushed["blocks"] if b["type"] == "input"
    }
    assert (initial["discounts.1.value"], initial["discounts.1.names"]) == ("10.00", "Massage")  # as saved
    refused = slack.driver.submit(ADMIN, {"discounts.1.kind": "flat"})
    assert refused["response_action"] == "errors"
    assert "discount type of Gold cannot change" in " ".join(refused["errors"].values())
    assert discounts(slack, "Gold")[0][1:3] == ("percent", Decimal("10.00"))
    assert slack.driver.submit(ADMIN, {"discounts.1.value": "15"}) == {"response_action": "clear"}
    assert discounts(slack, "Gold")[0][1:3] == ("percent", Decimal("15.00"))


def test_each_location_gets_its_own_price_setup_fee_and_revenue_split(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        downtown = catalog.add_location(ctx, "Downtown")
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    answer = slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "steps": ["locations"]})
    assert answer["response_action"] == "push" and answer["view"]["callback_id"] == "plan_locations"
    field = f"locations.{downtown}."
    typo = slack.driver.submit(ADMIN, {field + "price": "-5", field + "split": "50 / 40"})
    assert typo["response_action"] == "errors"  # every field at once
    assert "zero or more" in typo["errors"][field + "price"] and "three" in typo["errors"][field + "split"]
    wrong = slack.driver.submit(ADMIN, {field + "price": "70", field + "split": "50 / 40 / 0"})
    assert "adding up to 100" in wrong["errors"][field + "split"]
    assert plan_named(slack, "Spa Club") is None
    done = slack.driver.submit(
        ADMIN, {field + "price": "70", field + "setup_fee": "10", field + "split": "20 / 80 / 0"}
    )
    assert done == {"response_action": "clear"}
    plan = plan_named(slack, "Spa Club")
    assert plan is not None
    with slack.shop.tx(write=False) as ctx:
        assert billing.location_prices(ctx, plan.id) == {downtown: (Decimal("70.0000"), Decimal("10.0000"))}
        split = revenue.split_for(ctx, plan.version_id, downtown)
        assert (split.split.irr, split.split.mrr, split.split.scr) == (
            Decimal("14.00"),
            Decimal("56.00"),
            Decimal(0),
        )
