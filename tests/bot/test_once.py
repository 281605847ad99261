"""A Slack request that arrives twice — Slack's retry, a double submission, a replay of the same
signed body — takes effect once and is answered as the first was (bot/once.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot import once
from core.customers.service import CustomerInput, add_customer
from storage.tables.base import TenantRow
from storage.tables.customers import Customer
from storage.tables.memberships import Contract
from storage.tables.slack import SlackRequest
from tests.bot.conftest import Slack, wait_until
from tests.conftest import STAFF


def _count(slack: Slack, table: type[TenantRow]) -> int:
    """Rows of the test's workspace (the database is shared by the session's tests)."""
    with slack.shop.db.session() as s:
        query = select(func.count()).select_from(table).where(col(table.tenant_id) == slack.shop.team)
        return int(s.scalar(query) or 0)


@pytest.mark.faults
def test_a_sale_sent_three_times_is_made_once_and_each_is_answered_alike(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin Spa"))
    http, response_id = slack.driver.slash("/membership", "assign blue fin gold", user=STAFF)
    assert http.status_code == 200
    first = wait_until(lambda: slack.standin.replies(response_id), what="the reply")[-1]
    assert slack.driver.resend(retry=1).status_code == 200  # Slack's retry of a slow ack
    assert slack.driver.resend().status_code == 200  # a replay of the captured body
    replies = wait_until(lambda: (r := slack.standin.replies(response_id))[2:] and r, what="three replies")
    assert [r["text"] for r in replies] == [first["text"]] * 3
    assert _count(slack, Contract) == 1


@pytest.mark.faults
def test_a_form_submitted_twice_adds_one_customer(slack: Slack) -> None:
    slack.open_modal("/customers", "add Blue Fin", user=STAFF, callback_id="customer_add")
    assert slack.driver.submit(STAFF, {"contact": "João"}) == {}
    again = slack.driver.resend()
    assert again.status_code == 200 and (again.json() if again.content else {}) == {}
    assert _count(slack, Customer) == 1


def test_a_refused_submission_keeps_no_key_and_is_refused_again(slack: Slack) -> None:
    slack.open_modal("/customers", "add Blue Fin", user=STAFF, callback_id="customer_add")
    wrong = slack.driver.submit(STAFF, {"email": "not-an-email"})
    assert wrong["response_action"] == "errors"
    assert slack.driver.resend().json()["errors"] == wrong["errors"]
    assert _count(slack, SlackRequest) == 0 and _count(slack, Customer) == 0


@pytest.mark.faults
def test_twins_at_the_same_moment_still_sell_once(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin Spa"))
    _, response_id = slack.driver.slash("/membership", "assign blue fin gold", user=STAFF)
    wait_until(lambda: slack.standin.replies(response_id), what="the reply")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: slack.driver.resend().status_code, range(4)))
    assert answers == [200] * 4
    wait_until(lambda: len(slack.standin.replies(response_id)) == 5, what="five replies")
    assert _count(slack, Contract) == 1


def test_a_new_request_for_the_same_thing_is_a_new_write(slack: Slack) -> None:
    slack.open_modal("/customers", "add Blue Fin", user=STAFF, callback_id="customer_add")
    assert slack.driver.submit(STAFF, {"contact": "João"}) == {}
    slack.open_modal("/customers", "add Red Fin", user=STAFF, callback_id="customer_add")
    assert slack.driver.submit(STAFF, {"contact": "João"}) == {}
    assert _count(slack, Customer) == 2 and _count(slack, SlackRequest) == 2


def test_keys_are_forgotten_after_a_day(slack: Slack) -> None:
    slack.open_modal("/customers", "add Blue Fin", user=STAFF, callback_id="customer_add")
    slack.driver.submit(STAFF, {"contact": "João"})
    once.forget_before(slack.shop.db, datetime.now(UTC) - once.KEPT)
    assert _count(slack, SlackRequest) == 1  # younger than a day: kept
    assert once.forget_before(slack.shop.db, datetime.now(UTC) + timedelta(seconds=1)) >= 1
    assert _count(slack, SlackRequest) == 0
