"""/checkout over real HTTP: the README's `/checkout Café Müller Massage 60` on a fresh sandbox
(the catalogue's price, with or without the colon); a line with no price anywhere and a disabled
service are refused by their line and nothing is written; a prepaid card is sold from the common
pool, shows in /credits and the Excel export, and pays the next invoice; and the preview says why
account credit pays nothing."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from bot.listeners.checkout.ids import CheckoutAction
from cli.demo import seed_sandbox
from core.catalog import locations, services
from core.credits import grants as credit_grants
from core.credits import ledger
from core.credits.terms import CreditKind, CreditTerms
from tests.bot.checkout.test_checkout_command import WHO, buttons, press
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, MANAGER, STAFF
from tests.integration.checkout.test_service import counter, rows
from tests.integration.credit_helpers import D, at, credit_plan, member


def test_the_readme_example_works_on_a_fresh_sandbox(slack: Slack) -> None:
    with slack.shop.tx(ADMIN) as ctx:
        seed_sandbox(ctx, STAFF, MANAGER)
    for typed in ("Café Müller Massage 60", "Café Müller: Massage 60", "cafe muller: 2 x massage 60"):
        reply = slack.command("/checkout", typed, user=STAFF)
        text = str(reply["text"])
        assert "— Café Müller (Anna Müller) at Downtown" in text, text
        assert "x Massage 60* at $110.00" in text  # Downtown's own price, not the list price 100.00
        assert buttons(reply, CheckoutAction.POST)
    posted = press(slack, slack.command("/checkout", "Café Müller Candle", user=STAFF), CheckoutAction.POST)
    assert "Posted *INV-" in str(posted["text"])  # the list price 12.00 was posted as previewed


def test_a_line_without_a_price_anywhere_or_a_disabled_service_is_refused_and_nothing_is_written(
    slack: Slack,
) -> None:
    c = counter(slack.shop)  # Facial has no price; Massage 60 none either
    before = rows(slack.shop)
    reply = slack.command("/checkout", f"{WHO}: 1 x Massage 60 @ 100, Facial", user=STAFF)
    assert "Line 2: Facial has no price here nor in the catalogue: give its price." in str(reply["text"])
    assert not buttons(reply, CheckoutAction.POST)
    with slack.shop.tx() as ctx:
        services.set_service_active(ctx, c.massage, False)
    reply = slack.command("/checkout", f"{WHO}: 1 x Facial @ 80, 2 x Massage 60 @ 100", user=STAFF)
    text = str(reply["text"])
    assert "Line 2: Massage 60 is disabled in the catalogue: it cannot be sold." in text
    assert "Line 1" not in text and not buttons(reply, CheckoutAction.POST)
    assert rows(slack.shop) == before


def test_a_preview_posted_after_the_service_was_disabled_posts_nothing(slack: Slack) -> None:
    c = counter(slack.shop)
    reply = slack.command("/checkout", f"{WHO}: 1 x Massage 60 @ 100", user=STAFF)
    with slack.shop.tx() as ctx:
        services.set_service_active(ctx, c.massage, False)
    before = rows(slack.shop)
    said = str(press(slack, reply, CheckoutAction.POST)["text"])
    assert "Line 1: Massage 60 is disabled in the catalogue: it cannot be sold." in said
    assert rows(slack.shop) == before


def john(slack: Slack) -> None:
    """75.00 a month of common-pool credit from 1 January to 30 April 2024: 300.00."""
    shop = slack.shop
    at(shop, date(2024, 1, 1))
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.MONETARY, per_period=D("75.00")))
    member(shop, plan, date(2024, 1, 1))
    for day in (date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1), date(2024, 4, 30)):
        at(shop, day)
        with shop.tx() as ctx:
            ledger.expire_due(ctx)
            credit_grants.grant_due(ctx)
    with shop.tx() as ctx:
        services.create_service(ctx, services.ServiceInput("Massage 60", price="100"))
        locations.add_location(ctx, "Downtown")


def test_a_prepaid_card_bought_from_the_common_pool_shows_in_credits_and_pays_the_next_invoice(
    slack: Slack,
) -> None:
    john(slack)
    who = "Customer 2024-01-01"
    preview = slack.command("/checkout", f"{who}: prepaid card @ 225", user=STAFF)
    text = str(preview["text"])
    assert "*1. 1 x Prepaid card* at $225.00 = $225.00" in text
    assert "common pool" in text and "*due $0.00*" in text
    posted = str(press(slack, preview, CheckoutAction.POST)["text"])
    assert "Prepaid card *PC-" in posted and ": $225.00" in posted
    number = posted.split("Prepaid card *")[1].split("*")[0]
    reference = posted.split("Posted *")[1].split("*")[0]
    balance = str(slack.command("/credits", who, user=STAFF)["text"])
    card = f"*225.00* of monetary credit available for services and products, on prepaid card {number}"
    assert card in balance
    assert "*75.00* of monetary credit available for services, products or prepaid cards" in balance

    visit = slack.command("/checkout", f"{who}: Massage 60", user=STAFF)
    text = str(visit["text"])
    assert "- $75.00 monetary credit:" in text and f"- $25.00 prepaid card: {number} (lot #" in text
    assert "*due $0.00*" in text
    assert "Posted *" in str(press(slack, visit, CheckoutAction.POST)["text"])
    shown = str(slack.command("/checkout", f"show {reference}", user=STAFF)["text"])
    assert f"Prepaid card *{number}*: $225.00, $200.00 left" in shown

    assert "in your direct messages" in str(slack.command("/credits", f"export {who}", user=STAFF)["text"])
    uploaded = wait_until(
        lambda: [f for f in slack.standin.files.values() if f["channel"]], what="the upload"
    )
    sheet = load_workbook(io.BytesIO(uploaded[0]["content"]))["Prepaid cards"]
    assert [cell.value for cell in sheet[2]][::2] == [number, 225]
    assert [cell.value for cell in sheet[2]][3] == 200


def test_the_preview_says_why_account_credit_pays_nothing(slack: Slack) -> None:
    c = counter(slack.shop)
    reply = slack.command("/checkout", f"{WHO}: 1 x lotion @ 100", user=STAFF)
    text = str(reply["text"])
    assert (
        f"Note: Account credit 30.00 not usable: M-{c.silver} Silver's services share pays only for services."
        in text
    )
    kept = press(slack, reply, CheckoutAction.MONEY)
    assert f"Account credit 80.00 not usable: M-{c.silver} Silver, the member keeps it for later." in str(
        kept["text"]
    )
