"""Member e-mail end to end: a sale approved in Slack sends the welcome, a redemption confirmed in
Slack sends the receipt, through the outbox and a real SMTP server (aiosmtpd, in the test process);
an SMTP outage delays an e-mail and it arrives once; unsubscribed members, members without an
address and workspaces without SMTP settings get nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import col

from bot.listeners.memberships.ids import MembershipAction
from bot.standin import Posted
from core import outbox
from core.credits import flows as credit_flows
from core.credits import reminders
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.customers.flows import CustomerChanges, edit_customer
from core.customers.service import CustomerInput, add_customer
from core.daily import jobs as daily
from core.kernel.clock import FixedClock
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from storage.tables.outbox import Outbox
from tests.bot.conftest import Slack, wait_until
from tests.bot.credits.test_redeem import confirm, seeded
from tests.bot.mail.conftest import SENDER, Smtp, html_of, send_mail, text_of, use_smtp
from tests.bot.test_scheduler import WEEKLY_EXPIRING
from tests.conftest import MANAGER, STAFF, Shop
from tests.integration.credit_helpers import at, credit_plan, member

ANNA = "anna@cafe.example"
REAL = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def give_email(shop: Shop, customer_id: int, email: str = ANNA, *, unsubscribed: bool = False) -> None:
    with shop.tx() as ctx:
        edit_customer(ctx, customer_id, CustomerChanges(email=email, unsubscribed=unsubscribed))


def mail_rows(shop: Shop) -> list[Outbox]:
    with shop.tx(write=False) as ctx:
        rows = ctx.uow.all(ctx.uow.select(Outbox).order_by(col(Outbox.id)))
        return [r for r in rows if r.kind.startswith(outbox.EMAIL)]


def sell_and_approve(slack: Slack, email: str = ANNA, company: str = "Café Müller") -> int:
    """A sale made in Slack by staff and approved there by a manager: the membership's id."""
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company=company, contact="Anna", email=email))
    reply = slack.command("/membership", f"assign {company} gold from 1 Feb 2025", user=STAFF)
    assert "is waiting for a manager's approval" in reply["text"], reply["text"]
    message = wait_until(lambda: slack.standin.channel_messages("CFRONTDESK"), what="the request")[-1]
    assert isinstance(message, Posted)
    contract = int(message.blocks[1]["elements"][0]["value"])
    http, _ = slack.driver.click(MembershipAction.APPROVE, str(contract), user=MANAGER, message=message)
    assert http.status_code == 200
    wait_until(lambda: "Approved by" in message.text, what="the approval")
    with slack.shop.tx(write=False) as ctx:
        assert memberships.get(ctx, contract).status is Status.SCHEDULED
    return contract


def redeem(shop: Shop, customer_id: int, key: str = "desk:1") -> None:
    with shop.tx(STAFF) as ctx:
        credit_flows.redeem(ctx, customer_id, Decimal(1), key=key, service_id=None, reference="")


def test_a_sale_approved_in_slack_sends_the_welcome_once(slack: Slack, smtp: Smtp) -> None:
    use_smtp(slack.shop, smtp)
    contract = sell_and_approve(slack)
    assert send_mail(slack.shop) == 1
    (welcome,) = smtp.inbox.to(ANNA)
    assert welcome["Subject"] == "Welcome to Gold at Test Shop"
    assert welcome["From"] == SENDER and welcome["To"] == f"Anna <{ANNA}>"
    assert welcome["List-Unsubscribe"] == "<mailto:hello@shop.example?subject=unsubscribe>"
    assert welcome["Message-ID"].startswith("<outbox.")
    text = text_of(welcome)
    assert (
        f"Your membership Gold (M-{contract}) starts on 1 February 2025 and runs until 31 January 2026."
        in text
    )
    assert "Gold membership" in text  # the plan's description
    assert "What your plan includes:\n- Unlimited use: no credits are counted\n" in text
    assert "Price: 49 USD a month." in text
    assert 'reply to hello@shop.example with "unsubscribe"' in text
    html = html_of(welcome)
    assert "<li>Unlimited use: no credits are counted</li>" in html and "unsubscribe" in html
    assert send_mail(slack.shop) == 0  # sent once
    assert len(smtp.inbox.received) == 1


