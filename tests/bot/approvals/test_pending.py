"""What waits for a decision, decided from the Home and from `/membership approvals`: listed only
for whoever may decide it (never the one who asked), through the same buttons and core decision
as the request's message in the channel."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.listeners.approvals.ids import ApprovalAction, ApprovalForm
from bot.listeners.memberships.ids import MembershipAction, MembershipForm
from bot.standin import Posted
from core.approvals import service as approvals
from core.customers.service import CustomerInput, add_customer
from core.memberships import flows
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.workspace import roles
from core.workspace.roles import Role
from core.workspace.tenants import update_settings
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, MANAGER, STAFF
from tests.integration.credit_helpers import at
from tests.integration.helpers import plan_by_name

OTHER_MANAGER = "UMANAGER2"


def sold_by(slack: Slack, seller: str, company: str = "Bo's Bakery", start: date = date(2025, 2, 1)) -> int:
    """A Silver sale to a new customer, waiting for approval."""
    with slack.shop.tx() as ctx:
        customer = add_customer(ctx, CustomerInput(company=company)).id
    with slack.shop.tx(seller) as ctx:
        return memberships.assign(ctx, customer, plan_by_name(ctx, "Silver").id, start).id


def freeze_asked_by_the_manager(slack: Slack) -> tuple[int, int]:
    """An active membership whose freeze, asked by MANAGER, waits (the freeze policy): (contract, A-id)."""
    contract = sold_by(slack, STAFF, "Anna Yoga", date(2025, 1, 1))
    with slack.shop.tx(ADMIN) as ctx:
        memberships.approve(ctx, contract)
        update_settings(ctx, approve_freezes=True)
    with slack.shop.tx(MANAGER) as ctx:
        held = flows.freeze(ctx, contract, lambda today: (None, None, "travelling"))
    assert not isinstance(held, flows.Frozen)
    return contract, held.request.id


def home(slack: Slack, user: str) -> dict[str, Any]:
    """The user's Home as published when they open it."""
    slack.standin.homes.pop(user, None)
    assert slack.driver.open_home(user).status_code == 200
    view: dict[str, Any] = wait_until(lambda: slack.standin.homes.get(user), what=f"the Home of {user}")
    return view


