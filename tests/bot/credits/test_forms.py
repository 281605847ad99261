"""The redeem and transfer forms, and an expiry reminder's Redeem button, preview as the commands
do: the submission is checked and becomes a confirmation showing the preview (nothing written);
Confirm changes the ledger once however often it arrives, and says what was done; only credits
whose plan allows transfers are offered or moved."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

from bot.listeners.credits.ids import CreditsView
from bot.listeners.home.ids import QuickAction
from bot.notifications.ids import ReminderAction
from bot.standin import Posted
from core.credits import ledger
from core.credits.ledger import EntryView
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers import service as customers
from tests.bot.conftest import Slack, wait_until
from tests.conftest import STAFF
from tests.integration.credit_helpers import at, credit_plan, member

CHANNEL = "CFRONTDESK"  # where the driver types its commands


def members(slack: Slack) -> tuple[int, int, int]:
    """Anna holds Gold (4 transferable credits) and Silver (3 credits its plan keeps); Bruno holds
    Gold. Returns Anna, Bruno and Anna's Gold membership."""
    at(slack.shop, date(2025, 1, 15))
    gold = credit_plan(
        slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4), transferable=True)
    )
    silver = credit_plan(
        slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(3)), name="Silver"
    )
    with slack.shop.tx() as ctx:
        anna = customers.add_customer(ctx, customers.CustomerInput(company="Anna Yoga")).id
        bruno = customers.add_customer(ctx, customers.CustomerInput(company="Bruno Fitness")).id
    _, anna_gold = member(slack.shop, gold, date(2025, 1, 15), customer=anna)
    member(slack.shop, silver, date(2025, 1, 15), customer=anna)
    member(slack.shop, gold, date(2025, 1, 15), customer=bruno)
    return anna, bruno, anna_gold


def credits_of(slack: Slack, customer: int) -> Decimal:
    with slack.shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def entries(slack: Slack, customer: int, kind: str) -> list[EntryView]:
    with slack.shop.tx(write=False) as ctx:
        return [e for e in ledger.history(ctx, customer) if e.kind == kind]


def preview_text(view: dict[str, Any]) -> str:
    return "\n".join(str(b["text"]["text"]) for b in view["blocks"] if b["type"] == "section")


def told(slack: Slack, channel: str, user: str, count: int) -> list[Posted]:
    """The ephemeral replies to `user` in `channel`, once there are `count` of them."""

    def arrived() -> list[Posted]:
        found = [m for m in slack.standin.messages if m.channel == channel and m.ephemeral_to == user]
        return found if len(found) >= count else []

    found: list[Posted] = wait_until(arrived, what=f"{count} replies in {channel}")
    return found


def confirm_again(slack: Slack, confirmation: dict[str, Any]) -> dict[str, Any]:
    """The confirmation submitted a second time, as a double click or Slack's retry sends it."""
    slack.standin.modals[STAFF] = [copy.deepcopy(confirmation)]
    return slack.driver.submit(STAFF)


def test_the_redeem_form_previews_then_redeems_once_and_says_what_was_done(slack: Slack) -> None:
    anna, _, _ = members(slack)
    slack.open_modal("/credits", "redeem", user=STAFF, callback_id=CreditsView.REDEEM_FORM)
    answer = slack.driver.submit(STAFF, {"customer": str(anna), "quantity": "2"})
    assert answer["response_action"] == "update"
    confirmation = slack.standin.top_modal(STAFF)
    assert confirmation is not None and confirmation["callback_id"] == CreditsView.REDEEM_CONFIRM
    assert confirmation["submit"]["text"] == "Redeem" and confirmation["close"]["text"] == "Cancel"
    shown = preview_text(confirmation)
    assert shown.startswith("Redeem *2* credits from *Anna Yoga*?\n• 2 from credits expiring never")
    assert "_5 credits left afterwards._" in shown
    assert credits_of(slack, anna) == 7 and entries(slack, anna, "redeem") == []  # a preview writes nothing

    assert slack.driver.submit(STAFF) == {}  # Confirm closes the form
    (reply,) = told(slack, CHANNEL, STAFF, 1)
    assert reply.text.startswith(
        "Redeemed *2* credits from *Anna Yoga*; 5 left.\n• 2 from credits expiring never"
    )
    assert confirm_again(slack, confirmation) == {}
    again = told(slack, CHANNEL, STAFF, 2)[-1]
    assert again.text == reply.text  # the same request again is answered as the first was
    assert credits_of(slack, anna) == 5 and len(entries(slack, anna, "redeem")) == 1


