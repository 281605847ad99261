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
    assert "• *Gold* (`GOLD`): 49.00 USD monthly, 12 months; 4 credits per period + 2 at sign-up" in text
    assert "◦ HVAC maintenance / Filter change: Every week on Tue" in text
    assert "*Silver* (`SILVER`) — _disabled_" in text


def test_plans_help_and_unknown_subcommands(slack: Slack) -> None:
    assert "`/plans help`" in slack.command("/plans", "help")["text"]
    assert "`/plans frobnicate` is not a plans command" in slack.command("/plans", "frobnicate")["text"]


def test_a_user_without_a_role_cannot_list_plans(slack: Slack) -> None:
    text = slack.command("/plans", "", user="UOUTSIDER")["text"]
    assert "You need the" in text and "GOLD" not in text
