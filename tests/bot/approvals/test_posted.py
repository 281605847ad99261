"""The request's message in the channel follows its decision wherever it is made: pressed on the
Home, in `/membership approvals` or decided with `memberbot approvals`, the message posted with
Approve and Reject is updated in place (through the outbox: once) and its buttons are gone."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from click.testing import CliRunner
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.deliver import deliver_due
from bot.listeners.approvals.ids import ApprovalAction
from bot.listeners.memberships.ids import MembershipAction
from bot.standin import Posted
from cli.main import cli
from core.approvals import service as approvals
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.outbox import Kind
from core.workspace.tenants import update_settings
from storage.tables.approvals import ApprovalPost
from storage.tables.outbox import Outbox
from tests.bot.approvals.test_approval_policies import request_in
from tests.bot.approvals.test_pending import decide_blocks, home, press_on_home, sold_by, status
from tests.bot.conftest import TOKEN, Slack, wait_until
from tests.bot.credits.test_credit_commands import two_members
from tests.bot.memberships.test_approvals import sell
from tests.conftest import ADMIN, MANAGER, STAFF
from tests.integration.credit_helpers import at

APPROVALS = "CAPPROVALS"


def freeze_posted(slack: Slack) -> tuple[int, Posted]:
    """A freeze asked by the manager in Slack, posted in the approvals channel: (A-id, its message)."""
    anna, _ = two_members(slack)
    with slack.shop.tx(ADMIN) as ctx:
        update_settings(ctx, approve_freezes=True, approvals_channel=APPROVALS)
        (contract,) = [m.id for m in memberships.memberships_of(ctx, anna)]
    reply = slack.command("/membership", f"freeze M-{contract} travelling", user=MANAGER)["text"]
    assert "waits for a manager's approval" in reply
    message = request_in(slack, APPROVALS)
    return int(message.blocks[-1]["elements"][0]["value"]), message


def buttons(message: Posted) -> list[dict[str, object]]:
    return [b for b in message.blocks if b["type"] == "actions"]


def thread(slack: Slack, message: Posted) -> list[str]:
    return [m.text for m in slack.standin.messages if m.thread_ts == message.ts]


def thread_line(slack: Slack, message: Posted) -> list[str]:
    """The thread once its line is there (posted just after the update)."""
    lines: list[str] = wait_until(lambda: thread(slack, message), what="the line in the thread")
    return lines


def updates_queued(slack: Slack) -> list[Outbox]:
    with slack.shop.tx(write=False) as ctx:
        return [r for r in ctx.uow.all(ctx.uow.select(Outbox)) if r.kind == Kind.APPROVAL_DECIDED]


def deliver(slack: Slack) -> int:
    """The deliverer's pass, as the scheduler runs it (on the real clock: the CLI decided on it)."""
    client = AsyncWebClient(token=TOKEN, base_url=f"{slack.standin.url}/api/")

    async def client_for(team: str) -> AsyncWebClient | None:
        return client if team == slack.shop.team else None

    return asyncio.run(deliver_due(slack.shop.db, client_for))


def test_where_a_request_was_posted_is_kept(slack: Slack) -> None:
    request, message = freeze_posted(slack)
    with slack.shop.tx(write=False) as ctx:
        kept = ctx.uow.all(select(ApprovalPost).where(col(ApprovalPost.tenant_id) == slack.shop.team))
    assert [(p.reference, p.channel, p.ts) for p in kept] == [(f"A-{request}", APPROVALS, message.ts)]


def test_a_change_approved_from_the_home_updates_its_message_in_the_channel(slack: Slack) -> None:
    request, message = freeze_posted(slack)
    admin = home(slack, ADMIN)
    approve, _ = decide_blocks(admin)[f"A-{request}"]
    press_on_home(slack, ADMIN, admin, approve["action_id"], approve["value"])
    wait_until(lambda: "was approved by" in message.text, what="the channel's message to be updated")
    assert f"Asked by <@{MANAGER}>. A-{request} was approved by <@{ADMIN}>." in message.text
    assert buttons(message) == []  # nothing left to press
    assert thread_line(slack, message) == [f"A-{request} was approved by <@{ADMIN}>."]
    wait_until(lambda: updates_queued(slack)[0].sent_at, what="the update recorded as sent")
    (queued,) = updates_queued(slack)
    assert queued.to == APPROVALS
    assert "<@" not in str(queued.data) and queued.data["decided_by"] == ADMIN  # plain data
    assert deliver(slack) == 0  # updated once


