"""/credits end to end: signed HTTP requests to the running bot, replies through the stand-in."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import httpx

from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer
from tests.bot.conftest import SECRET, Slack
from tests.conftest import STAFF
from tests.integration.credit_helpers import at


def customer(slack: Slack, company: str, contact: str = "", credits: int = 0) -> int:
    with slack.shop.tx() as ctx:
        c = add_customer(ctx, CustomerInput(company=company, contact=contact))
        if credits:
            ledger.grant(ctx, c.id, Unit.CREDIT, Decimal(credits), key=f"seed-{c.id}")
        return c.id


def test_the_balance_of_a_customer_found_by_part_of_a_name(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    customer(slack, "Café Müller", "Anna", credits=5)
    reply = slack.command("/credits", "cafe mul", user=STAFF)
    assert reply["response_type"] == "ephemeral"
    assert "*Café Müller (Anna)* — credits" in reply["text"]
    assert "*5* credits available for any service" in reply["text"]
    assert reply["blocks"][0]["type"] == "section"


def test_help_and_an_empty_command_explain_the_command(slack: Slack) -> None:
    for text in ("", "help"):
        assert "`/credits <customer>`" in slack.command("/credits", text)["text"]


def test_an_unknown_customer_is_quoted_back_escaped(slack: Slack) -> None:
    reply = slack.command("/credits", "<!channel> *nobody*")
    assert reply["text"].startswith("No customer matches “&lt;!channel&gt; ")
    assert "<!channel>" not in reply["text"] and "*nobody*" not in reply["text"]  # no mention, no bold


def test_several_matches_ask_which_one(slack: Slack) -> None:
    customer(slack, "Northwind Traders")
    customer(slack, "Northwind Plumbing")
    reply = slack.command("/credits", "northwind")
    assert "Several customers match" in reply["text"]
    assert "Northwind Plumbing" in reply["text"] and "Northwind Traders" in reply["text"]


def test_someone_without_a_role_is_told_and_nothing_is_shown(slack: Slack) -> None:
    customer(slack, "Secret Spa", credits=3)
    reply = slack.command("/credits", "secret spa", user="UOUTSIDER")
    assert "You need the" in reply["text"] and "Secret Spa" not in reply["text"]


def test_a_forged_signature_is_refused_with_401(slack: Slack) -> None:
    http, response_id = slack.driver.slash("/credits", "help", user=STAFF, secret="not-the-secret")
    assert http.status_code == 401
    stale, _ = slack.driver.slash("/credits", "help", user=STAFF, timestamp=int(time.time()) - 600)
    assert stale.status_code == 401
    assert slack.standin.replies(response_id) == []


def test_healthz_checks_the_database(slack: Slack) -> None:
    health = httpx.get(f"{slack.driver.bot_url}/healthz", timeout=5)
    assert health.status_code == 200 and health.json() == {"ok": True}
    assert SECRET  # the bot and the driver share the signing secret; a wrong one is refused above
