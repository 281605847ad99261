"""The steps: inputs parsed, one core call, outputs as the manifest declares them."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import keys
from bot.deps import Deps
from bot.keys import Purpose
from bot.listeners.home.view import refresh_approvers
from bot.listeners.memberships.actions import post_for_approval
from bot.listeners.memberships.requests import sale_request
from bot.listeners.workflows.ids import Step
from core.approvals import flows as approval_flows
from core.approvals.flows import Held
from core.credits import flows as credits
from core.credits.lots import Unit
from core.customers.lookup import Lookup
from core.kernel.errors import InvalidInput, MemberbotError
from core.memberships import flows as memberships
from core.memberships.lifecycle import Status

log = logging.getLogger("memberbot.bot")
SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")

Outputs = dict[str, Any]
# A step's work: (deps, team, actor, the step's inputs, the function execution id, the client).
Run = Callable[[Deps, str, str, dict[str, Any], str, AsyncWebClient], Awaitable[Outputs]]


def register(app: AsyncApp, deps: Deps) -> None:
    for step, run in ((Step.SELL, sell), (Step.GRANT, grant), (Step.CHECK, check)):
        app.function(step)(_step(deps, step, run))


def _step(deps: Deps, step: Step, run: Run) -> Callable[..., Awaitable[None]]:
    async def handle(
        body: dict[str, Any],
        event: dict[str, Any],
        client: AsyncWebClient,
        complete: AsyncComplete,
        fail: AsyncFail,
    ) -> None:
        team, inputs = str(body.get("team_id", "")), event.get("inputs") or {}
        execution = str(event.get("function_execution_id", ""))
        try:
            outputs = await run(deps, team, _actor(inputs), inputs, execution, client)
        except MemberbotError as refused:
            await _finish(fail(error=refused.message))
            return
        except Exception:  # the workflow must not wait forever on us: say so, with a reference
            reference = uuid.uuid4().hex[:8]
            log.exception("the %s step failed in %s (reference %s)", step, team, reference)
            await _finish(fail(error=f"Sorry, something went wrong on our side. Reference: {reference}."))
            return
        await _finish(complete(outputs=outputs))

    return handle


async def _finish(done: Awaitable[object]) -> None:
    """Complete or fail the execution; a retry of one already finished is refused by Slack, and
    that is the answer it already has."""
    try:
        await done
    except SlackApiError as exc:
        log.info("a workflow step's result was not taken: %s", exc.response.get("error"))


def _actor(inputs: dict[str, Any]) -> str:
    actor = str(inputs.get("actor") or "")
    if not SLACK_USER.fullmatch(actor):
        raise InvalidInput.single(
            "actor", "The step needs the person running the workflow (its Actor input)."
        )
    return actor


def _text(inputs: dict[str, Any], name: str, label: str) -> str:
    value = str(inputs.get(name) or "").strip()
    if not value:
        raise InvalidInput.single(name, f"The step's {label} input is empty.")
    return value


async def sell(
    deps: Deps, team: str, actor: str, inputs: dict[str, Any], execution: str, client: AsyncWebClient
) -> Outputs:
    start = _date(inputs.get("start_date"))
    sold = await asyncio.to_thread(
        deps.write,
        team,
        actor,
        memberships.sell_named,
        _text(inputs, "customer", "Customer"),
        _text(inputs, "plan", "Plan"),
        start,
    )
    if sold.channel:  # the approvals channel: where managers decide; their Homes list it anyway
        await post_for_approval(client, deps, team, sale_request(sold, sold.channel))
    else:
        await refresh_approvers(client, deps, team)
    waits = sold.membership.status is Status.PENDING
    return {
        "contract": sold.membership.reference,
        "status": sold.membership.status.value,
        "awaits_approval": waits,
    }


async def grant(
    deps: Deps, team: str, actor: str, inputs: dict[str, Any], execution: str, client: AsyncWebClient
) -> Outputs:
    quantity = _quantity(inputs.get("quantity"))
    reason = _text(inputs, "reason", "Reason")
    target = await asyncio.to_thread(
        deps.read, team, actor, credits.grantee, _text(inputs, "customer", "Customer")
    )
    done = await asyncio.to_thread(
        deps.write,
        team,
        actor,
        approval_flows.grant,
        target.customer.id,
        quantity,
        reason,
        key=keys.bound(actor, Purpose.GRANT, keys.nonce_of(execution)),
    )
    if isinstance(done, Held):
        return {"granted": False, "awaits_approval": True, "available": 0}
    return {"granted": True, "awaits_approval": False, "available": float(done.left)}


async def check(
    deps: Deps, team: str, actor: str, inputs: dict[str, Any], execution: str, client: AsyncWebClient
) -> Outputs:
    found = await asyncio.to_thread(
        deps.read, team, actor, credits.balance_for, _text(inputs, "customer", "Customer")
    )
    if isinstance(found, Lookup):
        found.one()  # raises: nobody, or several, named
        raise AssertionError("unreachable: a lookup of one customer is a balance")
    soonest = next((e for e in found.balance.expiring if e.unit is Unit.CREDIT), None)
    return {
        "customer": found.customer.label,
        "available": float(found.balance.total(Unit.CREDIT)),
        "next_expiry": soonest.on.isoformat() if soonest else "",
    }


def _date(value: object) -> date | None:
    """Slack's date input gives YYYY-MM-DD; empty means today."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput.single("start_date", f"“{value}” is not a date (YYYY-MM-DD).") from None


def _quantity(value: object) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput.single("quantity", f"“{value}” is not a number of credits.") from None
    if not quantity.is_finite() or quantity == 0 or abs(quantity) > 100_000:
        raise InvalidInput.single("quantity", f"“{value}” is not a number of credits to grant.")
    return quantity
