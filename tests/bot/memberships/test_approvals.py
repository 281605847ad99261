"""Selling a membership in Slack and approving it in chat."""

from __future__ import annotations

from datetime import date

from bot.listeners.memberships.ids import MembershipAction
from bot.standin import Posted
from core.customers.service import CustomerInput, add_customer
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, MANAGER, STAFF
from tests.integration.credit_helpers import at

CHANNEL = "CFRONTDESK"


def sell(slack: Slack, text: str = "cafe muller gold from Sat 1 Feb 2025", user: str = STAFF) -> Posted:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Café Müller", contact="Anna"))
    reply = slack.command("/membership", f"assign {text}", user=user)
    assert "is waiting for a manager's approval" in reply["text"], reply["text"]
    posted = wait_until(lambda: slack.standin.channel_messages(CHANNEL), what="the approval request")
    message = posted[-1]
    assert isinstance(message, Posted)
    return message


def status(slack: Slack, contract_id: int) -> Status:
    with slack.shop.tx(write=False) as ctx:
        return memberships.get(ctx, contract_id).status


def press(slack: Slack, message: Posted, user: str, value: str | None = None) -> list[dict[str, object]]:
    """Press Approve (the button's value, or `value` once the button is gone) and wait for the answer."""
    value = value or message.blocks[1]["elements"][0]["value"]
    http, response_id = slack.driver.click(MembershipAction.APPROVE, str(value), user=user, message=message)
    assert http.status_code == 200
    replies = wait_until(lambda: slack.standin.replies(response_id), what="an answer to the click")
    assert isinstance(replies, list)
    return replies


def test_a_sale_posts_an_approval_request_with_the_terms_and_a_button(slack: Slack) -> None:
    message = sell(slack)
    assert "*New membership M-" in message.text and "*Café Müller (Anna)*" in message.text
    assert f"sold by <@{STAFF}>" in message.text
    assert "Gold — $49.00 monthly, Sat 1 Feb 2025 to Sat 31 Jan 2026" in message.text
    button = message.blocks[1]["elements"][0]
    assert (button["action_id"], button["style"]) == (MembershipAction.APPROVE, "primary")
    assert status(slack, int(button["value"])) is Status.PENDING


def test_a_manager_approves_the_message_updates_and_the_seller_is_told(slack: Slack) -> None:
    message = sell(slack)
    contract = int(message.blocks[1]["elements"][0]["value"])
    http, _ = slack.driver.click(MembershipAction.APPROVE, str(contract), user=MANAGER, message=message)
    assert http.status_code == 200
    wait_until(lambda: "Approved by" in message.text, what="the message to be updated")
    assert f"Approved by <@{MANAGER}>. It is now *scheduled*." in message.text
    assert all(b["type"] != "actions" for b in message.blocks)  # no buttons left to press
    told = wait_until(
        lambda: [m for m in slack.standin.messages if m.ephemeral_to == STAFF], what="the seller to be told"
    )
    assert "was approved by" in told[-1].text
    assert status(slack, contract) is Status.SCHEDULED


def test_staff_cannot_approve_and_nothing_changes(slack: Slack) -> None:
    message = sell(slack)
    contract = int(message.blocks[1]["elements"][0]["value"])
    refusal = press(slack, message, STAFF)
    assert "You need the admin or manager role" in str(refusal[-1]["text"])
    assert refusal[-1]["response_type"] == "ephemeral"
    assert status(slack, contract) is Status.PENDING and "Approved" not in message.text


def test_nobody_approves_their_own_sale_in_chat(slack: Slack) -> None:
    message = sell(slack, user=MANAGER)
    refusal = press(slack, message, MANAGER)
    assert "Nobody approves their own sale" in str(refusal[-1]["text"])


def test_pressing_twice_decides_once(slack: Slack) -> None:
    message = sell(slack)
    contract = int(message.blocks[1]["elements"][0]["value"])
    slack.driver.click(MembershipAction.APPROVE, str(contract), user=MANAGER, message=message)
    wait_until(lambda: "Approved by" in message.text, what="the first approval")
    second = press(slack, message, ADMIN, value=str(contract))  # a second, stale copy of the button
    assert "it cannot approve from that state" in str(second[-1]["text"])
    with slack.shop.tx(write=False) as ctx:
        approvals = [e for e in memberships.history(ctx, contract) if e.action == "approve"]
    assert len(approvals) == 1 and approvals[0].actor == MANAGER


def test_bad_dates_unknown_plans_and_rejection(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin Spa"))
    bad_date = slack.command("/membership", "assign blue fin gold from someday", user=STAFF)["text"]
    assert "“someday” is not a date I understand; try 2025-03-01" in bad_date
    reversed_dates = slack.command(
        "/membership", "assign blue fin gold from 2025-03-01 to 2025-02-01", user=STAFF
    )
    assert "is before the start date" in reversed_dates["text"]
    assert slack.standin.channel_messages(CHANNEL) == []  # nothing was sold, nothing was posted
    message = sell(slack, "blue fin gold")
    reference = message.text.split("*New membership ", 1)[1].split("*", 1)[0]
    rejected = slack.command("/membership", f"reject {reference} Wrong plan", user=MANAGER)["text"]
    assert f"{reference} was rejected: Wrong plan." == rejected
    assert "`/membership assign" in slack.command("/membership", "", user=STAFF)["text"]
