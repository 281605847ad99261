"""/credits transfer, grant, history and export (the forms: test_forms.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.listeners.credits.ids import CreditsAction
from bot.standin import Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers import service as customers
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, STAFF
from tests.integration.credit_helpers import at, credit_plan, member


def two_members(slack: Slack) -> tuple[int, int]:
    """Anna and Bruno each hold Gold with 4 transferable credits."""
    at(slack.shop, date(2025, 1, 15))
    gold = credit_plan(
        slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4), transferable=True)
    )
    with slack.shop.tx() as ctx:
        anna = customers.add_customer(ctx, customers.CustomerInput(company="Anna Yoga")).id
        bruno = customers.add_customer(ctx, customers.CustomerInput(company="Bruno Fitness")).id
    member(slack.shop, gold, date(2025, 1, 15), customer=anna)
    member(slack.shop, gold, date(2025, 1, 15), customer=bruno)
    return anna, bruno


def credits_of(slack: Slack, customer: int) -> Decimal:
    with slack.shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def press(slack: Slack, preview: dict[str, object], action_id: str, user: str) -> str:
    blocks = preview["blocks"]
    assert isinstance(blocks, list)
    button = blocks[-1]["elements"][0]
    assert button["action_id"] == action_id
    message = Posted("CFRONTDESK", str(preview["text"]), blocks, ephemeral_to=user, ts="1.000001")
    http, response_id = slack.driver.click(action_id, button["value"], user=user, message=message)
    assert http.status_code == 200
    return str(wait_until(lambda: slack.standin.replies(response_id), what="the answer")[-1]["text"])


def test_transfer_is_previewed_and_confirming_twice_moves_credits_once(slack: Slack) -> None:
    anna, bruno = two_members(slack)
    preview = slack.command("/credits", "transfer 3 from anna to bruno", user=STAFF)
    assert "Transfer *3* credits from *Anna Yoga* (4 transferable) to *Bruno Fitness*?" in preview["text"]
    assert "• 3 from credits expiring never" in preview["text"]
    assert credits_of(slack, anna) == 4  # nothing moves before confirmation
    done = press(slack, preview, CreditsAction.CONFIRM_TRANSFER, STAFF)
    assert "Transferred *3* credits" in done and "*Anna Yoga* has 1 left; *Bruno Fitness* now has 7." in done
    assert "already done" in press(slack, preview, CreditsAction.CONFIRM_TRANSFER, STAFF)
    assert (credits_of(slack, anna), credits_of(slack, bruno)) == (Decimal(1), Decimal(7))


def test_transfer_mistakes_are_explained(slack: Slack) -> None:
    two_members(slack)
    assert (
        "`/credits transfer 2 from" in slack.command("/credits", "transfer 3 anna bruno", user=STAFF)["text"]
    )
    assert (
        "“three” is not a number of credits"
        in slack.command("/credits", "transfer three from anna to bruno", user=STAFF)["text"]
    )
    assert (
        "to another customer" in slack.command("/credits", "transfer 1 from anna to anna", user=STAFF)["text"]
    )
    assert (
        "No customer matches “Zed”"
        in slack.command("/credits", "transfer 1 from anna to Zed", user=STAFF)["text"]
    )


def test_a_manual_grant_is_for_admins_with_a_reason_and_an_expiry(slack: Slack) -> None:
    anna, _ = two_members(slack)
    refused = slack.command("/credits", "grant anna 2 goodwill", user=STAFF)["text"]
    assert "admin role" in refused
    preview = slack.command("/credits", "grant anna 2 expires 1 Mar 2025 missed class", user=ADMIN)
    assert "Grant *2* credits to *Anna Yoga*, usable until Sat 1 Mar 2025: missed class?" in preview["text"]
    assert "now has 6 credits" in press(slack, preview, CreditsAction.CONFIRM_GRANT, ADMIN)
    assert "already done" in press(slack, preview, CreditsAction.CONFIRM_GRANT, ADMIN)
    with slack.shop.tx(write=False) as ctx:
        granted = [e for e in ledger.history(ctx, anna) if e.reason == "missed class"]
    assert len(granted) == 1 and granted[0].actor == ADMIN
    past = slack.command("/credits", "grant anna 2 expires 1 Jan 2025 too late", user=ADMIN)
    assert "`/credits grant" not in past["text"]
    assert "is not in the future" in press(slack, past, CreditsAction.CONFIRM_GRANT, ADMIN)


def test_history_lists_the_ledger_and_export_uploads_the_excel_report(slack: Slack) -> None:
    two_members(slack)
    history = slack.command("/credits", "history anna", user=STAFF)["text"]
    assert "*Credit history of Anna Yoga*" in history and "*+4*" in history
    said = slack.command("/credits", "export anna", user=STAFF)["text"]
    assert "in your direct messages" in said
    uploaded = wait_until(
        lambda: [f for f in slack.standin.files.values() if f["channel"]], what="the upload"
    )
    assert uploaded[0]["name"].startswith("credits-anna-yoga-") and uploaded[0]["name"].endswith(".xlsx")
    assert (
        uploaded[0]["content"][:2] == b"PK" and uploaded[0]["channel"] == f"D{STAFF}"
    )  # to whoever asked, not the channel