def test_the_welcome_says_what_credits_the_plan_gives(slack: Slack, smtp: Smtp) -> None:
    credit_plan(
        slack.shop,
        CreditTerms(CreditKind.SERVICE, per_period=Decimal(8), expiry=Expiry.DAYS, expiry_days=60),
    )
    use_smtp(slack.shop, smtp)
    sell_and_approve(slack)
    assert send_mail(slack.shop) == 1
    text = text_of(smtp.inbox.to(ANNA)[0])
    assert "- 8 credits every month\n- Credits can be used for 60 days after they are given\n" in text


def test_a_redemption_confirmed_in_slack_sends_the_receipt(slack: Slack, smtp: Smtp) -> None:
    customer = seeded(slack)
    give_email(slack.shop, customer)
    use_smtp(slack.shop, smtp)
    preview = slack.command("/credits", "redeem cafe muller 3 for yoga class", user=STAFF)
    confirm(slack, preview, STAFF)
    confirm(slack, preview, STAFF)  # pressed twice: one redemption, one receipt
    assert len(mail_rows(slack.shop)) == 1
    assert send_mail(slack.shop) == 1
    (receipt,) = smtp.inbox.to(ANNA)
    assert receipt["Subject"] == "Your receipt from Test Shop"
    text = text_of(receipt)
    assert "on 15 January 2025 at 12:00 you used 3 credits for Yoga class." in text  # New York time
    assert "You have 4 credits left." in text
    assert "Expiring soon:\n- " not in text  # the 2 expiring soon were the ones used
    assert "unsubscribe" in text and "<strong>3 credits</strong>" in html_of(receipt)


def test_an_smtp_outage_delays_the_email_and_it_arrives_once(slack: Slack, smtp: Smtp) -> None:
    customer = seeded(slack)
    give_email(slack.shop, customer)
    use_smtp(slack.shop, smtp)
    redeem(slack.shop, customer)
    timer = FixedClock(REAL)
    smtp.stop()
    assert send_mail(slack.shop, timer) == 0
    (row,) = mail_rows(slack.shop)
    assert row.sent_at is None and row.attempts == 1 and "SMTP server unreachable" in row.last_error
    smtp.start()
    assert send_mail(slack.shop, timer) == 0  # not before its back-off
    timer.advance(timedelta(seconds=10))
    assert send_mail(slack.shop, timer) == 1
    timer.advance(timedelta(hours=1))
    assert send_mail(slack.shop, timer) == 0
    assert len(smtp.inbox.to(ANNA)) == 1
    assert slack.shop.clock.now() == datetime(
        2025, 1, 15, 17, tzinfo=UTC
    )  # the workspace's clock stood still


def test_a_message_the_server_refuses_for_now_is_tried_again(slack: Slack, smtp: Smtp) -> None:
    customer = seeded(slack)
    give_email(slack.shop, customer)
    use_smtp(slack.shop, smtp)
    redeem(slack.shop, customer)
    smtp.inbox.refuse = 1  # "451 try again later", once
    timer = FixedClock(REAL)
    assert send_mail(slack.shop, timer) == 0
    (row,) = mail_rows(slack.shop)
    assert "451" in row.last_error
    timer.advance(timedelta(seconds=10))
    assert send_mail(slack.shop, timer) == 1
    assert len(smtp.inbox.to(ANNA)) == 1


def test_an_address_the_server_refuses_for_good_is_given_up_not_retried_forever(
    slack: Slack, smtp: Smtp
) -> None:
    customer = seeded(slack)
    give_email(slack.shop, customer)
    use_smtp(slack.shop, smtp)
    redeem(slack.shop, customer)
    smtp.inbox.unknown.add(ANNA)  # "550 no such mailbox"
    timer = FixedClock(REAL)
    assert send_mail(slack.shop, timer) == 0
    (row,) = mail_rows(slack.shop)
    assert row.sent_at is not None and "refused the address (550)" in row.last_error  # done with
    timer.advance(timedelta(hours=1))
    smtp.inbox.unknown.clear()
    assert send_mail(slack.shop, timer) == 0 and smtp.inbox.to(ANNA) == []  # not tried again


