"""/plans end to end."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from core.credits.terms import CreditKind, CreditTerms
from core.plans import service as plans
from tests.bot.conftest import Slack
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
    assert (
        "• *Gold* (`GOLD`): $49.00 monthly, for 12 months; "
        "4 credits each billing period + 2 credits at sign-up" in text
    )
    assert "◦ HVAC maintenance / Filter change: Every week on Tue" in text
    assert "*Silver* (`SILVER`) — _disabled_" in text


def test_plans_help_and_unknown_subcommands(slack: Slack) -> None:
    assert "`/plans help`" in slack.command("/plans", "help")["text"]
    assert "`/plans frobnicate` is not a plans command" in slack.command("/plans", "frobnicate")["text"]


def test_a_user_without_a_role_cannot_list_plans(slack: Slack) -> None:
    text = slack.command("/plans", "", user="UOUTSIDER")["text"]
    assert "You need the" in text and "GOLD" not in text


def test_plans_archive_retires_the_plan_and_frees_its_name(slack: Slack) -> None:
    text = slack.command("/plans", "archive Silver")["text"]
    assert "*Silver* is archived" in text
    assert "Silver" not in slack.command("/plans", "")["text"]
    assert "No plan matches “Silver”" in slack.command("/plans", "enable Silver")["text"]
    with slack.shop.tx() as ctx:
        assert [p.name for p in plans.list_plans(ctx, include_archived=True) if p.archived] == ["Silver"]
        plans.create_plan(ctx, plans.PlanTerms(name="Silver", price=Decimal(30)))  # the name is free


def test_only_plan_managers_archive_plans(slack: Slack) -> None:
    text = slack.command("/plans", "archive Silver", user=STAFF)["text"]
    assert "You need the" in text
    with slack.shop.tx() as ctx:
        assert plan_by_name(ctx, "Silver").enabled


def test_plans_help_says_archive_is_not_disable(slack: Slack) -> None:
    text = slack.command("/plans", "help")["text"]
    assert "`/plans archive <plan>`" in text and "Disable instead to pause sales" in text
