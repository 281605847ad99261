"""Reminders reach Slack through the outbox: an outage delays them and loses none, each arrives
once; the Redeem button of a reminder opens the form (previewed, then confirmed); one scheduler
leads on PostgreSQL; and `memberbot serve` runs the daily jobs by itself on a database with a test clock."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.deliver import deliver_due
from bot.local_server import Running, free_port
from bot.notifications.ids import ReminderAction
from bot.scheduler import Leadership
from bot.standin import Posted, SlackStandIn
from core import outbox
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.daily import jobs as daily
from core.kernel.clock import Clock
from tests.bot.conftest import SECRET, TOKEN, Slack, wait_until
from tests.conftest import STAFF, Shop
from tests.integration.credit_helpers import at, credit_plan, member
from tests.integration.helpers import shop_on_a_file

WEEKLY_EXPIRING = CreditTerms(
    kind=CreditKind.SERVICE, per_period=Decimal(2), expiry=Expiry.DAYS, expiry_days=8
)


def reminder_due(shop: Shop) -> int:
    """A member whose first credits' last day is 22 Jan: the 7-day reminder is due on 15 Jan."""
    at(shop, date(2025, 1, 15))
    customer, _ = member(shop, credit_plan(shop, WEEKLY_EXPIRING), date(2025, 1, 15))
    daily.catch_up(shop.db, shop.team, shop.clock)
    return customer


def deliver(slack: Slack, timer: Clock | None = None) -> int:
    """The deliverer's pass, its real time read from `timer` (the shop's clock unless told)."""
    client = AsyncWebClient(token=TOKEN, base_url=f"{slack.standin.url}/api/")

    async def client_for(team: str) -> AsyncWebClient | None:
        return client if team in (slack.shop.team, f"{slack.shop.team}Z") else None

    return asyncio.run(deliver_due(slack.shop.db, client_for, timer or slack.shop.clock))


def dms(slack: Slack, user: str) -> list[Posted]:
    return [m for m in slack.standin.channel_messages(user)]


@pytest.mark.faults
def test_an_outage_delays_a_reminder_and_it_arrives_once(slack: Slack) -> None:
    reminder_due(slack.shop)
    slack.standin.down = True
    assert deliver(slack) == 0
    with slack.shop.tx(write=False) as ctx:
        (waiting,) = outbox.pending(ctx)
    assert waiting.attempts == 1 and "service_unavailable" in waiting.last_error
    slack.standin.down = False
    assert deliver(slack) == 0  # not before its next attempt
    slack.shop.clock.advance(timedelta(minutes=1))
    assert deliver(slack) == 1
    assert deliver(slack) == 0  # sent: never again
    (dm,) = dms(slack, STAFF)
    assert "2 credits expire after Wed 22 Jan 2025 (in 7 days)" in dm.text
    with slack.shop.tx(write=False) as ctx:
        assert outbox.pending(ctx) == []


def test_the_reminders_redeem_button_opens_the_form_for_that_customer(slack: Slack) -> None:
    customer = reminder_due(slack.shop)
    deliver(slack)
    (dm,) = dms(slack, STAFF)
    button = dm.blocks[-1]["elements"][0]
    assert (button["action_id"], button["value"]) == (ReminderAction.REDEEM, str(customer))
    slack.driver.click(ReminderAction.REDEEM, button["value"], user=STAFF, message=dm)
    view = wait_until(
        lambda: (
            (slack.standin.top_modal(STAFF) or {}).get("callback_id") == "credits_redeem"
            and slack.standin.top_modal(STAFF)
        ),
        what="the redeem form",
    )
    assert view["blocks"][0]["element"]["initial_option"]["value"] == str(customer)
    assert slack.driver.submit(STAFF, {"quantity": "2"})["response_action"] == "update"  # the preview
    assert slack.driver.submit(STAFF) == {}  # confirmed
    with slack.shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == Decimal(0)


@pytest.mark.faults
def test_a_reminders_redeem_button_pressed_after_the_credits_are_gone_says_so_and_loses_its_button(
    slack: Slack,
) -> None:
    customer = reminder_due(slack.shop)
    deliver(slack)
    (dm,) = dms(slack, STAFF)
    with slack.shop.tx() as ctx:  # used up at the desk meanwhile
        ledger.redeem(ctx, customer, Decimal(2), key="desk")
    slack.driver.click(ReminderAction.REDEEM, str(customer), user=STAFF, message=dm)
    wait_until(lambda: "Nothing is left to redeem" in dm.text, what="the reminder updated")
    assert "2 credits expire after" in dm.text  # what it said is kept
    assert not [b for b in dm.blocks if b.get("type") == "actions"]  # no live Redeem button
    assert slack.standin.top_modal(STAFF) is None  # no form opened


def test_one_scheduler_leads_on_postgresql_and_another_takes_over(shop: Shop) -> None:
    first, second = Leadership(shop.db), Leadership(shop.db)
    try:
        assert first.leads()
        if shop.db.dialect == "postgresql":
            assert not second.leads()
            first.resign()  # as when its process dies and its connection closes
            assert second.leads() and not first.leads()
        else:  # one machine's SQLite: every process may run the jobs; their keys keep effects single
            assert second.leads()
    finally:
        first.resign()
        second.resign()


@pytest.mark.postgresql
@pytest.mark.faults
def test_a_paused_leader_is_taken_over_when_its_lease_runs_out_and_stops_leading_when_resumed(
    shop: Shop,
) -> None:
    """A leader that stops renewing (paused, hung) holds the others back only until its lease
    runs out; resumed, it finds the lease taken. The lease is timed by the database's clock."""
    first, second = Leadership(shop.db, lease_seconds=1), Leadership(shop.db, lease_seconds=1)
    try:
        assert first.leads() and not second.leads()
        assert first.leads()  # renewed while it ticks
        time.sleep(1.3)  # the first is paused: no tick renews its lease
        assert second.leads()
        assert not first.leads()  # resumed: the lease is the other's now
        assert second.leads()
    finally:
        first.resign()
        second.resign()


@pytest.mark.parametrize("command", ["serve", "scheduler"])
def test_the_scheduler_runs_the_daily_jobs_and_delivers_reminders_by_itself(
    tmp_path: Path, command: str
) -> None:
    """In `memberbot serve` and alone as `memberbot scheduler`, on a database of its own (the
    scheduler sweeps every workspace a database holds)."""
    shop = shop_on_a_file(tmp_path / "shop.sqlite", datetime(2025, 1, 15, 17, 0, tzinfo=UTC), "TSCHEDULED")
    db = shop.db
    member(shop, credit_plan(shop, WEEKLY_EXPIRING), date(2025, 1, 15))
    standin = SlackStandIn(team=shop.team, bot_token=TOKEN)
    fake = Running(standin.web_app())
    port = free_port()
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": TOKEN,
        "PORT": str(port),
        "SLACK_API_URL": f"{fake.url}/api/",
        "DATABASE_URL": db.url,
        "MEMBERBOT_SCHEDULER": "on",
    }
    args = ["serve", "--host", "127.0.0.1"] if command == "serve" else ["scheduler"]
    process = subprocess.Popen([str(Path(sys.executable).parent / "memberbot"), *args], env=env)
    try:
        dm = wait_until(lambda: standin.channel_messages(STAFF), what="the reminder", timeout=30)
        assert "in 7 days" in dm[-1].text
        if command == "serve":
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"ok": True}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        fake.stop()
        db.dispose()
