"""What nobody expected, through the real Bolt app over HTTP: for each surface the person sees the
apology with a reference where they are, the trace is logged once under that reference, and Slack
gets a 200. The fault is real — a table core reads is gone — not a mock of our own code."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from bot.standin import Posted
from core.customers.service import CustomerInput, add_customer
from core.plans import service as plans
from tests.bot.conftest import Slack, wait_until
from tests.conftest import STAFF
from tests.integration.credit_helpers import at

APOLOGY = re.compile(r"Sorry, something went wrong on our side\. Reference: `?([0-9a-f]{8})`?\.")


@contextmanager
def gone(slack: Slack, table: str, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The table is renamed away while the block runs (the database is shared by the session's
    tests, so it comes back after), and errors are captured from every logger."""
    with slack.shop.db.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {table} RENAME TO {table}_gone"))
    try:
        with caplog.at_level(logging.ERROR):
            yield
    finally:
        with slack.shop.db.engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table}_gone RENAME TO {table}"))


def logged_once(caplog: pytest.LogCaptureFixture, said: str, *, request: str) -> None:
    """The reference the person saw names exactly one log record, the only one with a trace, which
    says what was asked; what they saw holds no trace and no SQL."""
    found = APOLOGY.search(said)
    assert found, said
    assert "Traceback" not in said and "_gone" not in said and "SELECT" not in said and "INSERT" not in said
    traced = [r for r in caplog.records if r.exc_info]
    assert len(traced) == 1, [r.getMessage() for r in traced]
    assert found.group(1) in traced[0].getMessage() and request in traced[0].getMessage()


def customers(slack: Slack, *names: str) -> list[int]:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        return [add_customer(ctx, CustomerInput(company=n)).id for n in names]


def test_a_command_answers_ephemerally_with_the_apology(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    with gone(slack, "customer", caplog):
        reply = slack.command("/customers", "harbour", user=STAFF)  # asserts the HTTP 200
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    logged_once(caplog, reply["text"], request=f"/customers from {STAFF} in {slack.shop.team}")


def test_a_button_in_a_message_answers_beside_it_and_keeps_the_message(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    customers(slack, *(f"Harbour Unit {n:02d}" for n in range(25)))
    first = slack.command("/customers", "harbour", user=STAFF)
    more = first["blocks"][-1]["elements"][0]
    message = Posted("CFRONTDESK", first["text"], first["blocks"], ephemeral_to=STAFF, ts="1.000001")
    with gone(slack, "customer", caplog):
        http, response_id = slack.driver.click(more["action_id"], more["value"], user=STAFF, message=message)
        reply = wait_until(lambda: slack.standin.replies(response_id), what="the apology")[-1]
    assert http.status_code == 200
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False  # the page stays
    logged_once(caplog, reply["text"], request=f"{more['action_id']} by {STAFF} in {slack.shop.team}")


def test_a_submission_shows_the_apology_under_the_first_field_and_keeps_the_form(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.open_modal("/customers", "add Blue Fin", user=STAFF, callback_id="customer_add")
    with gone(slack, "customer", caplog):
        answer = slack.driver.submit(STAFF, {"contact": "João"})  # asserts the HTTP 200
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["company"]
    assert [v["callback_id"] for v in slack.standin.modal_stack(STAFF)] == ["customer_add"]  # as typed
    logged_once(caplog, answer["errors"]["company"], request=f"customer_add by {STAFF} in {slack.shop.team}")


def test_a_modal_that_cannot_be_built_shows_the_apology_instead_of_loading(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    with gone(slack, "location", caplog):  # the form lists the locations
        http, _ = slack.driver.slash("/customers", "add Blue Fin", user=STAFF)
        shown = wait_until(lambda: _notice(slack), what="the apology in the modal")
    assert http.status_code == 200
    assert shown["title"]["text"] == "Add a customer" and len(slack.standin.modal_stack(STAFF)) == 1
    logged_once(caplog, shown["blocks"][0]["text"]["text"], request=f"/customers from {STAFF}")


def test_a_choice_in_a_form_shows_the_apology_on_top_of_it(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    (cafe,) = customers(slack, "Café Müller")
    slack.open_modal("/membership", "assign", user=STAFF, callback_id="membership_assign")
    with slack.shop.tx(write=False) as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
    with gone(slack, "customer", caplog):  # the summary names the chosen customer
        http = slack.driver.choose(STAFF, "plan", str(gold.id), {"customer": str(cafe)})
        shown = wait_until(lambda: _notice(slack), what="the apology over the form")
    assert http.status_code == 200
    assert [v["callback_id"] for v in slack.standin.modal_stack(STAFF)] == ["membership_assign", "notice"]
    logged_once(caplog, shown["blocks"][0]["text"]["text"], request=f"plan by {STAFF} in {slack.shop.team}")


def test_a_home_that_cannot_be_built_shows_the_apology_in_the_home(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    with gone(slack, "customer", caplog):
        assert slack.driver.open_home(STAFF).status_code == 200
        home = wait_until(lambda: slack.standin.homes.get(STAFF), what="the Home")
    logged_once(caplog, home["blocks"][0]["text"]["text"], request=f"home of {STAFF} in {slack.shop.team}")


def _notice(slack: Slack) -> dict[str, Any] | None:
    view = slack.standin.top_modal(STAFF)
    return view if view and view.get("callback_id") == "notice" else None
