"""/customers merge through the real Bolt app: the preview, Merge once however often it is pressed,
Cancel writes nothing, and only admins and managers merge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.listeners.customers.ids import CustomerAction
from bot.standin import Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers import service as customers
from core.customers.service import CustomerInput
from tests.bot.conftest import Slack, wait_until
from tests.conftest import MANAGER, STAFF
from tests.integration.credit_helpers import at, credit_plan, member


def two_anns(slack: Slack) -> tuple[int, int]:
    """Ann Lee (4 credits) and her duplicate from an import, Lee Studio (4 credits)."""
    at(slack.shop, date(2025, 1, 15))
    gold = credit_plan(slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4)))
    with slack.shop.tx() as ctx:
        ann = customers.add_customer(ctx, CustomerInput(contact="Ann Lee", email="ann@example.com")).id
        dup = customers.add_customer(
            ctx, CustomerInput(company="Lee Studio", contact="Ann Lee", email="lee@example.com")
        ).id
    member(slack.shop, gold, date(2025, 1, 15), customer=ann)
    member(slack.shop, gold, date(2025, 1, 15), customer=dup)
    return dup, ann


def press(slack: Slack, preview: dict[str, Any], action_id: str, user: str) -> str:
    blocks = preview["blocks"]
    (button,) = [e for e in blocks[-1]["elements"] if e["action_id"] == action_id]
    message = Posted("CFRONTDESK", str(preview["text"]), blocks, ephemeral_to=user, ts="1.000001")
    http, response_id = slack.driver.click(action_id, button["value"], user=user, message=message)
    assert http.status_code == 200
    return str(wait_until(lambda: slack.standin.replies(response_id), what="the answer")[-1]["text"])


def credits_of(slack: Slack, customer: int) -> Decimal:
    with slack.shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def test_the_preview_says_what_moves_and_merge_pressed_twice_merges_once(slack: Slack) -> None:
    dup, ann = two_anns(slack)
    preview = slack.command("/customers", f"merge lee studio into #{ann}", user=MANAGER)
    text = preview["text"]
    assert f"Merge *Lee Studio (Ann Lee)* (#{dup}) into *Ann Lee* (#{ann})?" in text
    assert "• 1 membership" in text and "• 1 credit lot holding 4 (1 ledger entry, kept as written)" in text
    assert "e-mail “ann@example.com”, not “lee@example.com”" in text
    assert "company “Lee Studio”" in text
    assert credits_of(slack, ann) == 4  # nothing moves before Merge
    said = press(slack, preview, CustomerAction.MERGE_CONFIRM, MANAGER)
    assert f"Merged *Lee Studio (Ann Lee)* (#{dup}) into *Lee Studio (Ann Lee)* (#{ann})" in said
    assert "already merged" in press(slack, preview, CustomerAction.MERGE_CONFIRM, MANAGER)
    assert credits_of(slack, ann) == 8
    assert f"was merged into #{ann}" in slack.command("/credits", f"#{dup}", user=STAFF)["text"]


def test_cancel_writes_nothing(slack: Slack) -> None:
    dup, ann = two_anns(slack)
    preview = slack.command("/customers", f"merge #{dup} into #{ann}", user=MANAGER)
    assert "Nothing merged" in press(slack, preview, CustomerAction.MERGE_CANCEL, MANAGER)
    with slack.shop.tx(write=False) as ctx:
        assert customers.get_customer(ctx, dup).company == "Lee Studio"
    assert credits_of(slack, ann) == 4 and credits_of(slack, dup) == 4


def test_staff_may_not_merge_and_no_customer_merges_into_itself(slack: Slack) -> None:
    dup, ann = two_anns(slack)
    refused = slack.command("/customers", f"merge #{dup} into #{ann}", user=STAFF)["text"]
    assert "You need the admin or manager role to merge customers." in refused
    itself = slack.command("/customers", f"merge #{ann} into #{ann}", user=MANAGER)["text"]
    assert "cannot be merged into itself" in itself
    assert (
        "`/customers merge <customer> into <customer>`"
        in slack.command("/customers", "merge", user=MANAGER)["text"]
    )
    # A forged Merge press by staff is refused by core as well, and writes nothing.
    preview = slack.command("/customers", f"merge #{dup} into #{ann}", user=MANAGER)
    assert "admin or manager" in press(slack, preview, CustomerAction.MERGE_CONFIRM, STAFF)
    assert credits_of(slack, dup) == 4
