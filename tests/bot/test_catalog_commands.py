"""/plans and /customers end to end."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.standin import Posted
from core.credits.terms import CreditKind, CreditTerms
from core.customers.service import CustomerInput, add_customer
from core.plans import service as plans
from tests.bot.conftest import Slack, wait_until
from tests.conftest import STAFF
from tests.integration.helpers import plan_by_name, with_services


def test_plans_lists_terms_services_and_credits(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        gold = with_services(ctx)
        plans.update_plan(
            ctx,
            gold.id,
            replace(
                gold.terms,
                credits=CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4), initial=Decimal(2)),
            ),
        )
        plans.set_enabled(ctx, plan_by_name(ctx, "Silver").id, False)
    text = slack.command("/plans", "", user=STAFF)["text"]
    assert "• *Gold* (`GOLD`): 49.00 USD monthly, 12 months; 4 credits per period + 2 at sign-up" in text
    assert "◦ HVAC maintenance / Filter change: Every week on Tue" in text
    assert "*Silver* (`SILVER`) — _disabled_" in text


def test_plans_help_and_unknown_subcommands(slack: Slack) -> None:
    assert "`/plans help`" in slack.command("/plans", "help")["text"]
    assert "`/plans frobnicate` is not a plans command" in slack.command("/plans", "frobnicate")["text"]


def test_customers_search_and_nothing_found(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin Spa", contact="Joao", email="joao@bluefin.example"))
    found = slack.command("/customers", "blue", user=STAFF)["text"]
    assert "• Blue Fin Spa (Joao) — joao@bluefin.example" in found
    assert "No customer matches “zzz”" in slack.command("/customers", "zzz", user=STAFF)["text"]
    assert "`/customers <search>`" in slack.command("/customers", "", user=STAFF)["text"]


def test_a_user_without_a_role_cannot_list_plans(slack: Slack) -> None:
    text = slack.command("/plans", "", user="UOUTSIDER")["text"]
    assert "You need the" in text and "GOLD" not in text


def test_long_lists_come_a_page_at_a_time_with_a_more_button(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        for n in range(45):
            add_customer(ctx, CustomerInput(company=f"Harbour Unit {n:02d}"))
    first = slack.command("/customers", "harbour", user=STAFF)
    assert "(1 to 20 of 45)" in first["text"] and first["text"].count("• Harbour Unit") == 20
    more = first["blocks"][-1]["elements"][0]
    message = Posted("CFRONTDESK", first["text"], first["blocks"], ephemeral_to=STAFF, ts="1.000001")
    _, response_id = slack.driver.click(more["action_id"], more["value"], user=STAFF, message=message)
    second = wait_until(lambda: slack.standin.replies(response_id), what="the second page")[-1]
    assert "(21 to 40 of 45)" in second["text"] and "Harbour Unit 00" not in second["text"]
    assert second["replace_original"] is True
