"""Keys carried by buttons and modals are bound to who pressed and what for (bot/keys.py): a
crafted value cannot take a key of core's or the scheduler's own (a membership's first grant,
`initial:<id>`), nor another person's, and a double click still changes the ledger once."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import col

from bot.listeners.checkout.ids import CheckoutAction
from bot.listeners.credits.ids import CreditsAction, CreditsView
from bot.listeners.memberships.ids import MembershipAction
from bot.standin import Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers import service as customers
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from storage.tables.credits import LedgerOperation
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, MANAGER, STAFF
from tests.integration.checkout.test_service import counter, rows
from tests.integration.credit_helpers import at, credit_plan, member

CHANNEL = "CFRONTDESK"
NOT_OURS = "This button was not made by memberbot"
VISIT = "Customer 2025-01-01: 3 x Massage 60 @ 100, 2 x lotion @ 25"  # at the checkout counter


def credits_of(slack: Slack, customer: int) -> Decimal:
    with slack.shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def operations(slack: Slack) -> list[LedgerOperation]:
    with slack.shop.tx(write=False) as ctx:
        return list(ctx.uow.all(ctx.uow.select(LedgerOperation).order_by(col(LedgerOperation.id))))


def confirm_button(reply: dict[str, Any]) -> dict[str, Any]:
    button = reply["blocks"][-1]["elements"][0]
    assert isinstance(button, dict)
    return button


def press(slack: Slack, reply: dict[str, Any], user: str, value: str | None = None) -> str:
    """Press the reply's Confirm button as `user` (with its own value, or `value`)."""
    button = confirm_button(reply)
    message = Posted(CHANNEL, str(reply["text"]), reply["blocks"], ephemeral_to=user, ts="1.000001")
    http, response_id = slack.driver.click(
        button["action_id"], value or button["value"], user=user, message=message
    )
    assert http.status_code == 200
    return str(wait_until(lambda: slack.standin.replies(response_id), what="the answer")[-1]["text"])


def with_key(button: dict[str, Any], key: str) -> str:
    return json.dumps({**json.loads(button["value"]), "key": key})


def test_a_crafted_grant_with_the_key_of_a_first_grant_no_longer_blocks_the_approval(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    credit_plan(slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4), initial=Decimal(3)))
    with slack.shop.tx() as ctx:
        anna = customers.add_customer(ctx, customers.CustomerInput(company="Anna Yoga")).id
    sold = slack.command("/membership", "assign anna gold from 1 Feb 2025", user=STAFF)
    assert "is waiting for a manager's approval" in sold["text"], sold["text"]
    request = wait_until(lambda: slack.standin.channel_messages(CHANNEL), what="the approval request")[-1]
    contract = int(request.blocks[1]["elements"][0]["value"])

    preview = slack.command("/credits", "grant anna 2 goodwill", user=ADMIN)
    crafted = with_key(confirm_button(preview), f"initial:{contract}")  # the key approval grants with
    assert NOT_OURS in press(slack, preview, ADMIN, crafted)
    assert operations(slack) == [] and credits_of(slack, anna) == 0  # nothing written

    http, _ = slack.driver.click(MembershipAction.APPROVE, str(contract), user=MANAGER, message=request)
    assert http.status_code == 200
    wait_until(lambda: "Approved by" in request.text, what="the approval")
    with slack.shop.tx(write=False) as ctx:
        assert memberships.get(ctx, contract).status is Status.SCHEDULED
    assert credits_of(slack, anna) == 3  # the initial credits, granted under their own key

    assert "now has 5 credits" in press(slack, preview, ADMIN)  # the real button still grants
    keys = [op.key for op in operations(slack)]
    assert keys[0] == f"initial:{contract}"
    assert keys[-1].startswith(f"slack:{ADMIN}:grant:")


def anna_member(slack: Slack) -> tuple[int, int]:
    """Anna and her Gold membership, with 8 transferable credits."""
    at(slack.shop, date(2025, 1, 15))
    terms = CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(8), transferable=True)
    gold = credit_plan(slack.shop, terms)
    with slack.shop.tx() as ctx:
        anna = customers.add_customer(ctx, customers.CustomerInput(company="Anna Yoga")).id
    return member(slack.shop, gold, date(2025, 1, 15), customer=anna)


