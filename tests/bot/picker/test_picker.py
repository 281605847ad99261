"""The one picker through the real Bolt app: a command that names a customer (or a plan) found
several times answers with a button per choice, and choosing one answers as the command does for
that customer — for /credits, /billing, /plans, /customers merge and /checkout."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.standin import Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer, get_customer
from core.plans import service as plans
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, MANAGER, STAFF
from tests.integration.credit_helpers import at


def customer(slack: Slack, company: str, credits: int = 0) -> int:
    with slack.shop.tx() as ctx:
        made = add_customer(ctx, CustomerInput(company=company))
        if credits:
            ledger.grant(ctx, made.id, Unit.CREDIT, Decimal(credits), key=f"seed-{made.id}")
        return made.id


def choices(reply: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The picker's buttons by the choice beside them."""
    return {
        b["text"]["text"].removeprefix("• "): b["accessory"]
        for b in reply["blocks"]
        if b.get("accessory", {}).get("action_id", "").startswith("pick:")
    }


def choose(slack: Slack, reply: dict[str, Any], label: str, user: str) -> dict[str, Any]:
    button = choices(reply)[label]
    message = Posted("CFRONTDESK", reply["text"], reply["blocks"], ephemeral_to=user, ts="1.000001")
    _, response_id = slack.driver.click(button["action_id"], button["value"], user=user, message=message)
    return dict(wait_until(lambda: slack.standin.replies(response_id), what="the answer")[-1])


def test_a_balance_asked_of_several_customers_offers_them_and_shows_the_one_chosen(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    customer(slack, "Northwind Traders", credits=2)
    plumbing = customer(slack, "Northwind Plumbing", credits=5)
    several = slack.command("/credits", "northwind", user=STAFF)
    assert several["text"].startswith("Several customers match “northwind”; which one?")
    assert set(choices(several)) == {"Northwind Traders", "Northwind Plumbing"}
    assert "#" + str(plumbing) in choices(several)["Northwind Plumbing"]["value"]
    shown = choose(slack, several, "Northwind Plumbing", STAFF)
    assert shown["replace_original"] is True
    assert "*Northwind Plumbing* — credits" in shown["text"]
    assert "*5* credits available" in shown["text"]


def test_charges_of_several_customers_are_picked_the_same_way(slack: Slack) -> None:
    customer(slack, "Harbour North")
    customer(slack, "Harbour South")
    several = slack.command("/billing", "harbour", user=STAFF)
    assert set(choices(several)) == {"Harbour North", "Harbour South"}
    shown = choose(slack, several, "Harbour South", STAFF)
    assert "Harbour South" in shown["text"] and "Several" not in shown["text"]


def test_a_plan_named_ambiguously_is_picked_and_the_command_runs_on_it(slack: Slack) -> None:
    slack.command("/plans", "clone Gold as Gold Plus", user=ADMIN)
    several = slack.command("/plans", "disable gol", user=ADMIN)
    assert several["text"].startswith("Several plans match “gol”; which one?")
    assert set(choices(several)) == {"Gold", "Gold Plus"}
    shown = choose(slack, several, "Gold Plus", ADMIN)
    assert "Gold Plus" in shown["text"] and "Several" not in shown["text"]
    with slack.shop.tx(write=False) as ctx:
        enabled = {p.name: p.enabled for p in plans.list_plans(ctx)}
    assert enabled["Gold Plus"] is False and enabled["Gold"] is True


def test_merge_names_picked_one_at_a_time_reach_the_preview(slack: Slack) -> None:
    first = customer(slack, "Lee Studio")
    second = customer(slack, "Lee Studio West")
    third = customer(slack, "Ann Lee Yoga")
    several = slack.command("/customers", f"merge lee into #{third}", user=MANAGER)
    assert set(choices(several)) == {"Lee Studio", "Lee Studio West", "Ann Lee Yoga"}
    assert f"merge #{second} into #{third}" in choices(several)["Lee Studio West"]["value"]
    preview = choose(slack, several, "Lee Studio West", MANAGER)
    assert f"Merge *Lee Studio West* (#{second}) into *Ann Lee Yoga* (#{third})?" in preview["text"]
    with slack.shop.tx(write=False) as ctx:  # a preview: nothing merged
        assert get_customer(ctx, first).company == "Lee Studio"
        assert get_customer(ctx, second).company == "Lee Studio West"


def test_the_picker_is_refused_to_whom_the_command_is_refused(slack: Slack) -> None:
    studio = customer(slack, "Lee Studio")
    customer(slack, "Lee Studio West")
    several = slack.command("/customers", "merge lee studio west into lee", user=MANAGER)
    # the words of the second name are replaced, not the same word at the start of the first
    assert choices(several)["Lee Studio"]["value"].endswith(f'"t": "merge lee studio west into #{studio}"}}')
    refused = choose(slack, several, "Lee Studio", STAFF)
    assert "admin or manager" in refused["text"]


def test_memberships_of_several_customers_are_picked_too(slack: Slack) -> None:
    customer(slack, "Harbour North")
    customer(slack, "Harbour South")
    several = slack.command("/membership", "list harbour", user=STAFF)
    assert set(choices(several)) == {"Harbour North", "Harbour South"}
    shown = choose(slack, several, "Harbour North", STAFF)
    assert "Harbour North" in shown["text"] and "Several" not in shown["text"]
