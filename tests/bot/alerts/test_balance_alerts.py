"""Balance alerts: once per crossing of the threshold, to the membership specialist, with the
credit report, a follow-up form and a snooze; the follow-up report lists who is above."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.listeners.alerts.ids import AlertAction
from core import outbox
from core.credits import ledger
from core.credits.lots import Pool, Unit
from core.daily import jobs as daily
from core.kernel import formats
from core.workspace.tenants import update_settings
from tests.bot.conftest import Slack, wait_until
from tests.bot.test_scheduler import deliver
from tests.conftest import ADMIN, SPECIALIST, STAFF
from tests.integration.credit_helpers import at
from tests.integration.helpers import add_customer


def rich_customer(slack: Slack) -> int:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx(ADMIN) as ctx:
        update_settings(ctx, balance_alert_above=Decimal(100))
        customer = add_customer(ctx, "Harbour <Gym>", "")
        ledger.grant(ctx, customer, Unit.MONEY, Decimal(150), key="deposit", pool=Pool.COMMON)
    return customer


def alerts_queued(slack: Slack) -> list[str]:
    with slack.shop.tx(write=False) as ctx:
        return [m.key for m in outbox.pending(ctx) if m.key.startswith("balance:")]


def test_an_alert_comes_once_per_crossing(slack: Slack) -> None:
    customer = rich_customer(slack)
    daily.catch_up(slack.shop.db, slack.shop.team, slack.shop.clock)
    assert len(alerts_queued(slack)) == 1 and alerts_queued(slack)[0].endswith(f":{SPECIALIST}")
    at(slack.shop, date(2025, 1, 16))
    daily.catch_up(slack.shop.db, slack.shop.team, slack.shop.clock)
    assert len(alerts_queued(slack)) == 1  # still above: no second alert
    with slack.shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, Decimal(80), key="spent", unit=Unit.MONEY)
    at(slack.shop, date(2025, 1, 17))
    daily.catch_up(slack.shop.db, slack.shop.team, slack.shop.clock)  # back under: the crossing closes
    with slack.shop.tx(ADMIN) as ctx:
        ledger.grant(ctx, customer, Unit.MONEY, Decimal(60), key="again", pool=Pool.COMMON)
    at(slack.shop, date(2025, 1, 18))
    daily.catch_up(slack.shop.db, slack.shop.team, slack.shop.clock)
    assert len(alerts_queued(slack)) == 2  # a new crossing, a new alert


def test_the_specialist_opens_the_report_logs_a_follow_up_and_snoozes(slack: Slack) -> None:
    rich_customer(slack)
    daily.catch_up(slack.shop.db, slack.shop.team, slack.shop.clock)
    assert deliver(slack) == 1
    (alert,) = slack.standin.channel_messages(SPECIALIST)
    assert "*Harbour &lt;Gym&gt;* has $150.00 of account credit, above the $100.00 threshold" in alert.text
    buttons = {e["action_id"]: e["value"] for e in alert.blocks[-1]["elements"]}

    def press(action_id: str, user: str) -> str:
        _, response_id = slack.driver.click(action_id, buttons[action_id], user=user, message=alert)
        return response_id

    slack.driver.click(
        AlertAction.OPEN_REPORT, buttons[AlertAction.OPEN_REPORT], user=SPECIALIST, message=alert
    )
    uploaded = wait_until(
        lambda: [f for f in slack.standin.files.values() if f["channel"]], what="the credit report"
    )
    assert uploaded[0]["content"][:2] == b"PK" and uploaded[0]["channel"] == f"D{SPECIALIST}"
    slack.driver.click(
        AlertAction.LOG_FOLLOW_UP, buttons[AlertAction.LOG_FOLLOW_UP], user=STAFF, message=alert
    )
    wait_until(lambda: slack.standin.top_modal(STAFF), what="the follow-up form")
    refused = slack.driver.submit(STAFF, {"note": "I called"})
    assert "specialist" in refused["errors"]["note"]
    slack.driver.click(
        AlertAction.LOG_FOLLOW_UP, buttons[AlertAction.LOG_FOLLOW_UP], user=SPECIALIST, message=alert
    )
    wait_until(lambda: slack.standin.top_modal(SPECIALIST), what="the follow-up form")
    assert slack.driver.submit(SPECIALIST, {"note": "Called; will book a <!channel> spa day"}) == {}
    report = slack.command("/credits", "followups", user=SPECIALIST)["text"]
    assert "*Harbour &lt;Gym&gt;*: $150.00 since Wed 15 Jan 2025 — last follow-up Wed 15 Jan 2025" in report
    assert "&lt;!channel&gt;" in report
    _, response_id = slack.driver.click(
        AlertAction.SNOOZE, buttons[AlertAction.SNOOZE], user=SPECIALIST, message=alert
    )
    snoozed = wait_until(lambda: slack.standin.replies(response_id), what="the snooze")[-1]["text"]
    assert f"Snoozed until {formats.day(date(2025, 1, 15) + timedelta(days=30))}" in snoozed
    assert (
        "(snoozed until Fri 14 Feb 2025)" in slack.command("/credits", "followups", user=SPECIALIST)["text"]
    )