def test_another_persons_button_is_their_own_request_and_a_double_click_redeems_once(slack: Slack) -> None:
    anna, _ = anna_member(slack)
    preview = slack.command("/credits", "redeem anna 2", user=STAFF)
    value = confirm_button(preview)["value"]
    # The manager presses the staff member's button first: it neither takes the staff member's
    # key (which would answer their own press "already done") nor answers with their result.
    by_manager = press(slack, preview, MANAGER, value)
    assert "Redeemed *2* credits" in by_manager and "already done" not in by_manager
    by_staff = press(slack, preview, STAFF, value)
    assert "Redeemed *2* credits" in by_staff and "already done" not in by_staff
    assert "already done" in press(slack, preview, STAFF, value)  # the double click
    assert "already done" in press(slack, preview, MANAGER, value)
    redeemed = [op for op in operations(slack) if op.kind == "redeem"]
    assert [op.actor for op in redeemed] == [MANAGER, STAFF]
    nonce = json.loads(value)["key"]
    assert [op.key for op in redeemed] == [f"slack:{MANAGER}:redeem:{nonce}", f"slack:{STAFF}:redeem:{nonce}"]
    assert credits_of(slack, anna) == 4


def test_a_key_for_one_purpose_is_not_the_key_of_another(slack: Slack) -> None:
    anna, _ = anna_member(slack)
    redeem = slack.command("/credits", "redeem anna 2", user=ADMIN)
    nonce = json.loads(confirm_button(redeem)["value"])["key"]
    grant = slack.command("/credits", "grant anna 1 goodwill", user=ADMIN)
    assert "Redeemed *2* credits" in press(slack, redeem, ADMIN)
    said = press(slack, grant, ADMIN, with_key(confirm_button(grant), nonce))
    assert "now has 7 credits" in said and "already" not in said
    assert credits_of(slack, anna) == 7


def test_a_crafted_key_in_a_forms_metadata_is_refused_and_nothing_is_written(slack: Slack) -> None:
    anna, _ = anna_member(slack)
    slack.open_modal("/credits", "redeem", user=STAFF, callback_id=CreditsView.REDEEM_FORM)
    slack.driver.submit(STAFF, {"customer": str(anna), "quantity": "2"})
    confirmation = copy.deepcopy(slack.standin.top_modal(STAFF) or {})
    metadata = json.loads(confirmation["private_metadata"])
    for crafted in ("initial:1", "grant:1:2025-01", "", metadata["key"].upper(), metadata["key"] + ":x"):
        slack.standin.modals[STAFF] = [
            {**confirmation, "private_metadata": json.dumps({**metadata, "key": crafted})}
        ]
        answer = slack.driver.submit(STAFF)
        assert answer["response_action"] == "update", crafted
        assert NOT_OURS in json.dumps(answer["view"]), crafted
    assert operations(slack)[-1].kind == "grant" and credits_of(slack, anna) == 8  # nothing redeemed


def test_the_cancel_and_transfer_buttons_refuse_a_crafted_key_too(slack: Slack) -> None:
    _, contract = anna_member(slack)
    with slack.shop.tx() as ctx:
        customers.add_customer(ctx, customers.CustomerInput(company="Bruno Fitness"))
    transfer = slack.command("/credits", "transfer 1 from anna to bruno", user=STAFF)
    assert confirm_button(transfer)["action_id"] == CreditsAction.CONFIRM_TRANSFER
    assert NOT_OURS in press(
        slack, transfer, STAFF, with_key(confirm_button(transfer), "freeze-1-2025-01-15--")
    )
    cancel = slack.command("/membership", f"cancel M-{contract} moving away", user=MANAGER)
    assert confirm_button(cancel)["action_id"] == MembershipAction.CONFIRM_CANCEL
    assert NOT_OURS in press(
        slack, cancel, MANAGER, with_key(confirm_button(cancel), "freeze-1-2025-01-15--")
    )
    with slack.shop.tx(write=False) as ctx:
        assert memberships.get(ctx, contract).status is Status.ACTIVE
    assert [op.kind for op in operations(slack)] == ["grant"]


def test_a_checkout_posted_by_one_person_is_not_posted_again_by_another(slack: Slack) -> None:
    counter(slack.shop)
    preview = slack.command("/checkout", VISIT, user=STAFF)
    (post,) = [e for e in preview["blocks"][-1]["elements"] if e["action_id"] == CheckoutAction.POST]
    reply = {**preview, "blocks": [*preview["blocks"][:-1], {"type": "actions", "elements": [post]}]}
    crafted = json.dumps({**json.loads(post["value"]), "k": "invoice:1:points"})  # a key of core's
    before = rows(slack.shop)
    assert NOT_OURS in press(slack, reply, STAFF, crafted)
    assert rows(slack.shop) == before
    assert "Posted *" in press(slack, reply, STAFF)
    after = rows(slack.shop)
    assert "sent twice" in press(slack, reply, STAFF)  # the double click
    by_manager = press(slack, reply, MANAGER)  # the same button is the manager's own request
    assert "was already posted" in by_manager and "sent twice" not in by_manager
    assert rows(slack.shop) == after