def text_of(view: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")


def decide_blocks(view: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The Approve and Reject buttons shown, by the reference they decide."""
    return {
        b["block_id"].removeprefix("decide-"): b["elements"]
        for b in view["blocks"]
        if str(b.get("block_id", "")).startswith("decide-")
    }


def press_on_home(slack: Slack, user: str, view: dict[str, Any], action_id: str, value: str) -> None:
    http, _ = slack.driver.click(action_id, value, user=user, home=view)
    assert http.status_code == 200


def notice(slack: Slack, user: str) -> str:
    """The notice opened over the Home when nothing was decided."""
    view = wait_until(
        lambda: (m := slack.standin.top_modal(user)) and m.get("callback_id") == "notice" and m,
        what="the notice",
    )
    return "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")


def status(slack: Slack, contract: int) -> Status:
    with slack.shop.tx(write=False) as ctx:
        return memberships.get(ctx, contract).status


def dms(slack: Slack, user: str) -> str:
    return "\n".join(m.text for m in slack.standin.channel_messages(user))


def test_the_manager_approves_a_sale_from_the_home_staff_see_nothing_to_decide(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    contract = sold_by(slack, STAFF)
    staff = home(slack, STAFF)
    assert "Waiting for your approval" not in text_of(staff) and decide_blocks(staff) == {}
    manager = home(slack, MANAGER)
    shown = text_of(manager)
    assert f"*M-{contract}* New membership: *Bo's Bakery*, Silver from Sat 1 Feb 2025" in shown
    assert f"Sold by <@{STAFF}>, Mon 13 Jan 2025" in shown
    approve, reject = decide_blocks(manager)[f"M-{contract}"]
    assert (approve["action_id"], reject["action_id"]) == (
        f"{MembershipAction.APPROVE}_{contract}",
        f"{MembershipAction.REJECT}_{contract}",
    )
    press_on_home(slack, MANAGER, manager, approve["action_id"], approve["value"])
    wait_until(lambda: status(slack, contract) is Status.SCHEDULED, what="the sale to be approved")
    wait_until(  # the Home published again, without what was decided
        lambda: f"M-{contract}" not in decide_blocks(slack.standin.homes[MANAGER]), what="the Home refreshed"
    )
    assert "Nothing is waiting for your approval" in text_of(slack.standin.homes[MANAGER])
    told = wait_until(lambda: dms(slack, STAFF), what="the seller told")
    assert f"M-{contract} was approved by <@{MANAGER}>" in told


def test_whoever_asked_cannot_decide_from_the_home_and_does_not_see_it_there(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    contract = sold_by(slack, MANAGER)  # a manager's own sale: another manager or an admin decides
    mine = home(slack, MANAGER)
    assert decide_blocks(mine) == {} and "Nothing is waiting for your approval" in text_of(mine)
    assert f"M-{contract}" in decide_blocks(home(slack, ADMIN))
    press_on_home(slack, MANAGER, mine, MembershipAction.APPROVE, str(contract))  # a crafted press
    assert "Nobody approves their own sale" in notice(slack, MANAGER)
    press_on_home(slack, MANAGER, mine, MembershipAction.REJECT, str(contract))
    assert status(slack, contract) is Status.PENDING
    assert (slack.standin.top_modal(MANAGER) or {}).get("callback_id") == "notice"  # no reason form


def test_rejecting_a_held_change_from_the_home_needs_a_reason(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    contract, request = freeze_asked_by_the_manager(slack)
    assert f"A-{request}" not in decide_blocks(home(slack, MANAGER))  # their own request
    admin = home(slack, ADMIN)
    shown = text_of(admin)
    assert f"*A-{request}* Freeze M-{contract} (Anna Yoga, Silver)" in shown
    assert f"*Anna Yoga*, Silver · Asked by <@{MANAGER}>" in shown
    _, reject = decide_blocks(admin)[f"A-{request}"]
    assert reject["action_id"] == f"{ApprovalAction.REJECT}_{request}"
    press_on_home(slack, ADMIN, admin, reject["action_id"], reject["value"])
    form = wait_until(lambda: slack.standin.top_modal(ADMIN), what="the reason form")
    assert form["callback_id"] == ApprovalForm.REJECT_REASON
    assert slack.driver.submit(ADMIN, {"reason": "   "}) == {
        "response_action": "errors",
        "errors": {"reason": "Say why it is rejected."},
    }
    with slack.shop.tx(write=False) as ctx:
        assert approvals.get(ctx, request).status == "pending"
    assert slack.driver.submit(ADMIN, {"reason": "She is back next week"}) == {}
    with slack.shop.tx(write=False) as ctx:
        assert approvals.get(ctx, request).status == "rejected"
    assert status(slack, contract) is Status.ACTIVE
    told = wait_until(lambda: dms(slack, MANAGER), what="the requester told")
    assert f"A-{request} was rejected by <@{ADMIN}>: She is back next week" in told
    wait_until(lambda: decide_blocks(slack.standin.homes[ADMIN]) == {}, what="the Home refreshed")


def test_a_sale_rejected_from_the_home_needs_a_reason_too(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    contract = sold_by(slack, STAFF)
    manager = home(slack, MANAGER)
    press_on_home(slack, MANAGER, manager, f"{MembershipAction.REJECT}_{contract}", str(contract))
    form = wait_until(lambda: slack.standin.top_modal(MANAGER), what="the reason form")
    assert form["callback_id"] == MembershipForm.REJECT_REASON
    assert "reason" in slack.driver.submit(MANAGER, {"reason": " "}).get("errors", {})
    assert status(slack, contract) is Status.PENDING
    assert slack.driver.submit(MANAGER, {"reason": "Wrong plan"}) == {}
    assert status(slack, contract) is Status.REJECTED


def test_a_request_decided_elsewhere_is_already_decided_and_nothing_is_written(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    contract, request = freeze_asked_by_the_manager(slack)
    with slack.shop.tx(ADMIN) as ctx:
        roles.grant(ctx, OTHER_MANAGER, Role.MANAGER)
    admin = home(slack, ADMIN)  # shows A-… with its buttons
    with slack.shop.tx(OTHER_MANAGER) as ctx:
        approvals.decide(ctx, request, approve=True)
    with slack.shop.tx(write=False) as ctx:
        events = len(memberships.history(ctx, contract))
    approve, _ = decide_blocks(admin)[f"A-{request}"]
    press_on_home(slack, ADMIN, admin, approve["action_id"], approve["value"])
    assert f"A-{request} was already approved by <@{OTHER_MANAGER}>" in notice(slack, ADMIN)
    with slack.shop.tx(write=False) as ctx:
        assert approvals.get(ctx, request).decided_by == OTHER_MANAGER
        assert len(memberships.history(ctx, contract)) == events  # frozen once
    assert status(slack, contract) is Status.FROZEN


def listed(reply: dict[str, Any]) -> list[str]:
    return [
        b["block_id"].removeprefix("decide-")
        for b in reply["blocks"]
        if str(b.get("block_id", "")).startswith("decide-")
    ]


def test_membership_approvals_lists_what_waits_a_page_at_a_time(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    sales = [sold_by(slack, STAFF, f"Customer {n:02}") for n in range(12)]
    _, request = freeze_asked_by_the_manager(slack)
    refused = slack.command("/membership", "approvals", user=STAFF)["text"]
    assert "Only a manager or an admin decides approvals" in refused
    first = slack.command("/membership", "approvals", user=MANAGER)
    assert "*Waiting for your approval* (1 to 10 of 12)" in first["text"]  # not the manager's own A-…
    assert listed(first) == [f"M-{s}" for s in sales[:10]]
    assert f"A-{request}" not in str(first)
    more = first["blocks"][-1]["elements"][0]
    assert more["action_id"] == ApprovalAction.MORE
    message = Posted("CFRONTDESK", first["text"], first["blocks"], ephemeral_to=MANAGER, ts="1.000001")
    http, response_id = slack.driver.click(more["action_id"], more["value"], user=MANAGER, message=message)
    assert http.status_code == 200
    second = wait_until(lambda: slack.standin.replies(response_id), what="the next page")[-1]
    assert "(11 to 12 of 12)" in second["text"] and listed(second) == [f"M-{s}" for s in sales[10:]]
    admin = slack.command("/membership", "approvals", user=ADMIN)
    assert "(1 to 10 of 13)" in admin["text"]  # the manager's freeze too, for the admin


def test_approving_from_the_list_decides_and_says_so_under_it(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    contract = sold_by(slack, STAFF)
    reply = slack.command("/membership", "approvals", user=MANAGER)
    approve = next(b for b in reply["blocks"] if b.get("block_id") == f"decide-M-{contract}")["elements"][0]
    message = Posted("CFRONTDESK", reply["text"], reply["blocks"], ephemeral_to=MANAGER, ts="1.000002")
    http, response_id = slack.driver.click(
        approve["action_id"], approve["value"], user=MANAGER, message=message
    )
    assert http.status_code == 200
    said = wait_until(lambda: slack.standin.replies(response_id), what="the answer")[-1]["text"]
    assert f"M-{contract} was approved by <@{MANAGER}>" in said
    assert status(slack, contract) is Status.SCHEDULED
    again = slack.command("/membership", "approvals", user=MANAGER)
    assert "Nothing is waiting for your approval" in again["text"]


def test_a_sale_decided_elsewhere_is_refused_from_a_stale_home_and_nothing_is_written(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    contract = sold_by(slack, STAFF)
    manager = home(slack, MANAGER)
    with slack.shop.tx(ADMIN) as ctx:
        memberships.reject(ctx, contract, "Wrong plan")
    with slack.shop.tx(write=False) as ctx:
        events = len(memberships.history(ctx, contract))
    approve, _ = decide_blocks(manager)[f"M-{contract}"]
    press_on_home(slack, MANAGER, manager, approve["action_id"], approve["value"])
    assert f"M-{contract} is rejected; it cannot approve from that state" in notice(slack, MANAGER)
    assert status(slack, contract) is Status.REJECTED
    with slack.shop.tx(write=False) as ctx:
        assert len(memberships.history(ctx, contract)) == events
