"""Workflow Builder steps through the real Bolt app: a function_executed event, signed as Slack
signs it, runs the same core flow as the command for the workflow's actor, and completes the
execution with its outputs, or fails it with the refusal in words. A retried delivery does
nothing twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from bot.listeners.workflows.ids import Step
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer
from storage.tables.memberships import Contract
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, NOBODY, STAFF


def ended(slack: Slack, execution: str) -> dict[str, Any]:
    done = wait_until(lambda: slack.standin.completions.get(execution), what=f"the step {execution} to end")
    assert isinstance(done, dict)
    return done


def contracts(slack: Slack, customer_id: int) -> int:
    with slack.shop.tx(write=False) as ctx:
        query = select(func.count()).select_from(Contract).where(col(Contract.customer_id) == customer_id)
        return int(ctx.uow.session.execute(query).scalar_one())


def a_customer(slack: Slack, company: str) -> int:
    with slack.shop.tx() as ctx:
        return add_customer(ctx, CustomerInput(company=company)).id


def test_a_sell_step_sells_for_its_actor_and_waits_for_approval_and_a_retry_sells_nothing_more(
    slack: Slack,
) -> None:
    customer = a_customer(slack, "Harbour Gym")
    inputs = {"customer": "harbour", "plan": "gold", "start_date": "", "actor": STAFF}
    execution = slack.driver.run_step(Step.SELL, inputs)
    outputs = ended(slack, execution)["outputs"]
    assert outputs["status"] == "pending" and outputs["awaits_approval"] is True
    assert outputs["contract"].startswith("M-") and contracts(slack, customer) == 1
    slack.driver.run_step(Step.SELL, inputs, retry_of=slack.driver.last_event)
    wait_until(lambda: slack.standin.calls.count("functions.completeSuccess") == 2, what="the retry handled")
    assert contracts(slack, customer) == 1  # sold once
    assert slack.standin.completions[execution] == {"outputs": outputs}  # the first answer stands


def test_a_step_run_by_someone_without_the_role_fails_saying_so_and_writes_nothing(slack: Slack) -> None:
    customer = a_customer(slack, "Harbour Gym")
    execution = slack.driver.run_step(Step.SELL, {"customer": "harbour", "plan": "gold", "actor": NOBODY})
    error = ended(slack, execution)["error"]
    assert "role" in error and "Sorry" not in error
    assert contracts(slack, customer) == 0


def test_a_step_naming_nobody_or_an_unknown_plan_fails_with_the_reason(slack: Slack) -> None:
    a_customer(slack, "Harbour Gym")
    nobody = slack.driver.run_step(Step.SELL, {"customer": "zzz", "plan": "gold", "actor": STAFF})
    assert "No customer matches “zzz”" in ended(slack, nobody)["error"]
    no_plan = slack.driver.run_step(Step.SELL, {"customer": "harbour", "plan": "diamond", "actor": STAFF})
    assert "diamond" in ended(slack, no_plan)["error"]
    no_actor = slack.driver.run_step(Step.CHECK, {"customer": "harbour", "actor": "system"})
    assert "person running the workflow" in ended(slack, no_actor)["error"]


def test_check_credits_gives_what_later_steps_can_use(slack: Slack) -> None:
    customer = a_customer(slack, "Harbour Gym")
    with slack.shop.tx() as ctx:
        ledger.grant(ctx, customer, Unit.CREDIT, Decimal(3), key="w")
    execution = slack.driver.run_step(Step.CHECK, {"customer": "harbour", "actor": STAFF})
    assert ended(slack, execution)["outputs"] == {
        "customer": "Harbour Gym",
        "available": 3.0,
        "next_expiry": "",
    }


def test_a_grant_step_grants_once_and_staff_may_not_grant(slack: Slack) -> None:
    customer = a_customer(slack, "Harbour Gym")
    inputs = {"customer": "harbour", "quantity": 2, "reason": "welcome gift", "actor": ADMIN}
    execution = slack.driver.run_step(Step.GRANT, inputs)
    assert ended(slack, execution)["outputs"] == {"granted": True, "awaits_approval": False, "available": 2.0}
    slack.driver.run_step(Step.GRANT, inputs, retry_of=slack.driver.last_event)
    wait_until(lambda: slack.standin.calls.count("functions.completeSuccess") == 2, what="the retry handled")
    with slack.shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == Decimal(2)  # granted once
    refused = slack.driver.run_step(Step.GRANT, {**inputs, "actor": STAFF})
    assert "role" in ended(slack, refused)["error"]
    bad = slack.driver.run_step(Step.GRANT, {**inputs, "quantity": "lots"})
    assert "“lots” is not a number of credits" in ended(slack, bad)["error"]
