"""Selling with the form, rejecting with a reason, and the other /membership commands."""

from __future__ import annotations

from datetime import date

from bot.listeners.memberships.ids import MembershipAction
from bot.standin import Posted
from core.customers.service import CustomerInput, add_customer
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.plans import service as plans
from core.workspace.tenants import update_settings
from tests.bot.conftest import Slack, wait_until
from tests.bot.memberships.test_approvals import CHANNEL, sell, status
from tests.conftest import ADMIN, MANAGER, STAFF
from tests.integration.credit_helpers import at


def customers_named(slack: Slack, *names: str) -> list[int]:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        return [add_customer(ctx, CustomerInput(company=n)).id for n in names]


def test_an_incomplete_command_opens_the_form_prefilled(slack: Slack) -> None:
    (cafe,) = customers_named(slack, "Café Müller")
    view = slack.open_modal(
        "/membership", "assign cafe muller from Sat 1 Mar 2025", user=STAFF, callback_id="membership_assign"
    )
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["customer"]["element"]["initial_option"]["value"] == str(cafe)
    assert blocks["start"]["element"]["initial_date"] == "2025-03-01"
    assert "initial_option" not in blocks["plan"]["element"]  # the plan was not said: not guessed
    assert "Choose a plan" in view["blocks"][-1]["text"]["text"]


def test_selling_with_the_form_search_plan_summary_and_approval_request(slack: Slack) -> None:
    cafe, _ = customers_named(slack, "Café Müller", "Café Central")
    slack.open_modal("/membership", "assign", user=STAFF, callback_id="membership_assign")
    offered = slack.driver.suggest(STAFF, "customer", "café")
    assert sorted(o["text"]["text"] for o in offered) == ["Café Central", "Café Müller"]
    assert slack.driver.suggest(STAFF, "customer", "nobody by that name") == []
    with slack.shop.tx(write=False) as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
    assert slack.driver.choose(STAFF, "plan", str(gold.id)).status_code == 200
    wait_until(
        lambda: "*Gold* — $49.00 monthly" in str(slack.standin.top_modal(STAFF)),
        what="the summary of the chosen plan",
    )
    answer = slack.driver.submit(STAFF, {"customer": str(cafe), "plan": str(gold.id), "start": "2025-02-01"})
    assert answer == {}
    posted = wait_until(lambda: slack.standin.channel_messages(CHANNEL), what="the approval request")
    assert "*New membership M-" in posted[-1].text and "Café Müller" in posted[-1].text
    told = wait_until(
        lambda: [m for m in slack.standin.messages if m.ephemeral_to == STAFF], what="the seller"
    )
    assert "waiting for approval" in told[-1].text


def test_the_form_without_a_customer_asks_for_one(slack: Slack) -> None:
    customers_named(slack, "Café Müller")
    slack.open_modal("/membership", "assign", user=STAFF, callback_id="membership_assign")
    answer = slack.driver.submit(STAFF, {"start": "2025-03-01"})
    assert answer == {"response_action": "errors", "errors": {"customer": "Choose the customer."}}


def test_the_form_refuses_an_end_before_the_start(slack: Slack) -> None:
    (cafe,) = customers_named(slack, "Café Müller")
    slack.open_modal("/membership", "assign cafe", user=STAFF, callback_id="membership_assign")
    with slack.shop.tx(write=False) as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
    answer = slack.driver.submit(
        STAFF, {"customer": str(cafe), "plan": str(gold.id), "start": "2025-03-01", "end": "2025-02-01"}
    )
    assert answer["response_action"] == "errors"
    assert "before the start date" in answer["errors"]["end"]
    with slack.shop.tx(write=False) as ctx:
        assert memberships.memberships_of(ctx, cafe) == []


def reject_with(slack: Slack, message: Posted, user: str, reason: str) -> dict[str, object]:
    http, _ = slack.driver.click(
        MembershipAction.REJECT, message.blocks[1]["elements"][1]["value"], user=user, message=message
    )
    assert http.status_code == 200
    wait_until(lambda: slack.standin.top_modal(user), what="the reason form")
    return slack.driver.submit(user, {"reason": reason})


def test_reject_asks_for_a_reason_updates_the_message_and_keeps_the_reason_in_the_thread(
    slack: Slack,
) -> None:
    message = sell(slack)
    contract = int(message.blocks[1]["elements"][0]["value"])
    assert reject_with(slack, message, MANAGER, "   ")["response_action"] == "errors"  # a reason is required
    assert status(slack, contract) is Status.PENDING
    assert reject_with(slack, message, MANAGER, "Wrong <!channel> plan") == {}
    wait_until(lambda: "Rejected by" in message.text, what="the message to be updated")
    assert "Wrong &lt;!channel&gt; plan" in message.text
    assert status(slack, contract) is Status.REJECTED
    thread = wait_until(
        lambda: [m for m in slack.standin.messages if m.thread_ts == message.ts],
        what="the audit in the thread",
    )
    assert f"was rejected by <@{MANAGER}>" in thread[-1].text


def test_staff_pressing_reject_is_refused_before_any_form_opens(slack: Slack) -> None:
    message = sell(slack)
    http, response_id = slack.driver.click(
        MembershipAction.REJECT, message.blocks[1]["elements"][1]["value"], user=STAFF, message=message
    )
    assert http.status_code == 200
    refusal = wait_until(lambda: slack.standin.replies(response_id), what="the refusal")
    assert "admin or manager role" in refusal[-1]["text"] and slack.standin.top_modal(STAFF) is None