def test_cancelling_the_confirmation_writes_nothing(slack: Slack) -> None:
    anna, _, _ = members(slack)
    slack.open_modal("/credits", "redeem", user=STAFF, callback_id=CreditsView.REDEEM_FORM)
    slack.driver.submit(STAFF, {"customer": str(anna), "quantity": "2"})
    slack.standin.modals[STAFF].clear()  # Cancel: Slack closes the modal and tells the app nothing
    assert credits_of(slack, anna) == 7 and entries(slack, anna, "redeem") == []


def test_a_bad_amount_is_a_field_error_and_nothing_is_written(slack: Slack) -> None:
    anna, _, _ = members(slack)
    slack.open_modal("/credits", "redeem", user=STAFF, callback_id=CreditsView.REDEEM_FORM)
    zero = slack.driver.submit(STAFF, {"customer": str(anna), "quantity": "0"})
    assert zero == {
        "response_action": "errors",
        "errors": {"quantity": "“0” is not a number of credits such as 2."},
    }
    too_many = slack.driver.submit(STAFF, {"customer": str(anna), "quantity": "9"})
    assert too_many["response_action"] == "errors"
    assert "Not enough credits: 7 credits can be used now, 9 asked" in too_many["errors"]["quantity"]
    nobody = slack.driver.submit(STAFF, {"quantity": "1"})
    assert nobody["errors"] == {"customer": "Choose the customer."}
    assert (slack.standin.top_modal(STAFF) or {})["callback_id"] == CreditsView.REDEEM_FORM  # kept as typed
    assert credits_of(slack, anna) == 7 and entries(slack, anna, "redeem") == []


def test_the_reminders_redeem_button_previews_and_confirms_the_same_way(slack: Slack) -> None:
    anna, _, _ = members(slack)
    reminder = Posted(STAFF, "2 credits expire soon", [], ts="1.000001")  # the reminder, in the app's DM
    slack.driver.click(ReminderAction.REDEEM, str(anna), user=STAFF, message=reminder)
    form = wait_until(
        lambda: (
            (slack.standin.top_modal(STAFF) or {}).get("callback_id") == CreditsView.REDEEM_FORM
            and slack.standin.top_modal(STAFF)
        ),
        what="the redeem form",
    )
    assert form["blocks"][0]["element"]["initial_option"]["value"] == str(anna)
    assert slack.driver.submit(STAFF, {"quantity": "3"})["response_action"] == "update"
    confirmation = slack.standin.top_modal(STAFF) or {}
    assert preview_text(confirmation).startswith("Redeem *3* credits from *Anna Yoga*?")
    assert credits_of(slack, anna) == 7
    assert slack.driver.submit(STAFF) == {}
    assert confirm_again(slack, confirmation) == {}
    replies = told(slack, STAFF, STAFF, 2)  # answered in the DM the reminder came in
    assert replies[0].text.startswith("Redeemed *3* credits from *Anna Yoga*; 4 left.")
    assert credits_of(slack, anna) == 4 and len(entries(slack, anna, "redeem")) == 1


