"""/membership edit through the real Bolt app: the form opens with the contract's details, new
dates are previewed (visits, charges, credits) before they apply, other corrections apply at once,
a mistake lands under its field and writes nothing, and staff's new dates for a sold membership
are posted for a manager's approval."""

from __future__ import annotations

from datetime import date

from bot.listeners.approvals.ids import ApprovalAction
from core.memberships import service as memberships
from core.memberships.service import MembershipView
from tests.bot.approvals.test_approval_policies import click
from tests.bot.conftest import Slack, wait_until
from tests.bot.memberships.test_approvals import CHANNEL
from tests.conftest import MANAGER, STAFF
from tests.integration.credit_helpers import at, member
from tests.integration.helpers import plan_by_name

TODAY = date(2025, 1, 15)


def sold(slack: Slack) -> int:
    at(slack.shop, TODAY)
    with slack.shop.tx() as ctx:
        plan = plan_by_name(ctx, "Gold").id
    return member(slack.shop, plan, TODAY)[1]


def current(slack: Slack, contract: int) -> MembershipView:
    with slack.shop.tx(write=False) as ctx:
        return memberships.get(ctx, contract)


def told(slack: Slack, user: str) -> str:
    said = wait_until(
        lambda: [m for m in slack.standin.messages if m.ephemeral_to == user], what="the reply to the edit"
    )
    return str(said[-1].text)


def test_the_form_opens_prefilled_and_new_dates_are_previewed_then_applied(slack: Slack) -> None:
    contract = sold(slack)
    view = slack.open_modal("/membership", f"edit M-{contract}", user=MANAGER, callback_id="membership_edit")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["start"]["element"]["initial_date"] == "2025-01-15"
    assert blocks["end"]["element"]["initial_date"] == "2026-01-14"
    assert blocks["seller"]["element"]["initial_user"] == STAFF
    assert "summary" in blocks and "reason" in blocks
    answer = slack.driver.submit(MANAGER, {"end": "2025-03-14", "reason": "a three-month trial"})
    assert answer["response_action"] == "update"
    preview = slack.standin.top_modal(MANAGER)
    assert preview is not None and preview["callback_id"] == "membership_edit_confirm"
    text = preview["blocks"][0]["text"]["text"]
    assert "*Edit M-" in text and "Wed 15 Jan to Fri 14 Mar 2025" in text and "a three-month trial" in text
    assert "Charges: 12 → *2*" in text
    assert current(slack, contract).end == date(2026, 1, 14)  # previewed: nothing written yet
    assert slack.driver.submit(MANAGER) == {}
    assert "is updated: Wed 15 Jan to Fri 14 Mar 2025" in told(slack, MANAGER)
    assert current(slack, contract).end == date(2025, 3, 14)
    with slack.shop.tx(write=False) as ctx:
        last = memberships.history(ctx, contract)[-1]
    assert (last.action, last.actor) == ("edit", MANAGER) and last.reason.endswith("a three-month trial")


def test_a_summary_alone_applies_at_once(slack: Slack) -> None:
    contract = sold(slack)
    slack.open_modal("/membership", f"edit {contract}", user=STAFF, callback_id="membership_edit")
    assert slack.driver.submit(STAFF, {"summary": "Two units", "reason": "details"}) == {}
    assert "is updated" in told(slack, STAFF)
    assert current(slack, contract).summary == "Two units"


def test_mistakes_land_under_their_fields_and_nothing_is_written(slack: Slack) -> None:
    contract = sold(slack)
    before = current(slack, contract)
    slack.open_modal("/membership", f"edit M-{contract}", user=MANAGER, callback_id="membership_edit")
    answer = slack.driver.submit(MANAGER, {"start": "2025-03-01", "end": "2025-02-01", "seller": "UNOBODY"})
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"end", "seller", "reason"}
    assert "before the start date" in answer["errors"]["end"]
    assert current(slack, contract) == before


def test_staff_new_dates_are_sent_to_a_manager(slack: Slack) -> None:
    contract = sold(slack)
    view = slack.open_modal("/membership", f"edit M-{contract}", user=STAFF, callback_id="membership_edit")
    assert "New dates wait for a manager's approval." in view["blocks"][0]["elements"][0]["text"]
    slack.driver.submit(STAFF, {"start": "2025-02-01", "end": "2026-01-31", "reason": "started late"})
    preview = slack.standin.top_modal(STAFF)
    assert preview is not None and preview["submit"]["text"] == "Send for approval"
    assert slack.driver.submit(STAFF) == {}
    posted = wait_until(
        lambda: [m for m in slack.standin.channel_messages(CHANNEL) if "Move M-" in m.text],
        what="the request for approval",
    )
    assert "started late" in posted[-1].text
    assert "A-" in told(slack, STAFF)
    assert current(slack, contract).start == TODAY  # held until a manager approves
    click(slack, posted[-1], ApprovalAction.APPROVE, MANAGER)
    wait_until(lambda: "was approved by" in posted[-1].text, what="the request to be approved")
    assert (current(slack, contract).start, current(slack, contract).end) == (
        date(2025, 2, 1),
        date(2026, 1, 31),
    )


def test_someone_who_may_not_sell_cannot_open_the_form(slack: Slack) -> None:
    contract = sold(slack)
    view = slack.open_modal("/membership", f"edit M-{contract}", user="UNOBODY", callback_id="notice")
    assert "role" in view["blocks"][0]["text"]["text"]


def test_help_lists_edit(slack: Slack) -> None:
    assert "/membership edit M-<number>" in slack.command("/membership", "help")["text"]