def test_an_unsubscribed_member_gets_nothing(slack: Slack, smtp: Smtp) -> None:
    customer = seeded(slack)
    use_smtp(slack.shop, smtp)
    give_email(slack.shop, customer)
    view = slack.open_modal("/customers", "edit cafe muller", user=STAFF, callback_id="customer_edit")
    assert {b["block_id"] for b in view["blocks"]} >= {"unsubscribed"}
    assert slack.driver.submit(STAFF, {"unsubscribed": ["yes"]}) == {}
    said = wait_until(
        lambda: [m for m in slack.standin.messages if m.ephemeral_to == STAFF], what="the confirmation"
    )
    assert (
        "Unsubscribed from member e-mail" in said[-1].text
        or "unsubscribed from member e-mail" in said[-1].text
    )
    redeem(slack.shop, customer)
    assert mail_rows(slack.shop) == []
    assert send_mail(slack.shop) == 0 and smtp.inbox.received == []


def test_unsubscribing_after_the_email_was_queued_still_holds_it_back(slack: Slack, smtp: Smtp) -> None:
    customer = seeded(slack)
    give_email(slack.shop, customer)
    use_smtp(slack.shop, smtp)
    redeem(slack.shop, customer)
    give_email(slack.shop, customer, unsubscribed=True)
    assert send_mail(slack.shop) == 0
    (row,) = mail_rows(slack.shop)
    assert row.sent_at is not None and row.last_error == "unsubscribed, or no e-mail address"
    assert smtp.inbox.received == []


def test_a_member_without_an_address_gets_nothing_queued(slack: Slack, smtp: Smtp) -> None:
    customer = seeded(slack)  # no e-mail address
    use_smtp(slack.shop, smtp)
    redeem(slack.shop, customer)
    assert mail_rows(slack.shop) == []
    assert send_mail(slack.shop) == 0 and smtp.inbox.received == []


def test_a_workspace_without_smtp_settings_queues_nothing(slack: Slack, smtp: Smtp) -> None:
    customer = seeded(slack)
    give_email(slack.shop, customer)
    redeem(slack.shop, customer)
    sell_and_approve(slack, email="anna@bluefin.example", company="Blue Fin")
    assert mail_rows(slack.shop) == []
    assert send_mail(slack.shop) == 0 and smtp.inbox.received == []


def test_the_member_is_told_before_credits_expire_once_however_often_the_day_runs(
    slack: Slack, smtp: Smtp
) -> None:
    use_smtp(slack.shop, smtp)
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        anna = add_customer(ctx, CustomerInput(company="Café Müller", contact="Anna", email=ANNA)).id
        no_address = add_customer(ctx, CustomerInput(company="Blue Fin")).id
    plan = credit_plan(slack.shop, WEEKLY_EXPIRING)
    member(slack.shop, plan, date(2025, 1, 15), customer=anna)
    member(slack.shop, plan, date(2025, 1, 15), customer=no_address)
    daily.catch_up(slack.shop.db, slack.shop.team, slack.shop.clock)
    again = daily.run_day(slack.shop.db, slack.shop.team, date(2025, 1, 15), slack.shop.clock)
    with slack.shop.tx() as ctx:  # the day's reminders sent again, as by a second scheduler
        reminders.send(ctx, again.reminders)
    assert [r.kind for r in mail_rows(slack.shop)] == ["email.credits_expiring"]  # Blue Fin has no address
    assert send_mail(slack.shop) == 1
    (reminder,) = smtp.inbox.to(ANNA)
    assert reminder["Subject"] == "Your credits at Test Shop expire on 22 January 2025"
    text = text_of(reminder)
    assert (
        "2 credits of your membership at Test Shop can be used until 22 January 2025, 7 days from now."
        in text
    )
    assert "unsubscribe" in text and "<strong>2 credits</strong>" in html_of(reminder)
