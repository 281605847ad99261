"""The shortcuts through the real Bolt app, with signed requests and the Slack stand-in: the global
ones open their commands' forms (and meet their commands' refusals); the message ones find the
customer a message names — one, several (the picker) or none — and answer as the command does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.listeners.shortcuts.ids import Shortcut, ShortcutView
from bot.standin import Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer
from core.memberships import service as memberships
from core.plans import service as plans
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, NOBODY, SPECIALIST, STAFF
from tests.integration.credit_helpers import at

CHANNEL = "CFRONTDESK"


def customer(slack: Slack, company: str, credits: int = 0, contact: str = "") -> int:
    with slack.shop.tx() as ctx:
        made = add_customer(ctx, CustomerInput(company=company, contact=contact))
        if credits:
            ledger.grant(ctx, made.id, Unit.CREDIT, Decimal(credits), key=f"seed-{made.id}")
        return made.id


def modal(slack: Slack, user: str, callback_id: str) -> dict[str, Any]:
    def opened() -> dict[str, Any] | None:
        view = slack.standin.top_modal(user)
        return view if view and view.get("callback_id") == callback_id else None

    found: dict[str, Any] = wait_until(opened, what=f"the {callback_id} modal")
    return found


def run_global(slack: Slack, callback_id: str, user: str) -> None:
    http, _ = slack.driver.shortcut(callback_id, user=user)
    assert http.status_code == 200, http.text


def on_message(slack: Slack, callback_id: str, text: str, user: str) -> dict[str, Any]:
    """Run a message shortcut on a message saying `text`; the ephemeral answer it gets."""
    message = Posted(CHANNEL, text, [], ts="1733300000.000100")
    http, response_id = slack.driver.shortcut(callback_id, user=user, message=message)
    assert http.status_code == 200, http.text
    replies = wait_until(lambda: slack.standin.replies(response_id), what=f"the answer to {callback_id}")
    reply: dict[str, Any] = replies[-1]
    return reply


def text_of(view: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in view["blocks"] if b.get("type") == "section")


# --- global shortcuts ------------------------------------------------------------------------------


def test_sell_a_membership_opens_the_commands_sale_form_and_the_sale_is_told_in_the_dm(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    cafe = customer(slack, "Café Müller")
    run_global(slack, Shortcut.SELL, STAFF)
    view = modal(slack, STAFF, "membership_assign")
    command_view = slack.open_modal("/membership", "assign", user=ADMIN, callback_id="membership_assign")
    assert [b.get("block_id") for b in view["blocks"]] == [b.get("block_id") for b in command_view["blocks"]]
    with slack.shop.tx(write=False) as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
    answer = slack.driver.submit(STAFF, {"customer": str(cafe), "plan": str(gold.id)})
    assert answer == {}, answer  # the form closes
    told = wait_until(
        lambda: [m for m in slack.standin.messages if m.channel == STAFF and "Café Müller" in m.text],
        what="the seller told in the app's DM",
    )
    with slack.shop.tx(write=False) as ctx:
        (sold,) = memberships.memberships_of(ctx, cafe)
    assert sold.plan == "Gold" and sold.reference in told[-1].text


def test_sell_a_membership_refuses_who_may_not_sell_as_the_command_does(slack: Slack) -> None:
    refused = slack.command("/membership", "assign", user=SPECIALIST)["text"]
    assert refused.startswith("You need the")
    run_global(slack, Shortcut.SELL, SPECIALIST)
    view = modal(slack, SPECIALIST, "notice")
    assert text_of(view) == refused
    assert slack.standin.modal_stack(SPECIALIST) == [view]  # no sale form behind it


def test_add_a_customer_opens_the_customer_form_and_adds_one(slack: Slack) -> None:
    run_global(slack, Shortcut.ADD_CUSTOMER, STAFF)
    view = modal(slack, STAFF, "customer_add")
    assert view["title"]["text"] == "Add a customer"
    slack.driver.submit(STAFF, {"company": "Harbour Lights"})
    found = slack.command("/customers", "harbour", user=STAFF)["text"]
    assert "Harbour Lights" in found


def test_add_a_customer_refused_to_someone_without_a_role(slack: Slack) -> None:
    run_global(slack, Shortcut.ADD_CUSTOMER, NOBODY)
    view = modal(slack, NOBODY, "notice")
    assert text_of(view).startswith("You need the")


def test_check_credits_asks_for_the_customer_and_shows_what_credits_shows(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    cafe = customer(slack, "Café Müller", credits=4)
    run_global(slack, Shortcut.CHECK_CREDITS, STAFF)
    modal(slack, STAFF, ShortcutView.CHECK_CREDITS)
    assert [o["text"]["text"] for o in slack.driver.suggest(STAFF, "customer", "müller")] == ["Café Müller"]
    empty = slack.driver.submit(STAFF, {"customer": None})
    assert empty["response_action"] == "errors" and "customer" in empty["errors"]
    answer = slack.driver.submit(STAFF, {"customer": str(cafe)})
    assert answer["response_action"] == "update"
    command = slack.command("/credits", "café müller", user=STAFF)
    assert text_of(answer["view"]) == command["text"]
    assert "*4* credits available" in text_of(answer["view"])


def test_check_credits_refused_to_someone_without_a_role(slack: Slack) -> None:
    run_global(slack, Shortcut.CHECK_CREDITS, NOBODY)
    view = modal(slack, NOBODY, "notice")
    assert text_of(view).startswith("You need the")


# --- message shortcuts -----------------------------------------------------------------------------


def test_credits_of_the_customer_a_message_names(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    customer(slack, "Café Müller", credits=3)
    customer(slack, "Müller Plumbing", credits=9)
    reply = on_message(slack, Shortcut.MESSAGE_CREDITS, "Anna from cafe muller called, can she book?", STAFF)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == slack.command("/credits", "café müller", user=STAFF)["text"]
    assert "*3* credits available" in reply["text"]


def test_a_message_naming_a_customer_by_number(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    customer(slack, "Northwind Traders", credits=1)
    plumbing = customer(slack, "Northwind Plumbing", credits=6)
    reply = on_message(slack, Shortcut.MESSAGE_CREDITS, f"ticket for #{plumbing}: leaking tap", STAFF)
    assert "*Northwind Plumbing*" in reply["text"] and "*6* credits available" in reply["text"]


def test_a_message_naming_several_offers_the_picker_and_the_choice_answers(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    customer(slack, "Northwind Traders", credits=2)
    customer(slack, "Harbour Lights", credits=5)
    reply = on_message(
        slack, Shortcut.MESSAGE_CREDITS, "Northwind Traders & Harbour Lights both asked", STAFF
    )
    assert reply["text"].startswith("Several customers match")
    buttons = {
        b["text"]["text"].removeprefix("• "): b["accessory"]
        for b in reply["blocks"]
        if b.get("accessory", {}).get("action_id", "").startswith("pick:")
    }
    assert set(buttons) == {"Northwind Traders", "Harbour Lights"}
    button = buttons["Harbour Lights"]
    shown_at = Posted(CHANNEL, reply["text"], reply["blocks"], ephemeral_to=STAFF, ts="1.000002")
    _, response_id = slack.driver.click(button["action_id"], button["value"], user=STAFF, message=shown_at)
    chosen = wait_until(lambda: slack.standin.replies(response_id), what="the chosen one's credits")[-1]
    assert "*Harbour Lights*" in chosen["text"] and "*5* credits available" in chosen["text"]


def test_a_message_naming_no_customer_says_so_and_how_to_add_one(slack: Slack) -> None:
    customer(slack, "Café Müller")
    reply = on_message(slack, Shortcut.MESSAGE_CREDITS, "Lunch at noon?", STAFF)
    assert reply["text"].startswith("This message names no customer (“Lunch at noon?”)")
    assert "`/customers add`" in reply["text"]


def test_sell_to_the_customer_a_message_names_opens_the_form_with_them(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    customer(slack, "Café Central")
    cafe = customer(slack, "Café Müller")
    message = Posted(CHANNEL, "Café Müller wants Gold from March", [], ts="1733300000.000200")
    http, _ = slack.driver.shortcut(Shortcut.MESSAGE_SELL, user=STAFF, message=message)
    assert http.status_code == 200
    view = modal(slack, STAFF, "membership_assign")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["customer"]["element"]["initial_option"]["value"] == str(cafe)
    assert "initial_option" not in blocks["plan"]["element"]  # the message's words are not a plan


def test_sell_to_a_customer_named_several_times_picks_then_opens_the_form(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    north = customer(slack, "Northwind Traders")
    customer(slack, "Harbour Lights")
    reply = on_message(slack, Shortcut.MESSAGE_SELL, "Northwind Traders or Harbour Lights?", STAFF)
    button = next(
        b["accessory"] for b in reply["blocks"] if b.get("accessory") and "Northwind" in b["text"]["text"]
    )
    shown_at = Posted(CHANNEL, reply["text"], reply["blocks"], ephemeral_to=STAFF, ts="1.000003")
    slack.driver.click(button["action_id"], button["value"], user=STAFF, message=shown_at)
    view = modal(slack, STAFF, "membership_assign")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["customer"]["element"]["initial_option"]["value"] == str(north)


def test_sell_to_this_customer_refuses_who_may_not_sell(slack: Slack) -> None:
    customer(slack, "Café Müller")
    refused = slack.command("/membership", "assign café müller", user=SPECIALIST)["text"]
    reply = on_message(slack, Shortcut.MESSAGE_SELL, "Café Müller wants Gold", SPECIALIST)
    assert reply["text"] == refused and refused.startswith("You need the")
    assert slack.standin.top_modal(SPECIALIST) is None


def test_a_message_shortcut_refused_to_someone_without_a_role_finds_no_one(slack: Slack) -> None:
    customer(slack, "Café Müller", credits=2)
    reply = on_message(slack, Shortcut.MESSAGE_CREDITS, "Café Müller", NOBODY)
    assert reply["text"].startswith("You need the") and "credits available" not in reply["text"]


def test_a_shortcut_sent_twice_opens_one_form(slack: Slack) -> None:
    run_global(slack, Shortcut.ADD_CUSTOMER, STAFF)
    modal(slack, STAFF, "customer_add")
    assert slack.driver.resend(retry=1).status_code == 200
    assert len(slack.standin.modal_stack(STAFF)) == 1