def test_a_sale_rejected_from_the_home_shows_who_and_why_in_the_channel(slack: Slack) -> None:
    message = sell(slack)
    contract = int(message.blocks[1]["elements"][0]["value"])
    manager = home(slack, MANAGER)
    press_on_home(slack, MANAGER, manager, f"{MembershipAction.REJECT}_{contract}", str(contract))
    wait_until(lambda: slack.standin.top_modal(MANAGER), what="the reason form")
    assert slack.driver.submit(MANAGER, {"reason": "Wrong plan"}) == {}
    wait_until(lambda: "Rejected by" in message.text, what="the channel's message to be updated")
    assert f"Rejected by <@{MANAGER}>: Wrong plan. It is now *rejected*." in message.text
    assert f"*Membership M-{contract}* for *Café Müller*: Gold, Sat 1 Feb 2025" in message.text
    assert buttons(message) == []
    assert thread_line(slack, message) == [f"M-{contract} was rejected by <@{MANAGER}>: Wrong plan."]


def test_pressed_on_its_own_message_it_is_updated_once(slack: Slack) -> None:
    request, message = freeze_posted(slack)
    http, _ = slack.driver.click(ApprovalAction.APPROVE, str(request), user=ADMIN, message=message)
    assert http.status_code == 200
    wait_until(lambda: "was approved by" in message.text, what="the message to be updated")
    thread_line(slack, message)
    assert deliver(slack) == 0
    assert len(thread(slack, message)) == 1 and len(updates_queued(slack)) == 1


def test_decided_with_the_cli_the_outbox_updates_the_message(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    request, message = freeze_posted(slack)
    monkeypatch.setenv("DATABASE_URL", slack.shop.db.url)
    monkeypatch.setenv("MEMBERBOT_TEAM", slack.shop.team)
    done = CliRunner().invoke(
        cli, ["approvals", "reject", f"A-{request}", "--reason", "Back next week"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    assert buttons(message) != []  # no Slack client in the CLI: the outbox has it
    assert deliver(slack) == 1
    said = f"A-{request} was rejected by an operator (`memberbot approvals`): Back next week."
    assert said in message.text and buttons(message) == []
    assert thread(slack, message) == [said]
    assert deliver(slack) == 0  # once


def test_a_request_never_posted_is_decided_with_nothing_to_update(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    contract = sold_by(slack, STAFF)  # sold in core: no message was posted for it
    manager = home(slack, MANAGER)
    approve, _ = decide_blocks(manager)[f"M-{contract}"]
    press_on_home(slack, MANAGER, manager, approve["action_id"], approve["value"])
    wait_until(lambda: status(slack, contract) is Status.SCHEDULED, what="the sale to be approved")
    assert updates_queued(slack) == []
    with slack.shop.tx(write=False) as ctx:
        assert ctx.uow.all(select(ApprovalPost).where(col(ApprovalPost.tenant_id) == slack.shop.team)) == []


def test_a_request_whose_message_was_deleted_is_decided_and_its_update_is_dropped(slack: Slack) -> None:
    request, message = freeze_posted(slack)
    slack.standin.messages.remove(message)  # deleted in Slack since it was posted
    with slack.shop.tx(ADMIN) as ctx:
        assert approvals.decide(ctx, request, approve=True).posted
    assert deliver(slack) == 1  # nothing left to update: done, not retried for ever
    (queued,) = updates_queued(slack)
    assert queued.sent_at is not None and queued.last_error == ""
    assert thread(slack, message) == []
