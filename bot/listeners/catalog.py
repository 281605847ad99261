"""/plans and /customers: read-only listings (the modals to create and edit come next)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages
from bot.deps import Deps
from bot.listeners.replies import answer
from bot.mrkdwn import escape
from core import customers, plans, roles
from core.credit_terms import CreditKind
from core.roles import Action

Reply = Callable[[Deps, str, str, str], dict[str, Any]]


def register(app: AsyncApp, deps: Deps) -> None:
    for name, reply in (("/plans", plans_reply), ("/customers", customers_reply)):
        app.command(name)(_handler(deps, name, reply))


def _handler(deps: Deps, name: str, reply: Reply) -> Callable[..., Any]:
    async def handle(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        text = str(command.get("text", "")).strip()
        message = await asyncio.to_thread(
            answer,
            lambda: reply(deps, command["team_id"], command["user_id"], text),
            request=f"{name} from {command['user_id']} in {command['team_id']}",
        )
        await respond(response_type="ephemeral", replace_original=False, **message)

    return handle


def plans_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    if text.lower() == "help":
        return messages.message(messages.render("plans_help"))
    if text:
        return messages.message(
            f"`/plans {escape(text)}` is not available yet. " + messages.render("plans_help")
        )
    with deps.tx(team, user, write=False) as ctx:
        roles.require(ctx, Action.VIEW)
        rows = [_plan_row(p) for p in plans.list_plans(ctx)]
        return messages.message(messages.render("plans", plans=rows, currency=ctx.tenant.currency))


def customers_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    if not text or text.lower() == "help":
        return messages.message(messages.render("customers_help"))
    with deps.tx(team, user, write=False) as ctx:
        found = customers.search_customers(ctx, text, limit=20)
        labels = [f"{escape(c.label)}{' — ' + escape(c.email) if c.email else ''}" for c in found]
        return messages.message(messages.render("customers", customers=labels, query=escape(text)))


def _plan_row(plan: plans.PlanView) -> dict[str, Any]:
    t = plan.terms
    credits = ""
    if t.credits is not None:
        c = t.credits
        what = {CreditKind.SERVICE: "credits", CreditKind.MONETARY: "of credit", CreditKind.POINTS: "points"}[
            c.kind
        ]
        credits = "points on payments" if c.kind == CreditKind.POINTS else f"{c.per_period} {what} per period"
        if c.initial:
            credits += f" + {c.initial} at sign-up"
    return {
        "name": escape(plan.name),
        "code": plan.code,
        "enabled": plan.enabled,
        "price": t.price,
        "billing": t.billing_type.value,
        "term": f"{t.term_months} months" if t.term_months else "no expiry",
        "credits": credits,
        "services": [escape(f"{s.job} / {s.task}: {s.schedule}") for s in plan.services],
    }
