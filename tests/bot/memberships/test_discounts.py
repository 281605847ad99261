"""/membership discounts through the real Bolt app: the form shows a sold membership's discounts,
a manager's new amount applies at once (logged with its reason) and /checkout then uses it; a
missing reason is a field error, staff's change is posted for a manager, and someone who may not
sell cannot open the form."""

from __future__ import annotations

from decimal import Decimal

from bot.listeners.approvals.ids import ApprovalAction
from core.checkout import service as checkout
from core.checkout.benefits import Kind
from core.memberships import service as memberships
from tests.bot.approvals.test_approval_policies import click
from tests.bot.conftest import Slack, wait_until
from tests.bot.memberships.test_approvals import CHANNEL
from tests.conftest import MANAGER, SPECIALIST, STAFF
from tests.integration.checkout.test_service import Counter, counter, invoice


def lotion_discount(slack: Slack, c: Counter) -> Decimal:
    with slack.shop.tx(STAFF) as ctx:
        result = checkout.preview(ctx, invoice(c))
    return sum((a.amount for a in result.lines[1].applied if a.kind is Kind.DISCOUNT), Decimal(0))


def told(slack: Slack, user: str) -> str:
    said = wait_until(lambda: [m for m in slack.standin.messages if m.ephemeral_to == user], what="the reply")
    return str(said[-1].text)


def test_a_manager_adjusts_an_amount_with_a_reason_and_checkout_uses_it(slack: Slack) -> None:
    c = counter(slack.shop)
    view = slack.open_modal(
        "/membership", f"discounts M-{c.gold}", user=MANAGER, callback_id="membership_discounts"
    )
    fields = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(fields) == [f"discount_{c.services_20}", f"discount_{c.products_10}", "reason"]
    assert fields[f"discount_{c.products_10}"]["element"]["initial_value"] == "10"
    assert fields[f"discount_{c.products_10}"]["label"]["text"].startswith(
        f"#{c.products_10}: 10% off every product"
    )
    missing = slack.driver.submit(MANAGER, {f"discount_{c.products_10}": "25"})
    assert missing["response_action"] == "errors" and "reason" in missing["errors"]
    wrong = slack.driver.submit(MANAGER, {f"discount_{c.products_10}": "250", "reason": "loyalty"})
    assert "at most 100" in wrong["errors"][f"discount_{c.products_10}"]
    assert lotion_discount(slack, c) == Decimal("5.00")  # nothing written
    assert slack.driver.submit(MANAGER, {f"discount_{c.products_10}": "25", "reason": "loyalty"}) == {}
    assert "25% off every product" in told(slack, MANAGER)
    assert lotion_discount(slack, c) == Decimal("12.50")
    with slack.shop.tx(write=False) as ctx:
        last = memberships.history(ctx, c.gold)[-1]
    assert (last.action, last.actor) == ("discounts", MANAGER)
    assert last.reason.endswith("10% -> 25%. loyalty")


def test_staff_s_change_waits_for_a_manager(slack: Slack) -> None:
    c = counter(slack.shop)
    view = slack.open_modal(
        "/membership", f"discounts {c.gold}", user=STAFF, callback_id="membership_discounts"
    )
    assert view["submit"]["text"] == "Send for approval"
    assert slack.driver.submit(STAFF, {f"discount_{c.products_10}": "15", "reason": "price match"}) == {}
    posted = wait_until(
        lambda: [m for m in slack.standin.channel_messages(CHANNEL) if "Adjust the discounts" in m.text],
        what="the request for approval",
    )
    assert "A-" in told(slack, STAFF)
    assert lotion_discount(slack, c) == Decimal("5.00")
    click(slack, posted[-1], ApprovalAction.APPROVE, MANAGER)
    wait_until(lambda: "was approved by" in posted[-1].text, what="the request to be approved")
    assert lotion_discount(slack, c) == Decimal("7.50")


def test_someone_who_may_not_sell_cannot_open_the_form(slack: Slack) -> None:
    c = counter(slack.shop)
    view = slack.open_modal("/membership", f"discounts M-{c.gold}", user=SPECIALIST, callback_id="notice")
    assert "role" in view["blocks"][0]["text"]["text"]
    assert "/membership discounts M-<number>" in slack.command("/membership", "help")["text"]
