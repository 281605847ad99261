"""/credits redeem: a preview of the lots, a Confirm button, and one redemption however often pressed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.listeners.credits.ids import CreditsAction
from bot.standin import Posted
from core.catalog import services
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer
from tests.bot.conftest import Slack, wait_until
from tests.conftest import SPECIALIST, STAFF
from tests.integration.credit_helpers import at


def seeded(slack: Slack) -> int:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        c = add_customer(ctx, CustomerInput(company="Café Müller", contact="Anna"))
        services.add_service(ctx, "Yoga class", "classes", 60)
        now = ctx.now()
        ledger.grant(ctx, c.id, Unit.CREDIT, Decimal(2), key="soon", expires_at=now + timedelta(days=10))
        ledger.grant(ctx, c.id, Unit.CREDIT, Decimal(5), key="never")
        return c.id


def confirm(slack: Slack, preview: dict[str, object], user: str) -> str:
    blocks = preview["blocks"]
    assert isinstance(blocks, list)
    button = blocks[-1]["elements"][0]
    assert button["action_id"] == CreditsAction.CONFIRM_REDEEM
    message = Posted("CFRONTDESK", str(preview["text"]), blocks, ephemeral_to=user, ts="1.000001")
    http, response_id = slack.driver.click(
        CreditsAction.CONFIRM_REDEEM, button["value"], user=user, message=message
    )
    assert http.status_code == 200
    replies = wait_until(lambda: slack.standin.replies(response_id), what="the redemption's answer")
    return str(replies[-1]["text"])


def test_preview_then_confirm_redeems_once_even_when_pressed_twice(slack: Slack) -> None:
    customer = seeded(slack)
    preview = slack.command("/credits", "redeem cafe muller 3 for yoga class", user=STAFF)
    assert "Redeem *3* credits for Yoga class from *Café Müller (Anna)*?" in str(preview["text"])
    assert "• 2 from credits expiring after Sat 25 Jan 2025" in str(preview["text"])
    assert "• 1 from credits expiring never" in str(preview["text"])
    with slack.shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == Decimal(7)  # a preview writes nothing
    assert "_4 credits left afterwards._" in str(preview["text"])
    assert confirm(slack, preview, STAFF) == (
        "Redeemed *3* credits from *Café Müller (Anna)*; 4 left.\n"
        "• 2 from credits expiring after Sat 25 Jan 2025\n"
        "• 1 from credits expiring never"
    )
    again = confirm(slack, preview, STAFF)
    assert "; 4 left. (already done: this request was sent twice)" in again
    with slack.shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).used == {Unit.CREDIT: Decimal(3)}


def test_bad_requests_are_explained(slack: Slack) -> None:
    seeded(slack)
    assert "Say who and how many" in str(slack.command("/credits", "redeem cafe muller", user=STAFF)["text"])
    assert "There is no service named “pilates”" in str(
        slack.command("/credits", "redeem cafe muller 1 for pilates", user=STAFF)["text"]
    )
    assert "Not enough credits: 7 credits can be used now, 9 asked" in str(
        slack.command("/credits", "redeem cafe muller 9", user=STAFF)["text"]
    )
    assert "No customer matches" in str(slack.command("/credits", "redeem nobody 1", user=STAFF)["text"])


def test_a_specialist_may_preview_but_not_redeem(slack: Slack) -> None:
    customer = seeded(slack)
    preview = slack.command("/credits", "redeem cafe muller 1", user=SPECIALIST)
    assert "You need the admin, manager or staff role" in confirm(slack, preview, SPECIALIST)
    with slack.shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == Decimal(7)
