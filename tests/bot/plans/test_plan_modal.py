"""Creating, editing, cloning, disabling and enabling plans from Slack."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.kernel.recurrence import Weekly
from core.plans import service as plans
from core.plans.terms import BillingType
from tests.bot.conftest import Slack
from tests.conftest import ADMIN, STAFF
from tests.integration.credit_helpers import at, credit_plan, member
from tests.integration.helpers import templates


def plan_named(slack: Slack, name: str) -> plans.PlanView | None:
    with slack.shop.tx(write=False) as ctx:
        found = [p for p in plans.list_plans(ctx) if p.name == name]
        return found[0] if found else None


def test_a_new_plan_is_created_through_the_form(slack: Slack) -> None:
    view = slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    assert view["title"]["text"] == "New plan"
    answer = slack.driver.submit(
        ADMIN,
        {
            "name": "Diamond",
            "price": "99.50",
            "billing_type": "quarterly",
            "term_months": "24",
            "setup_fee": "10",
        },
    )
    assert answer == {"response_action": "clear"}
    assert slack.standin.top_modal(ADMIN) is None
    plan = plan_named(slack, "Diamond")
    assert plan is not None
    assert (plan.terms.price, plan.terms.billing_type, plan.terms.term_months) == (
        Decimal("99.50"),
        BillingType.QUARTERLY,
        24,
    )
    assert plan.terms.setup_fee == Decimal("10.00") and plan.terms.credits is None


@pytest.mark.parametrize("months", ["-1", "²", "٣"])  # superscript and Arabic-Indic digits, too
def test_bad_input_is_shown_under_its_field_and_nothing_is_written(slack: Slack, months: str) -> None:
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    answer = slack.driver.submit(ADMIN, {"name": "Diamond", "price": "lots", "lock_in_months": months})
    assert answer["response_action"] == "errors"
    assert "“lots”" in answer["errors"]["price"] and "whole number" in answer["errors"]["lock_in_months"]
    assert plan_named(slack, "Diamond") is None
    assert slack.standin.top_modal(ADMIN) is not None  # the form stays open to be corrected


def test_a_taken_name_is_refused_under_the_name(slack: Slack) -> None:
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    answer = slack.driver.submit(ADMIN, {"name": "gold", "price": "10"})
    assert answer["response_action"] == "errors" and "already" in answer["errors"]["name"]


def test_the_credits_step_is_pushed_when_asked_for_and_checked_first(slack: Slack) -> None:
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    answer = slack.driver.submit(ADMIN, {"name": "Spa Club", "price": "60", "steps": ["credits"]})
    assert answer["response_action"] == "push" and answer["view"]["callback_id"] == "plan_credits"
    assert plan_named(slack, "Spa Club") is None  # nothing is written until the last step
    wrong = slack.driver.submit(ADMIN, {"per_period": "two", "expiry": "days", "expiry_days": "90"})
    assert wrong["response_action"] == "errors" and "“two”" in wrong["errors"]["per_period"]
    done = slack.driver.submit(
        ADMIN, {"kind": "service", "per_period": "2", "expiry": "days", "expiry_days": "90", "initial": "1"}
    )
    assert done == {"response_action": "clear"}
    plan = plan_named(slack, "Spa Club")
    assert plan is not None and plan.terms.credits is not None
    c = plan.terms.credits
    assert (c.per_period, c.expiry, c.expiry_days, c.initial) == (Decimal(2), Expiry.DAYS, 90, Decimal(1))


def test_editing_a_sold_plan_shows_its_sold_terms_as_fixed(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    plan_id = credit_plan(
        slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(1)), name="Gold"
    )
    member(slack.shop, plan_id, date(2025, 1, 15))
    view = slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    inputs = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert "billing_type" not in inputs and "term_months" not in inputs
    assert any(
        "fixed" in b.get("elements", [{}])[0].get("text", "")
        for b in view["blocks"]
        if b["type"] == "context"
    )
    assert slack.driver.submit(ADMIN, {"price": "55"}) == {"response_action": "clear"}
    changed = plan_named(slack, "Gold")
    assert changed is not None and changed.terms.price == Decimal("55.00")


def test_staff_cannot_open_the_plan_form(slack: Slack) -> None:
    reply = slack.command("/plans", "new", user=STAFF)
    assert "admin role" in reply["text"], reply["text"]
    assert slack.standin.top_modal(STAFF) is None


def test_clone_disable_and_enable_by_command(slack: Slack) -> None:
    reply = slack.command("/plans", "clone Gold as Gold Plus", user=ADMIN)
    assert "*Gold Plus* is a new plan" in reply["text"]
    assert slack.command("/plans", "disable gold plus", user=ADMIN)["text"].startswith(
        "*Gold Plus* is no longer"
    )
    copy = plan_named(slack, "Gold Plus")
    assert copy is not None and not copy.enabled
    assert "is sold again" in slack.command("/plans", "enable Gold Plus", user=ADMIN)["text"]


def test_an_ambiguous_or_unknown_plan_is_never_guessed(slack: Slack) -> None:
    slack.command("/plans", "clone Gold as Gold Plus", user=ADMIN)
    assert "Several plans match" in slack.command("/plans", "disable gol", user=ADMIN)["text"]
    assert "No plan matches “Bronze”" in slack.command("/plans", "disable Bronze", user=ADMIN)["text"]


def test_a_recurring_service_step_adds_a_weekly_visit_and_checks_its_fields(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        job, task, _ = templates(ctx)
    slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    pushed = slack.driver.submit(ADMIN, {"name": "Pool Care", "price": "80", "steps": ["services"]})
    assert pushed["response_action"] == "push", pushed
    assert pushed["view"]["callback_id"] == "plan_service"
    wrong = slack.driver.submit(
        ADMIN,
        {"services.1.job": f"{job}:{task}", "services.1.weekdays": [], "services.1.at": "25:00"},
    )
    assert wrong["response_action"] == "errors"
    assert set(wrong["errors"]) == {"services.1.weekdays", "services.1.at"}
    done = slack.driver.submit(
        ADMIN,
        {"services.1.job": f"{job}:{task}", "services.1.weekdays": ["tue", "fri"], "services.1.at": "08:30"},
    )
    assert done == {"response_action": "clear"}
    plan = plan_named(slack, "Pool Care")
    assert plan is not None and len(plan.terms.services) == 1
    service = plan.terms.services[0]
    assert (service.job_template_id, service.at.hour, service.at.minute) == (job, 8, 30)
    assert service.recurrence == Weekly(1, (1, 4))
