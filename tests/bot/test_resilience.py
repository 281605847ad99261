"""Slack's rate limits, retries and our own failures: nothing is lost, nothing is done twice, and
nobody sees a stack trace."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import text

from core.customers.service import CustomerInput, add_customer
from storage.tables.slack import SlackEvent
from tests.bot.conftest import Slack, wait_until
from tests.bot.memberships.test_approvals import CHANNEL
from tests.conftest import STAFF


@pytest.mark.faults
def test_a_429_is_retried_after_the_time_slack_asks_for(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin Spa"))
    slack.standin.rate_limited["chat.postMessage"] = 1
    started = time.monotonic()
    slack.command("/membership", "assign blue fin gold", user=STAFF)
    posted = wait_until(lambda: slack.standin.channel_messages(CHANNEL), what="the approval request")
    assert "Blue Fin Spa" in posted[-1].text
    assert time.monotonic() - started >= 1  # it waited as asked
    assert slack.standin.calls.count("chat.postMessage") == 2 and len(posted) == 1


def test_an_unexpected_error_is_logged_with_a_reference_and_answered_with_an_apology(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    with slack.shop.db.engine.begin() as conn:  # a real fault: the table the search reads is gone
        conn.execute(text("ALTER TABLE customer RENAME TO customer_gone"))
    try:
        with caplog.at_level(logging.ERROR, logger="memberbot.bot"):
            reply = slack.command("/credits", "anna", user=STAFF)["text"]
    finally:  # the database is shared by the session's tests
        with slack.shop.db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE customer_gone RENAME TO customer"))
    assert reply.startswith("Sorry, something went wrong on our side. Reference: `")
    reference = reply.split("`")[1]
    assert "Traceback" not in reply and "customer_gone" not in reply and "SELECT" not in reply
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and f"/credits from {STAFF} in {slack.shop.team}" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the stack trace goes to the log, not to Slack


@pytest.mark.faults
def test_a_retried_event_delivery_takes_effect_once(slack: Slack) -> None:
    assert slack.driver.open_home(STAFF).status_code == 200
    wait_until(lambda: slack.standin.homes.get(STAFF), what="the Home")
    first = slack.driver.last_event
    retried = slack.driver.open_home(STAFF, retry_of=first)
    assert retried.status_code == 200  # acknowledged, so Slack stops retrying
    assert slack.driver.open_home(STAFF).status_code == 200  # a new event, published again
    wait_until(lambda: slack.standin.calls.count("views.publish") == 2, what="the second, new event")
    with slack.shop.tx(write=False) as ctx:
        handled = ctx.uow.all(ctx.uow.select(SlackEvent))
    assert sorted(e.event_id for e in handled) == [f"Ev{first:08d}", f"Ev{slack.driver.last_event:08d}"]
    assert slack.standin.calls.count("views.publish") == 2
