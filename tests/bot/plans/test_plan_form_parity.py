"""The plan form sets what the YAML catalogue sets: the credits step opens with the plan's credit
terms (saving it unchanged changes nothing), and every credit rule and recurring service the file
can hold is reachable from Slack, checked by core under its field with nothing written."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from typing import Any

import yaml

from bot import views
from core.billing import service as billing
from core.catalog import locations as catalog
from core.catalog import services
from core.credits.terms import CreditKind, CreditTerms, Expiry, Frequency
from core.kernel.recurrence import LAST_DAY, Monthly, Weekly
from core.plans import catalog_file
from core.plans import service as plans
from core.plans.service import RecurringService
from tests.bot.conftest import Slack
from tests.bot.plans.test_plan_modal import plan_named
from tests.conftest import ADMIN
from tests.integration.credit_helpers import at, credit_plan, member
from tests.integration.helpers import plan_by_name, templates

RICH = CreditTerms(
    kind=CreditKind.SERVICE,
    per_period=Decimal(4),
    frequency=Frequency.EVERY_N_DAYS,
    every_days=30,
    expiry=Expiry.DAYS,
    expiry_days=45,
    initial=Decimal(2),
    wait_days=1,
    max_per_redemption=Decimal(2),
    transferable=True,
)


def test_the_credits_step_of_a_plan_with_credits_opens_with_them_and_saving_changes_nothing(
    slack: Slack,
) -> None:
    credit_plan(slack.shop, RICH, name="Gold")
    before = plan_named(slack, "Gold")
    assert before is not None and before.terms.credits is not None
    slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    pushed = slack.driver.submit(ADMIN, {"steps": ["credits"]})
    assert pushed["response_action"] == "push" and pushed["view"]["callback_id"] == "plan_credits"
    assert slack.driver.submit(ADMIN, {}) == {"response_action": "clear"}  # saved as it opened
    after = plan_named(slack, "Gold")
    assert after is not None and after.terms.credits == before.terms.credits


def spa(slack: Slack) -> tuple[int, int]:
    """Massage (body) and Facial (skin), and an equality template naming them: (massage, template)."""
    with slack.shop.tx() as ctx:
        massage = services.add_service(ctx, "Massage", "body").id
        facial = services.add_service(ctx, "Facial", "skin").id
        return massage, services.add_equality_template(ctx, "Spa minutes", {massage: 2, facial: 1})


def credits_step(slack: Slack, name: str = "Spa Club") -> dict[str, Any]:
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    pushed = slack.driver.submit(ADMIN, {"name": name, "price": "60", "steps": ["credits"]})
    assert pushed["response_action"] == "push" and pushed["view"]["callback_id"] == "plan_credits"
    view: dict[str, Any] = pushed["view"]
    return view


def test_monetary_credit_with_its_pools_and_rules_of_use_is_set_in_the_credits_step(slack: Slack) -> None:
    credits_step(slack)
    done = slack.driver.submit(
        ADMIN,
        {
            "kind": "monetary",
            "per_period": "50",
            "for_services": "20",
            "for_products": "10",
            "expiry": "membership-end",
            "wait_days": "2",
            "max_per_redemption": "25",
            "anniversary_amount": "15",
            "ends_when_used_up": ["yes"],
            "transferable": ["yes"],
        },
    )
    assert done == {"response_action": "clear"}
    plan = plan_named(slack, "Spa Club")
    assert plan is not None and plan.terms.credits is not None
    c = plan.terms.credits
    assert (c.kind, c.per_period, c.for_services, c.for_products, c.expiry) == (
        CreditKind.MONETARY,
        Decimal("50.00"),
        Decimal("20.00"),
        Decimal("10.00"),
        Expiry.MEMBERSHIP_END,
    )
    assert (c.wait_days, c.max_per_redemption, c.anniversary_amount) == (
        2,
        Decimal("25.00"),
        Decimal("15.00"),
    )
    assert c.ends_when_used_up and c.transferable


def test_service_credits_are_limited_to_services_and_categories_and_priced_by_a_template(
    slack: Slack,
) -> None:
    massage, template = spa(slack)
    view = credits_step(slack)
    assert "equality_template" in views.input_ids(view)
    done = slack.driver.submit(
        ADMIN,
        {"per_period": "4", "services": "massage, Skin", "equality_template": str(template)},
    )
    assert done == {"response_action": "clear"}
    plan = plan_named(slack, "Spa Club")
    assert plan is not None and plan.terms.credits is not None
    c = plan.terms.credits
    assert (c.services, c.categories, c.equality_template_id) == ((massage,), ("skin",), template)


def test_points_are_earned_per_amount_paid_at_a_value_each(slack: Slack) -> None:
    credits_step(slack)
    done = slack.driver.submit(ADMIN, {"kind": "points", "points_per_unit": "2", "point_value": "0.05"})
    assert done == {"response_action": "clear"}
    plan = plan_named(slack, "Spa Club")
    assert plan is not None and plan.terms.credits is not None
    assert (plan.terms.credits.points_per_unit, plan.terms.credits.point_value) == (
        Decimal(2),
        Decimal("0.05"),
    )


def test_bad_credit_rules_are_shown_under_their_fields_and_nothing_is_written(slack: Slack) -> None:
    spa(slack)
    credits_step(slack)
    typo = slack.driver.submit(ADMIN, {"wait_days": "soon", "anniversary_amount": "-1"})
    assert typo["response_action"] == "errors"
    assert (
        "whole number" in typo["errors"]["wait_days"]
        and "zero or more" in typo["errors"]["anniversary_amount"]
    )
    wrong = slack.driver.submit(
        ADMIN,
        {
            "kind": "monetary",
            "per_period": "50",
            "for_services": "40",
            "for_products": "20",
            "wait_days": "400",
            "max_per_redemption": "0",
        },
    )
    assert wrong["response_action"] == "errors"  # core's checks, all at once
    assert "more than the amount per period" in wrong["errors"]["for_services"]
    assert "0 to 365" in wrong["errors"]["wait_days"]
    assert "more than zero" in wrong["errors"]["max_per_redemption"]
    unknown = slack.driver.submit(ADMIN, {"kind": "service", "per_period": "4", "services": "Sauna"})
    assert "“Sauna”" in unknown["errors"]["services"]
    points = slack.driver.submit(ADMIN, {"kind": "points", "per_period": "0"})
    assert "rate" in points["errors"]["points_per_unit"]
    assert plan_named(slack, "Spa Club") is None


def test_each_step_says_in_words_what_it_holds(slack: Slack) -> None:
    credit_plan(slack.shop, RICH, name="Gold")
    with slack.shop.tx() as ctx:
        templates(ctx)
    slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    view = slack.driver.submit(ADMIN, {"steps": ["credits", "discounts", "locations", "services"]})["view"]
    assert context_text(view) == (
        "Now: 4 credits every 30 days, each expires after 45 days, 2 at sign-up, 1 day between redemptions, "
        "at most 2 per invoice, transferable to another customer."
    )
    discounts = slack.driver.submit(ADMIN, {})["view"]
    assert context_text(discounts).startswith("Now: no discounts.")
    locations = slack.driver.submit(ADMIN, {"discounts.1.value": "10"})["view"]
    assert locations["callback_id"] == "plan_locations", locations
    services_step = slack.driver.submit(ADMIN, {})["view"]
    assert services_step["callback_id"] == "plan_service", services_step
    assert context_text(services_step).startswith("Now: no recurring services.")


def test_a_sold_plan_offers_its_credits_transferability_alone(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    plan_id = credit_plan(slack.shop, RICH, name="Gold")
    member(slack.shop, plan_id, date(2025, 1, 15))
    slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    view = slack.driver.submit(ADMIN, {"steps": ["credits"]})["view"]
    assert views.input_ids(view) == ["transferable"]  # the other terms are fixed once sold
    assert "fixed except whether credits may be transferred" in str(view["blocks"])
    assert slack.driver.submit(ADMIN, {"transferable": []}) == {"response_action": "clear"}
    after = plan_named(slack, "Gold")
    assert after is not None and after.terms.credits == replace(RICH, transferable=False)


def test_no_credits_makes_an_unsold_plan_unlimited_again(slack: Slack) -> None:
    credit_plan(slack.shop, RICH, name="Gold")
    slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    slack.driver.submit(ADMIN, {"steps": ["credits"]})
    assert slack.driver.submit(ADMIN, {"kind": "none"}) == {"response_action": "clear"}
    after = plan_named(slack, "Gold")
    assert after is not None and after.terms.credits is None


def context_text(view: dict[str, Any]) -> str:
    first = next(b for b in view["blocks"] if b["type"] == "context")
    return str(first["elements"][0]["text"])


def test_recurring_services_are_changed_removed_and_added_in_rows(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        job, filters, tune_up = templates(ctx)
        gold = plan_by_name(ctx, "Gold")
        first = RecurringService(job, filters, Weekly(1, (0,)), time(9))
        second = RecurringService(job, tune_up, Monthly(15, (3, 9)), time(14))
        plans.update_plan(ctx, gold.id, replace(gold.terms, services=(first, second)))
    slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    view = slack.driver.submit(ADMIN, {"steps": ["services"]})["view"]
    initial = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert [o["value"] for o in initial["services.2.months"]["initial_options"]] == ["mar", "sep"]
    assert initial["services.2.day"]["initial_value"] == "15" and "services.3.job" in initial
    assert "Every week on Mon at 09:00" in context_text(view)
    never = slack.driver.submit(
        ADMIN,
        {
            "services.3.job": f"{job}:{filters}",
            "services.3.kind": "monthly",
            "services.3.day": "31",
            "services.3.months": ["feb"],
        },
    )
    assert never["response_action"] == "errors" and "never comes" in never["errors"]["services.3.day"]
    done = slack.driver.submit(
        ADMIN,
        {
            "services.1.weekdays": ["tue", "thu"],
            "services.1.interval": "2",
            "services.2.remove": ["yes"],
            "services.3.job": f"{job}:{tune_up}",
            "services.3.kind": "monthly",
            "services.3.day": "last",
            "services.3.months": ["jun"],
            "services.3.at": "08:00",
        },
    )
    assert done == {"response_action": "clear"}
    after = plan_named(slack, "Gold")
    assert after is not None
    assert after.terms.services == (
        RecurringService(job, filters, Weekly(2, (1, 3)), time(9)),
        RecurringService(job, tune_up, Monthly(LAST_DAY, (6,)), time(8)),
    )


def test_a_plan_made_in_the_form_exports_and_imports_unchanged(slack: Slack) -> None:
    _, template = spa(slack)
    with slack.shop.tx() as ctx:
        job, filters, _ = templates(ctx)
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "steps": ["credits", "services"]})
    slack.driver.submit(
        ADMIN,
        {
            "per_period": "4",
            "frequency": "every-n-days",
            "every_days": "30",
            "expiry": "days",
            "expiry_days": "45",
            "initial": "2",
            "services": "Massage, skin",
            "equality_template": str(template),
            "wait_days": "1",
            "max_per_redemption": "2",
            "transferable": ["yes"],
        },
    )
    done = slack.driver.submit(
        ADMIN,
        {
            "services.1.job": f"{job}:{filters}",
            "services.1.kind": "monthly",
            "services.1.day": "1",
            "services.1.months": ["jan", "jul"],
        },
    )
    assert done == {"response_action": "clear"}
    with slack.shop.tx(ADMIN) as ctx:
        exported = catalog_file.export_plans(ctx)
        result = catalog_file.import_plans(ctx, exported)
        again = catalog_file.export_plans(ctx)
    assert "SPA-CLUB" in result.unchanged and not result.updated and again == exported
    entry = next(p for p in yaml.safe_load(exported)["plans"] if p["code"] == "SPA-CLUB")
    assert entry["credits"]["services"] == ["Massage"] and entry["credits"]["categories"] == ["skin"]
    assert entry["credits"]["equality_template"] == "Spa minutes" and entry["credits"]["wait_days"] == 1
    assert entry["recurring_services"][0]["recurrence"] == {
        "kind": "monthly",
        "day": 1,
        "months": ["jan", "jul"],
    }


def test_a_new_plans_code_is_chosen_in_the_form_and_checked(slack: Slack) -> None:
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    bad = slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "code": "spa club!"})
    assert bad["response_action"] == "errors" and "letters, digits" in bad["errors"]["code"]
    taken = slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "code": "gold"})
    assert "already used" in taken["errors"]["code"]
    assert plan_named(slack, "Spa Club") is None
    assert slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "code": "spa-24"}) == {
        "response_action": "clear"
    }
    made = plan_named(slack, "Spa Club")
    assert made is not None and made.code == "SPA-24"
    edit = slack.open_modal("/plans", "edit spa club", user=ADMIN, callback_id="plan_details")
    assert "code" not in views.input_ids(edit) and "`SPA-24`: fixed" in str(edit["blocks"])


def test_the_locations_step_sells_the_plan_everywhere_or_at_the_locations_ticked(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        north, south = catalog.add_location(ctx, "North"), catalog.add_location(ctx, "South")
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    view = slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "steps": ["locations"]})["view"]
    assert {"locations", f"locations.{north}.sold"} <= set(views.input_ids(view))
    none = slack.driver.submit(
        ADMIN, {"locations": "ticked", f"locations.{north}.sold": [], f"locations.{south}.sold": []}
    )
    assert none["response_action"] == "errors" and "at least one location" in none["errors"]["locations"]
    assert plan_named(slack, "Spa Club") is None
    done = slack.driver.submit(ADMIN, {"locations": "ticked", f"locations.{south}.sold": []})
    assert done == {"response_action": "clear"}
    made = plan_named(slack, "Spa Club")
    assert made is not None and made.terms.location_ids == (north,)
    slack.open_modal("/plans", "edit spa club", user=ADMIN, callback_id="plan_details")
    opened = slack.driver.submit(ADMIN, {"steps": ["locations"]})["view"]
    initial = {b["block_id"]: b["element"] for b in opened["blocks"] if b["type"] == "input"}
    assert initial["locations"]["initial_option"]["value"] == "ticked"
    assert "initial_options" not in initial[f"locations.{south}.sold"]
    assert slack.driver.submit(ADMIN, {"locations": "all"}) == {"response_action": "clear"}
    everywhere = plan_named(slack, "Spa Club")
    assert everywhere is not None and everywhere.terms.location_ids is None


def test_every_step_ticked_with_ten_locations_and_a_long_description_reaches_the_last_and_saves(
    slack: Slack,
) -> None:
    with slack.shop.tx() as ctx:
        first, *_ = (catalog.add_location(ctx, f"Location {n}") for n in range(10))
        job, filters, _ = templates(ctx)
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    steps = ["credits", "discounts", "locations", "services"]
    shown = [
        slack.driver.submit(
            ADMIN, {"name": "Spa Club", "price": "60", "description": "d" * 1000, "steps": steps}
        )
    ]
    shown.append(
        slack.driver.submit(ADMIN, {"kind": "monetary", "per_period": "50", "max_per_redemption": "20"})
    )
    shown.append(slack.driver.submit(ADMIN, {"discounts.1.value": "10"}))
    shown.append(slack.driver.submit(ADMIN, {f"locations.{first}.price": "70"}))
    assert [a["response_action"] for a in shown] == ["push", "update", "update", "update"]
    assert shown[-1]["view"]["callback_id"] == "plan_service"
    done = slack.driver.submit(ADMIN, {"services.1.job": f"{job}:{filters}", "services.1.weekdays": ["mon"]})
    assert done == {"response_action": "clear"}
    plan = plan_named(slack, "Spa Club")
    assert plan is not None and plan.terms.credits is not None
    assert plan.terms.credits.max_per_redemption == Decimal("20.00") and len(plan.terms.services) == 1
    with slack.shop.tx(write=False) as ctx:
        assert billing.location_prices(ctx, plan.id)[first][0] == Decimal(70)