def test_the_transfer_form_offers_and_moves_only_transferable_credits(slack: Slack) -> None:
    anna, bruno, anna_gold = members(slack)
    slack.open_modal("/credits", "transfer", user=STAFF, callback_id=CreditsView.TRANSFER_FORM)
    missing = slack.driver.submit(STAFF, {"customer": str(anna), "quantity": "1"})
    assert missing == {
        "response_action": "errors",
        "errors": {"to_customer": "Choose who receives the credits."},
    }

    asked = {"customer": str(anna), "to_customer": str(bruno)}
    refused = slack.driver.submit(STAFF, {**asked, "quantity": "6"})  # Anna has 7, only 4 may move
    assert refused == {
        "response_action": "errors",
        "errors": {
            "quantity": "Only 4 credits can be transferred (from active memberships whose plan allows "
            "transfers); 6 asked."
        },
    }
    assert slack.driver.submit(STAFF, {**asked, "quantity": "3"})["response_action"] == "update"
    confirmation = slack.standin.top_modal(STAFF) or {}
    assert confirmation["callback_id"] == CreditsView.TRANSFER_CONFIRM
    assert preview_text(confirmation) == (
        "Transfer *3* credits from *Anna Yoga* (4 transferable) to *Bruno Fitness*?\n"
        "• 3 from credits expiring never\n"
        "_3 other credits of Anna Yoga cannot be transferred: their plan does not allow it._"
    )
    assert entries(slack, anna, "transfer_out") == []

    assert slack.driver.submit(STAFF) == {}
    assert confirm_again(slack, confirmation) == {}
    done, again = told(slack, CHANNEL, STAFF, 2)
    assert done.text.startswith(
        "Transferred *3* credits from *Anna Yoga* to *Bruno Fitness*.\n"
        "*Anna Yoga* has 4 left; *Bruno Fitness* now has 7."
    )
    assert again.text == done.text  # the same request again is answered as the first was
    moved = entries(slack, anna, "transfer_out")
    assert len(moved) == 1 and moved[0].contract_id == anna_gold  # never Silver's credits
    assert (credits_of(slack, anna), credits_of(slack, bruno)) == (Decimal(4), Decimal(7))


def test_a_crafted_confirmation_for_credits_that_may_not_move_is_refused(slack: Slack) -> None:
    anna, bruno, _ = members(slack)
    slack.open_modal("/credits", "transfer", user=STAFF, callback_id=CreditsView.TRANSFER_FORM)
    slack.driver.submit(STAFF, {"customer": str(anna), "to_customer": str(bruno), "quantity": "1"})
    confirmation = copy.deepcopy(slack.standin.top_modal(STAFF) or {})
    crafted = confirmation["private_metadata"].replace('"quantity":"1"', '"quantity":"6"')
    assert crafted != confirmation["private_metadata"]
    slack.standin.modals[STAFF] = [{**confirmation, "private_metadata": crafted}]
    answer = slack.driver.submit(STAFF)
    assert answer["response_action"] == "update"
    assert "Only 4 credits can be transferred" in preview_text(answer["view"])
    assert entries(slack, anna, "transfer_out") == [] and credits_of(slack, anna) == 7


def test_the_transfer_command_offers_only_transferable_credits_too(slack: Slack) -> None:
    anna, _, _ = members(slack)
    preview = slack.command("/credits", "transfer 2 from anna to bruno", user=STAFF)["text"]
    assert "(4 transferable)" in preview and "3 other credits of Anna Yoga cannot be transferred" in preview
    refused = slack.command("/credits", "transfer 5 from anna to bruno", user=STAFF)["text"]
    assert "Only 4 credits can be transferred" in refused and "Confirm" not in refused
    assert credits_of(slack, anna) == 7


def test_from_the_home_the_outcome_comes_in_the_apps_dm(slack: Slack) -> None:
    anna, _, _ = members(slack)
    slack.driver.click(QuickAction.REDEEM, "", user=STAFF, home={"type": "home"})
    wait_until(
        lambda: (slack.standin.top_modal(STAFF) or {}).get("callback_id") == CreditsView.REDEEM_FORM,
        what="the redeem form",
    )
    assert slack.driver.submit(STAFF, {"customer": str(anna), "quantity": "1"})["response_action"] == "update"
    assert slack.driver.submit(STAFF) == {}
    (dm,) = wait_until(lambda: slack.standin.channel_messages(STAFF), what="the DM")
    assert dm.text.startswith("Redeemed *1* credit from *Anna Yoga*; 6 left.")