def test_the_approvals_channel_setting_receives_requests(slack: Slack) -> None:
    with slack.shop.tx(ADMIN) as ctx:
        update_settings(ctx, approvals_channel="CAPPROVALS")
    sell_to = customers_named(slack, "Blue Fin Spa")
    del sell_to
    slack.command("/membership", "assign blue fin gold", user=STAFF)
    posted = wait_until(
        lambda: slack.standin.channel_messages("CAPPROVALS"), what="the request in #approvals"
    )
    assert "Blue Fin Spa" in posted[-1].text
    assert slack.standin.channel_messages(CHANNEL) == []


def test_list_report_freeze_unfreeze_cancel_and_delete(slack: Slack) -> None:
    message = sell(slack)
    contract = int(message.blocks[1]["elements"][0]["value"])
    slack.driver.click(
        message.blocks[1]["elements"][0]["action_id"], str(contract), user=MANAGER, message=message
    )
    wait_until(lambda: "Approved by" in message.text, what="approval")
    at(slack.shop, date(2025, 2, 10))
    with slack.shop.tx(ADMIN) as ctx:
        memberships.advance_by_date(ctx)  # the daily job: scheduled -> active
    listed = slack.command("/membership", "list cafe muller", user=STAFF)["text"]
    assert f"*M-{contract}* Gold — active, Sat 1 Feb 2025 to Sat 31 Jan 2026" in listed
    assert (
        f"*M-{contract}* Café Müller: Gold — active"
        in slack.command("/membership", f"report M-{contract}", user=STAFF)["text"]
    )
    assert "admin or manager role" in slack.command("/membership", f"freeze M-{contract}", user=STAFF)["text"]
    assert (
        "is now *frozen*"
        in slack.command("/membership", f"freeze M-{contract} travelling", user=MANAGER)["text"]
    )
    assert "is now *active*" in slack.command("/membership", f"unfreeze M-{contract}", user=MANAGER)["text"]
    assert "is now *cancelled*" in cancel_confirmed(slack, f"cancel M-{contract} moved away")
    assert (
        "is not a membership such as M-12"
        in slack.command("/membership", "cancel twelve", user=MANAGER)["text"]
    )
    confirm = slack.command("/membership", f"delete M-{contract}", user=ADMIN)
    assert "for good?" in confirm["text"] and status(slack, contract) is Status.CANCELLED
    assert "No customer matches “Nobody”" in slack.command("/membership", "list Nobody", user=STAFF)["text"]


def test_reactivate_brings_a_cancelled_membership_back_and_a_renewal_waits_for_approval(slack: Slack) -> None:
    contract = approve(slack, sell(slack))
    at(slack.shop, date(2025, 2, 10))
    assert "is now *cancelled*" in cancel_confirmed(slack, f"cancel M-{contract} moved")
    assert (
        "admin or manager role"
        in slack.command("/membership", f"reactivate M-{contract}", user=STAFF)["text"]
    )
    assert status(slack, contract) is Status.CANCELLED
    assert (
        "is now *active*"
        in slack.command("/membership", f"reactivate M-{contract} back", user=MANAGER)["text"]
    )
    assert status(slack, contract) is Status.ACTIVE

    requests = len(slack.standin.channel_messages(CHANNEL))
    renewed = slack.command("/membership", f"renew M-{contract}", user=STAFF)["text"]
    assert "renews it from Sun 1 Feb 2026; it is waiting for approval" in renewed
    posted = wait_until(
        lambda: slack.standin.channel_messages(CHANNEL)[requests:], what="the renewal's approval request"
    )
    assert "*New membership M-" in posted[-1].text and "Café Müller" in posted[-1].text
    renewal = int(posted[-1].blocks[1]["elements"][0]["value"])
    assert renewal != contract and status(slack, renewal) is Status.PENDING
    approve(slack, posted[-1])
    assert status(slack, renewal) is Status.SCHEDULED  # it starts when the first one ends


def approve(slack: Slack, request: Posted) -> int:
    """A manager presses Approve on an approval request; the membership's id."""
    contract = int(request.blocks[1]["elements"][0]["value"])
    slack.driver.click(
        request.blocks[1]["elements"][0]["action_id"], str(contract), user=MANAGER, message=request
    )
    wait_until(lambda: "Approved by" in request.text, what="the approval")
    return contract


def cancel_confirmed(slack: Slack, text: str) -> str:
    """A cancellation is previewed first; the manager presses its button (the answer's text)."""
    preview = slack.command("/membership", text, user=MANAGER)
    button = preview["blocks"][-1]["elements"][0]
    message = Posted(CHANNEL, str(preview["text"]), preview["blocks"], ephemeral_to=MANAGER, ts="1.000001")
    _, response_id = slack.driver.click(button["action_id"], button["value"], user=MANAGER, message=message)
    return str(wait_until(lambda: slack.standin.replies(response_id), what="the cancellation")[-1]["text"])


def test_the_form_records_a_summary_and_a_past_sale_only_when_confirmed(slack: Slack) -> None:
    (cafe,) = customers_named(slack, "Café Müller")
    slack.open_modal("/membership", "assign cafe", user=STAFF, callback_id="membership_assign")
    with slack.shop.tx(write=False) as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
    chosen = {"customer": str(cafe), "plan": str(gold.id), "start": "2023-01-01", "summary": "Paper contract"}
    answer = slack.driver.submit(STAFF, chosen)
    assert answer["response_action"] == "errors" and "entirely in the past" in answer["errors"]["past"]
    with slack.shop.tx(write=False) as ctx:
        assert memberships.memberships_of(ctx, cafe) == []
    assert slack.driver.submit(STAFF, {**chosen, "past": ["yes"]}) == {}
    with slack.shop.tx(write=False) as ctx:
        (sold,) = memberships.memberships_of(ctx, cafe)
    assert (sold.start, sold.end, sold.summary) == (date(2023, 1, 1), date(2023, 12, 31), "Paper contract")
