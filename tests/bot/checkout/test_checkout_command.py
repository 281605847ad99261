"""/checkout over real HTTP: the preview of a worked invoice writes nothing; Post posts once
however often pressed; a stale preview names its line and offers a fresh one; a removed discount
stays removed; void (managers) restores credits; points are converted once; bad lines are said by
their number, in the form too."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

from bot.listeners.checkout.ids import CheckoutAction, CheckoutView
from bot.standin import Posted
from core.catalog import locations as catalog
from core.checkout import service as checkout
from core.credits import ledger
from core.credits.lots import Pool, Unit
from core.customers.service import CustomerInput, add_customer
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, MANAGER, SPECIALIST, STAFF
from tests.integration.checkout.test_service import Counter, available, counter, rows

CHANNEL = "CFRONTDESK"
WHO = "Customer 2025-01-01"  # the counter's customer (contact Ann Lee)
VISIT = f"{WHO}: 3 x Massage 60 @ 100, 2 x lotion @ 25"


def buttons(reply: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    return [
        e
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id or e["action_id"].startswith(f"{action_id}-")
    ]


def press(
    slack: Slack, reply: dict[str, Any], action_id: str, user: str = STAFF, n: int = 0
) -> dict[str, Any]:
    """Press a button of an ephemeral reply; the bot's answer replaces it."""
    button = buttons(reply, action_id)[n]
    message = Posted(CHANNEL, str(reply["text"]), reply["blocks"], ephemeral_to=user, ts="1.000001")
    http, response_id = slack.driver.click(button["action_id"], button["value"], user=user, message=message)
    assert http.status_code == 200
    answered = wait_until(lambda: slack.standin.replies(response_id), what=f"the answer to {action_id}")
    assert answered[-1].get("replace_original") is True
    return dict(answered[-1])


def reference(reply: dict[str, Any]) -> str:
    return str(json.loads(buttons(reply, CheckoutAction.POST)[0]["value"])["r"])


def test_the_preview_of_a_worked_invoice_says_each_benefit_and_its_rule_and_writes_nothing(
    slack: Slack,
) -> None:
    c = counter(slack.shop)
    before = rows(slack.shop)
    reply = slack.command("/checkout", VISIT, user=STAFF)
    text = str(reply["text"])
    assert "*Preview* — nothing is recorded until you press Post." in text
    assert f"— {WHO} (Ann Lee) at Downtown, credits first" in text
    assert "*1. 3 x Massage 60* at $100.00 = $300.00" in text
    assert f"- $200.00 service credit on 2: M-{c.gold} Gold: service credits, 1 a service (lot #" in text
    assert f"- $20.00 discount on 1: M-{c.gold} Gold: 20% off every service" in text
    assert f"- $30.00 monetary credit: M-{c.silver} Silver: monetary credit, services share" in text
    assert "common pool, at most 60.00 an invoice" in text
    assert "*2. 2 x LOTION* at $25.00 = $50.00" in text
    assert f"- $5.00 discount on 2: M-{c.gold} Gold: 10% off every product" in text
    assert "Gross $350.00 - benefits $285.00 = *due $65.00*" in text
    assert f"earns *65* points (M-{c.platinum} Platinum: 1 point per 1 paid, rounded down)" in text
    assert rows(slack.shop) == before  # a preview writes nothing
    assert buttons(reply, CheckoutAction.REMOVE_DISCOUNT) == []  # credits first: nothing to swap
    assert len(buttons(reply, CheckoutAction.POST)[0]["value"]) <= 2000


def test_post_pressed_twice_posts_once(slack: Slack) -> None:
    c = counter(slack.shop)
    reply = slack.command("/checkout", VISIT, user=STAFF)
    before = rows(slack.shop)
    refused = press(
        slack, reply, CheckoutAction.POST, user=SPECIALIST
    )  # a specialist previews but may not post
    assert "You need the admin, manager or staff role" in str(refused["text"])
    assert rows(slack.shop) == before
    first = press(slack, reply, CheckoutAction.POST)
    assert f"Posted *{reference(reply)}*: due *$65.00*, 65 points earned." in str(first["text"])
    after = rows(slack.shop)
    again = press(slack, reply, CheckoutAction.POST)
    assert "(already posted: this request was sent twice)" in str(again["text"])
    assert rows(slack.shop) == after
    balance = available(slack.shop, c.customer)
    assert balance.get((Unit.CREDIT, Pool.ANY), Decimal(0)) == 0
    assert balance[(Unit.POINTS, Pool.ANY)] == Decimal(65)
    shown = slack.command("/checkout", f"show {reference(reply).lower()}", user=STAFF)
    assert f"*{reference(reply)}* (posted)" in str(shown["text"]) and "*due $65.00*" in str(shown["text"])


