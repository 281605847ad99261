"""Freezes with dates, cancellations previewed and confirmed, /billing (charges, Paid and Failed),
the billing settings, the plan form's proration, and an overdue charge refusing a redemption."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from bot.listeners.approvals.ids import ApprovalAction
from bot.listeners.billing.ids import BillingAction
from bot.listeners.memberships.ids import MembershipAction
from bot.standin import Posted
from core.billing import service as billing
from core.billing.service import ChargeStatus
from core.credits.terms import CreditKind, CreditTerms
from core.customers import service as customers
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.plans import service as plans
from core.workspace.tenants import update_settings
from tests.bot.conftest import Slack, wait_until
from tests.bot.home.test_home import press_home
from tests.conftest import ADMIN, MANAGER, SPECIALIST, STAFF
from tests.integration.credit_helpers import at, member
from tests.integration.helpers import plan_by_name

START = date(2025, 2, 1)


def gold_member(slack: Slack, *, lock_in: int = 0, today: date = date(2025, 2, 10)) -> int:
    """Anna Yoga holds Gold (49.00 a month for 12 months from Sat 1 Feb 2025, setup fee 25.00, freeze
    fee 5.00, 4 credits a month, the given lock-in), approved; the clock is at `today`."""
    at(slack.shop, today)
    with slack.shop.tx() as ctx:
        plan = plan_by_name(ctx, "Gold")
        terms = replace(
            plan.terms,
            setup_fee=Decimal(25),
            freeze_fee=Decimal(5),
            lock_in_months=lock_in,
            credits=CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4)),
        )
        plans.update_plan(ctx, plan.id, terms)
        anna = customers.add_customer(ctx, customers.CustomerInput(company="Anna Yoga")).id
    _, contract = member(slack.shop, plan.id, START, customer=anna)
    return contract


def charges(slack: Slack, contract: int) -> dict[tuple[str, date], billing.ChargeView]:
    with slack.shop.tx(write=False) as ctx:
        return {(c.kind, c.period_start): c for c in billing.charges_of(ctx, contract)}


def status(slack: Slack, contract: int) -> Status:
    with slack.shop.tx(write=False) as ctx:
        return memberships.get(ctx, contract).status


def buttons(reply: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    return [
        e
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].split(":")[0] == action_id
    ]


def press(slack: Slack, reply: dict[str, Any], action_id: str, user: str, value: str = "") -> dict[str, Any]:
    """Press a button of an ephemeral reply (the first with `action_id`, or the one with `value`)."""
    shown = [b for b in buttons(reply, action_id) if not value or b["value"] == value]
    value, action_id = shown[0]["value"], shown[0]["action_id"]
    message = Posted("CFRONTDESK", str(reply["text"]), reply["blocks"], ephemeral_to=user, ts="1.000001")
    http, response_id = slack.driver.click(action_id, value, user=user, message=message)
    assert http.status_code == 200
    answered = wait_until(lambda: slack.standin.replies(response_id), what="the answer")[-1]
    assert isinstance(answered, dict)
    return answered


def answer_to(slack: Slack, response_id: str) -> str:
    return str(wait_until(lambda: slack.standin.replies(response_id), what="an answer")[-1]["text"])


def say(slack: Slack, text: str, user: str = MANAGER, command: str = "/membership") -> str:
    return str(slack.command(command, text, user=user)["text"])


# Freezes


def test_a_freeze_with_dates_is_planned_and_unfreezing_withdraws_it(slack: Slack) -> None:
    m = gold_member(slack)
    planned = say(slack, f"freeze M-{m} from Thu 20 Feb 2025 until Mon 10 Mar 2025 away from home")
    assert f"M-{m} will be *frozen* from Thu 20 Feb 2025 until Mon 10 Mar 2025" in planned
    assert status(slack, m) is Status.ACTIVE  # it begins on its first day
    after = charges(slack, m)
    assert after[("regular", date(2025, 3, 1))].status is ChargeStatus.VOID
    assert after[("freeze", date(2025, 3, 1))].amount == Decimal("5.00")
    with slack.shop.tx(write=False) as ctx:
        planned_row = billing.open_freeze(ctx, m)
        assert planned_row is not None and planned_row.reason == "away from home"

    withdrawn = say(slack, f"unfreeze M-{m} back sooner")
    assert f"The freeze of M-{m} planned from Thu 20 Feb 2025 is withdrawn; it stays *active*" in withdrawn
    assert charges(slack, m)[("regular", date(2025, 3, 1))].status is ChargeStatus.DUE

    now = say(slack, f"freeze M-{m} until in 2 weeks on holiday")
    assert f"M-{m} is now *frozen* until Mon 24 Feb 2025." in now
    assert status(slack, m) is Status.FROZEN
    assert f"M-{m} is now *active*" in say(slack, f"unfreeze M-{m}")


def test_freeze_dates_that_do_not_read_are_quoted_back_and_nothing_changes(slack: Slack) -> None:
    m = gold_member(slack)
    assert "“someday soon” is not a date I understand" in say(slack, f"freeze M-{m} from someday soon")
    assert "Give a date after “until”" in say(slack, f"freeze M-{m} until")
    assert "before the first" in say(slack, f"freeze M-{m} from Sat 1 Mar 2025 until Thu 20 Feb 2025")
    assert "in the past" in say(slack, f"freeze M-{m} from Sat 1 Feb 2025")
    assert "admin or manager role" in say(slack, f"freeze M-{m} from tomorrow", user=STAFF)
    with slack.shop.tx(write=False) as ctx:
        assert billing.open_freeze(ctx, m) is None
    assert status(slack, m) is Status.ACTIVE


# Cancellations


def test_a_cancellation_is_previewed_and_confirming_twice_cancels_once(slack: Slack) -> None:
    m = gold_member(slack, today=date(2025, 4, 10))
    preview = slack.command("/membership", f"cancel M-{m} moving away", user=MANAGER)
    text = preview["text"]
    assert f"*Cancel M-{m}* (Anna Yoga, Gold) from *Thu 10 Apr 2025*: moving away" in text
    assert "No lock-in fee." in text
    assert "9 unpaid charges from that date ($441.00) will be voided: C-" in text
    assert "Its credits are kept until they expire." in text
    assert status(slack, m) is Status.ACTIVE  # nothing changes before the button
    (button,) = buttons(preview, MembershipAction.CONFIRM_CANCEL)
    request = json.loads(button["value"])
    assert (request["contract"], request["fee"], request["effective"]) == (m, "0.00", "2025-04-10")
    assert re.fullmatch("[0-9a-f]{32}", request["key"])  # a nonce: the key is made when pressed

    assert (
        f"M-{m} is now *cancelled*" in press(slack, preview, MembershipAction.CONFIRM_CANCEL, MANAGER)["text"]
    )
    again = press(slack, preview, MembershipAction.CONFIRM_CANCEL, MANAGER)["text"]
    assert "already cancelled from Thu 10 Apr 2025 (the button was pressed twice)" in again
    assert status(slack, m) is Status.CANCELLED
    after = charges(slack, m)
    assert after[("regular", date(2025, 4, 1))].status is ChargeStatus.DUE  # a period begun stays owed
    assert after[("regular", date(2025, 5, 1))].status is ChargeStatus.VOID
    assert "cannot cancel" in say(slack, f"cancel M-{m} again")  # core checks before any button


def test_two_presses_at_once_cancel_once(slack: Slack) -> None:
    m = gold_member(slack, today=date(2025, 4, 10))
    preview = slack.command("/membership", f"cancel M-{m} moving away", user=MANAGER)
    (button,) = buttons(preview, MembershipAction.CONFIRM_CANCEL)
    message = Posted("CFRONTDESK", str(preview["text"]), preview["blocks"], ephemeral_to=MANAGER, ts="1.1")
    start = threading.Barrier(2)
    sent: list[str] = []

    def click() -> None:
        start.wait()
        sent.append(
            slack.driver.click(
                MembershipAction.CONFIRM_CANCEL, button["value"], user=MANAGER, message=message
            )[1]
        )

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers = [answer_to(slack, r) for r in sent]
    assert sum("is now *cancelled*" in a for a in answers) == 1, answers
    assert sum("already cancelled" in a for a in answers) == 1, answers
    with slack.shop.tx(write=False) as ctx:
        cancellation = billing.pending_cancellation(ctx, m)
        assert cancellation is not None and cancellation.effective_on == date(2025, 4, 10)
    assert status(slack, m) is Status.CANCELLED


def test_inside_the_lock_in_the_fee_is_shown_and_a_fee_changed_since_is_refused(slack: Slack) -> None:
    m = gold_member(slack, lock_in=6, today=date(2025, 4, 10))
    preview = slack.command("/membership", f"cancel M-{m} now moving away", user=MANAGER)
    assert (
        "Inside its lock-in: cancelling charges a *lock-in fee of $147.00* for the remaining 3 lock-in "
        "months, due Thu 10 Apr 2025." in preview["text"]
    )
    at(slack.shop, date(2025, 5, 10))  # a month later the fee is two months
    changed = press(slack, preview, MembershipAction.CONFIRM_CANCEL, MANAGER)
    assert "The lock-in fee is no longer the $147.00 shown before" in changed["text"]
    assert "*lock-in fee of $98.00* for the remaining 2 lock-in months" in changed["text"]
    assert status(slack, m) is Status.ACTIVE
    assert (
        f"M-{m} is now *cancelled*" in press(slack, changed, MembershipAction.CONFIRM_CANCEL, MANAGER)["text"]
    )
    assert charges(slack, m)[("lock-in", date(2025, 5, 10))].amount == Decimal("98.00")


def test_cancelling_on_a_date_or_at_term_end_and_mistakes_explained(slack: Slack) -> None:
    m = gold_member(slack, today=date(2025, 4, 10))
    assert "from *Sun 1 Feb 2026*" in say(slack, f"cancel M-{m} at term end not renewing")
    preview = slack.command("/membership", f"cancel M-{m} on 1 Jun 2025 moving away", user=MANAGER)
    assert "from *Sun 1 Jun 2025*: moving away" in preview["text"]
    done = press(slack, preview, MembershipAction.CONFIRM_CANCEL, MANAGER)["text"]
    assert f"M-{m} will be *cancelled* from Sun 1 Jun 2025" in done
    assert status(slack, m) is Status.ACTIVE  # the daily jobs cancel it on the day
    assert charges(slack, m)[("regular", date(2025, 6, 1))].status is ChargeStatus.VOID

    other = gold_member(slack, today=date(2025, 4, 10))
    assert "“the 32nd” is not a date I understand" in say(slack, f"cancel M-{other} on the 32nd")
    assert "Say why: `/membership cancel" in say(slack, f"cancel M-{other} now")
    assert "in the past" in say(slack, f"cancel M-{other} on Tue 1 Apr 2025 moving")
    quotes = '"' * 990  # each one two characters on the button: over Slack's 2,000
    assert "too long to carry on the confirmation button" in say(slack, f"cancel M-{other} {quotes}")
    refused = slack.command("/membership", f"cancel M-{other} moving", user=STAFF)
    assert "admin or manager role" in refused["text"] and not buttons(
        refused, MembershipAction.CONFIRM_CANCEL
    )
    assert "There is no membership M-9999" in say(slack, "cancel M-9999 moving")
    assert status(slack, other) is Status.ACTIVE


def test_a_lock_in_cancellation_and_a_planned_freeze_wait_for_approval_with_their_options(
    slack: Slack,
) -> None:
    m = gold_member(slack, lock_in=6, today=date(2025, 4, 10))
    with slack.shop.tx(ADMIN) as ctx:
        update_settings(
            ctx, approve_lock_in_cancels=True, approve_freezes=True, approvals_channel="CAPPROVALS"
        )
    preview = slack.command("/membership", f"cancel M-{m} on 1 Jun 2025 moving away", user=MANAGER)
    assert "*lock-in fee of $98.00*" in preview["text"] and "A manager must approve it" in preview["text"]
    assert (
        "waits for a manager's approval"
        in press(slack, preview, MembershipAction.CONFIRM_CANCEL, MANAGER)["text"]
    )
    assert (
        "was already sent for approval (pending)"
        in press(slack, preview, MembershipAction.CONFIRM_CANCEL, MANAGER)["text"]
    )
    posted = wait_until(lambda: slack.standin.channel_messages("CAPPROVALS"), what="the request")
    assert (
        len(posted) == 1 and "from Sun 1 Jun 2025 with a lock-in fee of $98.00: moving away" in posted[0].text
    )
    with slack.shop.tx(write=False) as ctx:
        assert billing.pending_cancellation(ctx, m) is None  # nothing until approved
    slack.driver.click(
        ApprovalAction.APPROVE, posted[0].blocks[-1]["elements"][0]["value"], user=ADMIN, message=posted[0]
    )
    wait_until(lambda: "was approved by" in posted[0].text, what="the approval")
    with slack.shop.tx(write=False) as ctx:
        cancellation = billing.pending_cancellation(ctx, m)
        assert cancellation is not None
        assert (cancellation.effective_on, cancellation.lock_in_fee) == (date(2025, 6, 1), Decimal("98.00"))
        assert cancellation.created_by == MANAGER  # made in the requester's name

    other = gold_member(slack, today=date(2025, 4, 10))
    held = say(slack, f"freeze M-{other} from Thu 1 May 2025 until Sat 10 May 2025 travelling")
    assert "waits for a manager's approval" in held and "from Thu 1 May 2025 until Sat 10 May 2025" in held
    request = wait_until(
        lambda: [p for p in slack.standin.channel_messages("CAPPROVALS") if "Freeze" in p.text],
        what="the freeze request",
    )[-1]
    slack.driver.click(
        ApprovalAction.APPROVE, request.blocks[-1]["elements"][0]["value"], user=ADMIN, message=request
    )
    wait_until(lambda: "was approved by" in request.text, what="the approval")
    with slack.shop.tx(write=False) as ctx:
        freeze = billing.open_freeze(ctx, other)
        assert freeze is not None and (freeze.starts_on, freeze.until) == (
            date(2025, 5, 1),
            date(2025, 5, 10),
        )


# /billing


def test_billing_lists_charges_with_paid_and_failed_buttons(slack: Slack) -> None:
    m = gold_member(slack)
    first, second = charges(slack, m)[("regular", START)], charges(slack, m)[("regular", date(2025, 3, 1))]
    listed = slack.command("/billing", "anna", user=STAFF)
    text = listed["text"]
    assert "*Charges of Anna Yoga*" in text and f"*M-{m}* Gold — active" in text
    assert (
        f"• *C-{first.id}* Sat 1 Feb to Fri 28 Feb 2025: *$74.00* (with $25.00 setup fee), "
        "due Sat 1 Feb 2025 — due "
        ":warning: *overdue*" in text
    )
    assert f"• *C-{second.id}* Sat 1 Mar to Mon 31 Mar 2025: *$49.00*, due Sat 1 Mar 2025 — due" in text
    assert (
        f"C-{second.id}* Sat 1 Mar to Mon 31 Mar 2025: *$49.00*, due Sat 1 Mar 2025 — due :warning:"
        not in text
    )
    assert len(buttons(listed, BillingAction.MARK_PAID)) == 10  # a page of ten, each owed
    more = buttons(listed, BillingAction.CHARGES_MORE)
    assert len(more) == 1

    paid = press(slack, listed, BillingAction.MARK_PAID, STAFF)
    assert f"C-{first.id} (M-{m}, $74.00) is now *paid*." in paid["text"]
    assert "due Sat 1 Feb 2025 — paid" in paid["text"]  # the list again, as it is now
    again = press(slack, listed, BillingAction.MARK_PAID, STAFF)  # the first reply's button, pressed twice
    assert "was already recorded as *paid*; nothing changed" in again["text"]
    failed_value = buttons(paid, BillingAction.MARK_FAILED)[0]["value"]
    assert json.loads(failed_value)["charge"] == second.id
    failed = press(slack, paid, BillingAction.MARK_FAILED, STAFF, failed_value)
    assert f"C-{second.id} (M-{m}, $49.00) is recorded as *failed*; it is still owed." in failed["text"]
    assert charges(slack, m)[("regular", date(2025, 3, 1))].status is ChargeStatus.FAILED

    rest = press(slack, listed, BillingAction.CHARGES_MORE, STAFF)
    assert "(continued; 12 in all)" in rest["text"] and "Thu 1 Jan 2026" in rest["text"]
    looked = slack.command("/billing", f"M-{m}", user=SPECIALIST)  # may read, not record
    assert "*Charges of Anna Yoga*" in looked["text"] and not buttons(looked, BillingAction.MARK_PAID)


def test_billing_commands_record_payments_and_explain_mistakes(slack: Slack) -> None:
    m = gold_member(slack)
    first = charges(slack, m)[("regular", START)]

    def billing_say(text: str, user: str = STAFF) -> str:
        return say(slack, text, user, "/billing")

    assert f"C-{first.id} (M-{m}, $74.00) is now *paid*." in billing_say(f"pay C-{first.id} card at the desk")
    assert "already recorded as *paid*; nothing changed" in billing_say(f"pay {first.id}")
    assert f"C-{first.id} is paid already" in billing_say(f"fail C-{first.id} declined")
    assert charges(slack, m)[("regular", START)].note == "card at the desk"
    assert "There is no charge C-9999." in billing_say("pay C-9999")
    assert "“twelve” is not a charge such as C-12" in billing_say("pay twelve")
    assert "You need" in billing_say(f"pay C-{first.id}", SPECIALIST)
    assert "No customer matches “Nobody”" in billing_say("Nobody")
    assert "`/billing pay C-<number> [note]`" in billing_say("help")
    assert "`/billing pay C-<number> [note]`" in billing_say("")


# Settings and the plan form


def test_the_settings_form_saves_enforce_billing_and_the_credits_rule(slack: Slack) -> None:
    view = press_home(slack, ADMIN, "home_settings", "workspace_settings")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["enforce_billing"]["element"]["type"] == "checkboxes"
    assert "initial_options" not in blocks["enforce_billing"]["element"]  # off by default
    radio = blocks["cancelled_credits"]["element"]
    assert radio["type"] == "radio_buttons" and radio["initial_option"]["value"] == "keep"
    assert [o["value"] for o in radio["options"]] == ["keep", "forfeit"]
    assert slack.driver.submit(ADMIN, {"enforce_billing": ["yes"], "cancelled_credits": "forfeit"}) == {}
    with slack.shop.tx(write=False) as ctx:
        assert billing.billing_settings(ctx) == billing.BillingSettings(True, "forfeit")
    view = press_home(slack, ADMIN, "home_settings", "workspace_settings")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["cancelled_credits"]["element"]["initial_option"]["value"] == "forfeit"
    assert [o["value"] for o in blocks["enforce_billing"]["element"]["initial_options"]] == ["yes"]


def test_the_plan_form_sets_proration_and_keeps_it_fixed_once_sold(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    view = slack.open_modal("/plans", "new", user=ADMIN, callback_id="plan_details")
    assert any(b.get("block_id") == "prorate_first_period" for b in view["blocks"])
    answer = slack.driver.submit(ADMIN, {"name": "Diamond", "price": "31", "prorate_first_period": ["yes"]})
    assert answer == {"response_action": "clear"}
    with slack.shop.tx(write=False) as ctx:
        diamond = plan_by_name(ctx, "Diamond")
    assert diamond.terms.prorate_first_period is True
    member(slack.shop, diamond.id, date(2025, 3, 15))
    view = slack.open_modal("/plans", "edit diamond", user=ADMIN, callback_id="plan_details")
    assert all(b.get("block_id") != "prorate_first_period" for b in view["blocks"])
    assert any("(first period prorated)" in str(b) for b in view["blocks"] if b["type"] == "context")
    assert slack.driver.submit(ADMIN, {"price": "35"}) == {"response_action": "clear"}
    with slack.shop.tx(write=False) as ctx:
        edited = plan_by_name(ctx, "Diamond")
    assert (edited.terms.price, edited.terms.prorate_first_period) == (Decimal("35.00"), True)


# Enforce billing at the counter


def test_an_overdue_charge_refuses_a_redemption_naming_the_charge_and_its_amount(slack: Slack) -> None:
    m = gold_member(slack)
    with slack.shop.tx() as ctx:
        billing.update_billing_settings(ctx, enforce_billing=True)
    first = charges(slack, m)[("regular", START)]
    refused = say(slack, "redeem anna 1", STAFF, "/credits")
    assert f"M-{m} has an overdue charge C-{first.id} of $74.00, due Sat 1 Feb 2025" in refused
    assert "record its payment before redeeming" in refused
    say(slack, f"pay C-{first.id}", STAFF, "/billing")
    assert "Redeem *1* credits" in say(slack, "redeem anna 1", STAFF, "/credits")
