"""/plans and /customers: read-only listings (the modals to create and edit come next)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages
from bot.deps import Deps
from bot.listeners.replies import slash_command
from bot.mrkdwn import escape
from core import customers, plans, roles
from core.credit_terms import CreditKind
from core.roles import Action


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/plans")(slash_command(deps, "/plans", plans_reply))
    app.command("/customers")(slash_command(deps, "/customers", customers_reply))


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