def test_monetary_credit_can_be_kept_for_later(slack: Slack) -> None:
    c = counter(slack.shop)
    reply = slack.command("/checkout", VISIT, user=STAFF)
    kept = press(slack, reply, CheckoutAction.MONEY)
    text = str(kept["text"])
    assert "Monetary credit is kept for later" in text and "monetary credit:" not in text
    assert "*due $125.00*; earns *125* points" in text
    assert [b["text"]["text"] for b in buttons(kept, CheckoutAction.MONEY)] == ["Use monetary credit"]
    done = press(slack, kept, CheckoutAction.POST)
    assert "due *$125.00*" in str(done["text"])
    balance = available(slack.shop, c.customer)
    assert balance[(Unit.MONEY, Pool.SERVICES)] == Decimal("30.00")
    assert balance[(Unit.MONEY, Pool.COMMON)] == Decimal("50.00")


def test_two_presses_at_once_post_once(slack: Slack) -> None:
    c = counter(slack.shop)
    reply = slack.command("/checkout", VISIT, user=STAFF)
    start = threading.Barrier(2)
    answers: list[dict[str, Any]] = []

    def double_click() -> None:
        start.wait()
        answers.append(press(slack, reply, CheckoutAction.POST))

    threads = [threading.Thread(target=double_click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    said = sorted(str(a["text"]).split("\n")[0] for a in answers)
    assert len(said) == 2 and all(s.startswith(f"Posted *{reference(reply)}*") for s in said)
    assert sum("already posted" in s for s in said) == 1
    assert available(slack.shop, c.customer)[(Unit.POINTS, Pool.ANY)] == Decimal(65)


def test_a_stale_preview_names_the_line_and_offers_a_fresh_one(slack: Slack) -> None:
    c = counter(slack.shop)
    reply = slack.command("/checkout", VISIT, user=STAFF)
    with slack.shop.tx(STAFF) as ctx:  # another desk uses one of the credits meanwhile
        ledger.redeem(ctx, c.customer, Decimal(1), key="other-desk")
    before = rows(slack.shop)
    stale = press(slack, reply, CheckoutAction.POST)
    text = str(stale["text"])
    assert "*Not posted.* Line 1 (Massage 60) now gets other benefits than the preview showed" in text
    assert "- $100.00 service credit on 1:" in text  # the fresh preview: one credit left
    assert rows(slack.shop) == before
    done = press(slack, stale, CheckoutAction.POST)
    assert "Posted *" in str(done["text"])
    with slack.shop.tx(write=False) as ctx:
        posted = checkout.get_invoice(ctx, reference(stale))
    assert posted.breakdown.lines[0].applied[0].units == 1


def test_a_removed_discount_stays_removed_in_a_discounts_first_location(slack: Slack) -> None:
    c = counter(slack.shop)
    refused = slack.command("/checkout", "order Downtown discounts-first", user=STAFF)
    assert "admin" in str(refused["text"])
    told = slack.command("/checkout", "order downtown Discounts-First", user=ADMIN)
    assert "*Downtown* now orders benefits *discounts first*" in str(told["text"])
    reply = slack.command("/checkout", VISIT, user=STAFF)
    assert f"- $60.00 discount on 3: M-{c.gold} Gold: 20% off every service" in str(reply["text"])
    assert [b["text"]["text"] for b in buttons(reply, CheckoutAction.REMOVE_DISCOUNT)] == [
        "Remove discount, line 1",
        "Remove discount, line 2",
    ]
    removed = press(slack, reply, CheckoutAction.REMOVE_DISCOUNT)
    text = str(removed["text"])
    assert "The discount is off line 1 for good" in text
    assert "- $200.00 service credit on 2:" in text and "a discount was removed from this line" in text
    assert "20% off every service" not in text  # not even for the third massage
    assert [b["text"]["text"] for b in buttons(removed, CheckoutAction.REMOVE_DISCOUNT)] == [
        "Remove discount, line 2"
    ]
    assert reference(removed) == reference(reply)
    again = press(
        slack, reply, CheckoutAction.REMOVE_DISCOUNT
    )  # the old button, pressed again: still removed
    assert "20% off every service" not in str(again["text"])
    done = press(slack, removed, CheckoutAction.POST)
    assert "Posted *" in str(done["text"]) and "20% off every service" not in str(done["text"])
    with slack.shop.tx(write=False) as ctx:
        line = checkout.get_invoice(ctx, reference(reply)).breakdown.lines[0]
    assert line.removed == (c.services_20,) and all(a.discount_id is None for a in line.applied)


def posted(slack: Slack, c: Counter) -> str:
    reply = slack.command("/checkout", VISIT, user=STAFF)
    press(slack, reply, CheckoutAction.POST)
    return reference(reply)


def test_post_pressed_after_a_void_changes_nothing(slack: Slack) -> None:
    counter(slack.shop)
    reply = slack.command("/checkout", VISIT, user=STAFF)
    press(slack, reply, CheckoutAction.POST)
    slack.command("/checkout", f"void {reference(reply)} wrong customer", user=MANAGER)
    after = rows(slack.shop)
    again = press(slack, reply, CheckoutAction.POST)
    assert f"*{reference(reply)}* was posted and has since been voided; nothing changed." in str(
        again["text"]
    )
    assert rows(slack.shop) == after


def test_a_manual_location_says_what_slack_does_not_choose(slack: Slack) -> None:
    counter(slack.shop)
    slack.command("/checkout", "order Downtown manual", user=ADMIN)
    text = str(slack.command("/checkout", VISIT, user=STAFF)["text"])
    assert (
        ", benefits chosen by hand" in text and "service credit on" not in text and "discount on" not in text
    )
    assert "chooses benefits by hand (manual order), which Slack does not offer yet" in text
    assert "is not an order of benefits" in str(
        slack.command("/checkout", "order Downtown cheapest-first", user=ADMIN)["text"]
    )


def test_void_by_a_manager_restores_credits_and_is_refused_for_staff(slack: Slack) -> None:
    c = counter(slack.shop)
    number = posted(slack, c)
    after = rows(slack.shop)
    refused = slack.command("/checkout", f"void {number} wrong customer", user=STAFF)
    assert "You need the admin or manager role" in str(refused["text"])
    assert rows(slack.shop) == after
    voided = slack.command("/checkout", f"void {number} wrong customer", user=MANAGER)
    assert f"*{number}* is void (wrong customer)" in str(voided["text"])
    balance = available(slack.shop, c.customer)
    assert balance[(Unit.CREDIT, Pool.ANY)] == Decimal(2)
    assert balance.get((Unit.POINTS, Pool.ANY), Decimal(0)) == 0
    again = slack.command("/checkout", f"void {number} again", user=MANAGER)
    assert "was already void; nothing changed" in str(again["text"])
    assert "(void)" in str(slack.command("/checkout", f"show {number}", user=STAFF)["text"])
    assert slack.command("/checkout", f"void {number}", user=MANAGER)["text"] == "The reason is required."
    assert "There is no posted invoice INV-NONE" in str(
        slack.command("/checkout", "void INV-NONE oops", user=MANAGER)["text"]
    )


def test_points_are_previewed_then_converted_once(slack: Slack) -> None:
    c = counter(slack.shop)
    posted(slack, c)  # 65 points
    before = rows(slack.shop)
    reply = slack.command("/checkout", f"points {WHO} 60", user=STAFF)
    assert f"Convert *60* of the 65 points of *{WHO} (Ann Lee)* to *$3.00* of monetary credit" in str(
        reply["text"]
    )
    assert rows(slack.shop) == before  # the preview writes nothing
    first = press(slack, reply, CheckoutAction.CONVERT_POINTS)
    assert "Converted *60* points" in str(first["text"]) and "5 points left" in str(first["text"])
    again = press(slack, reply, CheckoutAction.CONVERT_POINTS)
    assert "(already done: this request was sent twice)" in str(again["text"])
    assert available(slack.shop, c.customer)[(Unit.POINTS, Pool.ANY)] == Decimal(5)
    too_many = slack.command("/checkout", f"points {WHO} 600", user=STAFF)
    assert "Not enough" in str(too_many["text"]) and not buttons(too_many, CheckoutAction.CONVERT_POINTS)
    assert "Say whose and how many" in str(
        slack.command("/checkout", f"points {WHO} lots", user=STAFF)["text"]
    )


def test_bad_lines_are_said_by_their_number_in_the_form(slack: Slack) -> None:
    c = counter(slack.shop)
    before = rows(slack.shop)
    view = slack.open_modal(
        "/checkout",
        f"{WHO}: 3 x Massage 60 @ 100, 2 x Masage 90 @ 80; lotion @ abc",
        user=STAFF,
        callback_id=CheckoutView.FORM,
    )
    shown = json.dumps(view, ensure_ascii=False)
    assert "Line 2: no service is named “Masage 90”" in shown
    assert "Line 3: “abc” is not a price" in shown
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["customer"]["element"]["initial_option"]["value"] == str(c.customer)
    assert blocks["lines"]["element"]["initial_value"].splitlines()[1] == "2 x Masage 90 @ 80"
    assert rows(slack.shop) == before
    # Core's own checks of a line are said with its number too.
    reply = slack.command("/checkout", f"{WHO}: 0 x Massage 60 @ 100, 1 x lotion @ 1.999", user=STAFF)
    assert "Line 1: The quantity is a whole number from 1 to 1000." in str(reply["text"])
    assert "Line 2:" in str(reply["text"])


def test_unknown_and_ambiguous_customers(slack: Slack) -> None:
    counter(slack.shop)
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Customer 2025-02-01", contact="Bo"))
    unknown = slack.command("/checkout", "Nobody here: 1 x Massage 60 @ 100", user=STAFF)
    assert "No customer matches “Nobody here”" in str(unknown["text"])
    several = slack.command("/checkout", "customer 2025: 1 x Massage 60 @ 100", user=STAFF)
    text = str(several["text"])
    assert "Several customers match “customer 2025”; which one?" in text
    assert f"• {WHO} (Ann Lee)" in text and "• Customer 2025-02-01 (Bo)" in text
    assert not buttons(several, CheckoutAction.POST)
    with slack.shop.tx() as ctx:
        catalog.add_location(ctx, "Airport")
    where = slack.command("/checkout", f"{WHO}: 1 x Massage 60 @ 100", user=STAFF)
    assert (
        "Say where: `/checkout &lt;customer&gt; at &lt;location&gt;: …` (locations: Airport, Downtown)."
        in str(where["text"])
    )
    nowhere = slack.command("/checkout", f"{WHO} at Uptown: 1 x Massage 60 @ 100", user=STAFF)
    assert "No location is named “Uptown”. Locations: Airport, Downtown." in str(nowhere["text"])
    amp = slack.command("/checkout", f"{WHO} at Up & Down: 1 x Massage 60 @ 100", user=STAFF)
    assert "No location is named “Up &amp; Down”." in str(amp["text"])  # escaped once
    assert "“Tom &amp; Jerry”" in str(
        slack.command("/checkout", "Tom & Jerry: 1 x A @ 1", user=STAFF)["text"]
    )
    assert "“Tom &amp; Jerry”" in str(slack.command("/checkout", "points Tom & Jerry 5", user=STAFF)["text"])
    several_points = slack.command("/checkout", "points customer 2025 5", user=STAFF)
    assert "Several customers match “customer 2025”" in str(several_points["text"])


def test_help(slack: Slack) -> None:
    assert "`/checkout void INV-12 <reason>`" in str(slack.command("/checkout", "void", user=STAFF)["text"])
    text = str(slack.command("/checkout", "help", user=STAFF)["text"])
    assert "*`/checkout`: what a member pays for a visit*" in text
    for usage in ("show INV-12", "void INV-12 <reason>", "points <customer> <points>", "order <location>"):
        assert usage in text


def test_the_form_reports_each_bad_line_then_posts_the_preview(slack: Slack) -> None:
    c = counter(slack.shop)
    named = slack.open_modal("/checkout", WHO, user=STAFF, callback_id=CheckoutView.FORM)
    assert named["blocks"][0]["element"]["initial_option"]["value"] == str(c.customer)
    assert named["blocks"][1]["element"]["initial_option"]["text"]["text"] == "Downtown"
    slack.standin.apply_view_answer(STAFF, {"response_action": "clear"})
    view = slack.open_modal("/checkout", "", user=STAFF, callback_id=CheckoutView.FORM)
    assert [b.get("block_id") for b in view["blocks"]] == ["customer", "location", "lines"]
    offered = slack.driver.suggest(STAFF, "customer", "2025-01")
    assert [o["value"] for o in offered] == [str(c.customer)]
    answer = slack.driver.submit(
        STAFF, {"customer": str(c.customer), "lines": "3 x Massage 60 @ 100\n2 x Masage 90 @ 80\nFacial @"}
    )
    assert answer["response_action"] == "errors"
    said = answer["errors"]["lines"]
    assert "Line 2: no service is named “Masage 90”" in said and "Line 3 “Facial @” is not" in said
    assert "Line 1" not in said
    assert slack.driver.submit(STAFF, {"lines": ""})["errors"] == {
        "customer": "Choose the customer.",
        "lines": "Add the lines, e.g. `2 x Massage 60 @ 100`.",
    }
    answer = slack.driver.submit(STAFF, {"customer": str(c.customer), "lines": "3 x Massage 60 @ 100"})
    assert answer == {}
    shown = wait_until(
        lambda: [m for m in slack.standin.messages if m.channel == CHANNEL and m.ephemeral_to == STAFF],
        what="the preview",
    )
    assert "*due $20.00*" in shown[-1].text
    reply = {"text": shown[-1].text, "blocks": shown[-1].blocks}
    assert "Posted *" in str(press(slack, reply, CheckoutAction.POST)["text"])
