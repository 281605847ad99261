"""Approval policies in chat: a big grant and a freeze wait for a second person."""

from __future__ import annotations

from decimal import Decimal

from bot.listeners.approvals.ids import ApprovalAction
from bot.listeners.credits.ids import CreditsAction
from bot.standin import Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.workspace.tenants import update_settings
from tests.bot.conftest import Slack, wait_until
from tests.bot.credits.test_credit_commands import press, two_members
from tests.conftest import ADMIN, MANAGER, STAFF

CHANNEL = "CFRONTDESK"


def request_in(slack: Slack, channel: str = CHANNEL) -> Posted:
    posted = wait_until(
        lambda: [m for m in slack.standin.channel_messages(channel) if m.text.startswith("*A-")],
        what="the approval request",
    )
    message = posted[-1]
    assert isinstance(message, Posted)
    return message


def click(slack: Slack, message: Posted, action_id: str, user: str, value: str = "") -> str:
    """Press a button of the message (`value`: a stale copy of one no longer shown)."""
    value = value or next(e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    http, response_id = slack.driver.click(action_id, value, user=user, message=message)
    assert http.status_code == 200
    return response_id


def test_a_grant_above_the_threshold_waits_for_a_manager(slack: Slack) -> None:
    anna, _ = two_members(slack)
    with slack.shop.tx(ADMIN) as ctx:
        update_settings(ctx, approve_grants_above=Decimal(10))
    preview = slack.command("/credits", "grant anna 25 loyalty", user=ADMIN)
    assert "waits for a manager's approval" in press(slack, preview, CreditsAction.CONFIRM_GRANT, ADMIN)
    message = request_in(slack)
    assert "Grant 25 credits to Anna Yoga: loyalty" in message.text
    with slack.shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, anna).total(Unit.CREDIT) == Decimal(4)  # nothing yet
    request_id = message.blocks[-1]["elements"][0]["value"]
    own = click(slack, message, ApprovalAction.APPROVE, ADMIN)
    assert "own request" in wait_until(lambda: slack.standin.replies(own), what="refusal")[-1]["text"]
    staff = click(slack, message, ApprovalAction.APPROVE, STAFF)
    assert (
        "admin or manager role"
        in wait_until(lambda: slack.standin.replies(staff), what="refusal")[-1]["text"]
    )
    click(slack, message, ApprovalAction.APPROVE, MANAGER)
    wait_until(lambda: "was approved by" in message.text, what="the message to be updated")
    with slack.shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, anna).total(Unit.CREDIT) == Decimal(29)
    thread = wait_until(
        lambda: [m for m in slack.standin.messages if m.thread_ts == message.ts],
        what="the audit in the thread",
    )
    assert f"approved by <@{MANAGER}>" in thread[-1].text
    again = click(slack, message, ApprovalAction.APPROVE, MANAGER, request_id)  # a stale button pressed again
    told = wait_until(lambda: slack.standin.replies(again), what="answer")[-1]["text"]
    assert f"was already approved by <@{MANAGER}>" in told  # core said who; the bot names them
    with slack.shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, anna).total(Unit.CREDIT) == Decimal(29)


def test_a_freeze_waits_and_a_rejection_keeps_its_reason(slack: Slack) -> None:
    anna, _ = two_members(slack)
    with slack.shop.tx(ADMIN) as ctx:
        update_settings(ctx, approve_freezes=True, approvals_channel="CAPPROVALS")
        (contract,) = [m.id for m in memberships.memberships_of(ctx, anna)]
    reply = slack.command("/membership", f"freeze M-{contract} travelling", user=MANAGER)["text"]
    assert "waits for a manager's approval" in reply
    message = request_in(slack, "CAPPROVALS")
    click(slack, message, ApprovalAction.REJECT, ADMIN)
    wait_until(lambda: slack.standin.top_modal(ADMIN), what="the reason form")
    assert slack.driver.submit(ADMIN, {"reason": "She is back next week"}) == {}
    wait_until(lambda: "was rejected by" in message.text, what="the message to be updated")
    assert "She is back next week" in message.text
    with slack.shop.tx(write=False) as ctx:
        assert memberships.get(ctx, contract).status is Status.ACTIVE
