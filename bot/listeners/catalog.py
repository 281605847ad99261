"""/plans (list, new, edit, clone, disable, enable) and /customers (search, add)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages
from bot.deps import Deps
from bot.listeners import admin_forms, plan_forms
from bot.listeners.replies import Modal, answer, slash_command
from bot.mrkdwn import escape
from bot.pagination import more_button, page, read_more
from core.context import Ctx
from core.credits.terms import CreditKind
from core.customers import service as customers
from core.kernel.errors import NotFound
from core.plans import service as plans
from core.workspace import roles
from core.workspace.roles import Action

CUSTOMERS_MORE, PLANS_MORE = "customers_more", "plans_more"
CUSTOMERS_PAGE, PLANS_PAGE = 20, 10
SEARCHED = 100  # customers a search lists at most (core caps it), a page at a time


def register(app: AsyncApp, deps: Deps) -> None:
    plan_forms.register(app, deps)

    @app.action(CUSTOMERS_MORE)
    async def more_customers(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        offset, state = read_more(body["actions"][0]["value"])
        reply = await asyncio.to_thread(
            answer,
            lambda: customers_page(deps, team, user, str(state["q"]), offset),
        )
        await respond(replace_original=True, **reply)

    @app.action(PLANS_MORE)
    async def more_plans(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        offset, _ = read_more(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: plans_page(deps, team, user, offset))
        await respond(replace_original=True, **reply)

    app.command("/plans")(slash_command(deps, "/plans", plans_reply))
    app.command("/customers")(slash_command(deps, "/customers", customers_reply))


def plans_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal:
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "help":
        return messages.message(messages.render("plans_help"))
    if verb == "new":
        with deps.tx(team, user, write=False) as ctx:
            roles.require(ctx, Action.MANAGE_PLANS)  # refuse before a modal opens for nothing
        return Modal("New plan", lambda: plan_forms.new_plan_view(deps, team, user))
    if verb in ("edit", "clone", "disable", "enable") and rest:
        return _plan_verb(deps, team, user, verb, rest)
    if text:
        return messages.message(
            messages.say("not_a_plans_command", text=escape(text)) + " " + messages.render("plans_help")
        )
    return plans_page(deps, team, user, 0)


def plans_page(deps: Deps, team: str, user: str, offset: int) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        roles.require(ctx, Action.VIEW)
        every = plans.list_plans(ctx)
        shown, next_offset = page(every, offset, PLANS_PAGE)
        reply = messages.message(
            messages.render(
                "plans",
                plans=[_plan_row(p) for p in shown],
                currency=ctx.tenant.currency,
                first=offset + 1,
                total=len(every),
            )
        )
    if next_offset is not None:
        reply["blocks"].append(more_button(PLANS_MORE, next_offset))
    return reply


def _plan_verb(deps: Deps, team: str, user: str, verb: str, text: str) -> dict[str, Any] | Modal:
    name, _, new_name = text.partition(" as ") if verb == "clone" else (text, "", "")
    with deps.tx(team, user) as ctx:
        roles.require(ctx, Action.MANAGE_PLANS)
        plan = one_plan(ctx, name.strip())
        if verb == "edit":
            return Modal("Edit plan", lambda: plan_forms.edit_plan_view(deps, team, user, plan.id))
        if verb == "clone":
            copy = plans.clone_plan(ctx, plan.id, new_name.strip() or f"{plan.name} (copy)")
            return messages.message(
                messages.say("plan_cloned", copy=escape(copy.name), source=escape(plan.name))
            )
        done = plans.set_enabled(ctx, plan.id, verb == "enable")
        return messages.message(messages.say("plan_enabled", name=escape(done.name), enabled=done.enabled))


def one_plan(ctx: Ctx, text: str) -> plans.PlanView:
    """The plan `text` names: an exact name or code, or the only plan that matches; never a guess."""
    found = plans.find_plans(ctx, text)
    exact = [p for p in found if text.casefold() in (p.name.casefold(), p.code.casefold())]
    if len(exact) == 1 or len(found) == 1:
        return exact[0] if exact else found[0]
    if not found:
        raise NotFound(messages.say("no_plan", query=text), "plan")
    raise NotFound(messages.say("several_plans", query=text, names=[p.name for p in found[:10]]), "plan")


def customers_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal:
    if not text or text.lower() == "help":
        return messages.message(messages.render("customers_help"))
    verb, _, rest = text.partition(" ")
    if verb.lower() == "add":
        with deps.tx(team, user, write=False) as ctx:
            roles.require(ctx, Action.MANAGE_CUSTOMERS)
        return Modal("Add a customer", lambda: admin_forms.customer_form(deps, team, user, rest.strip()))
    return customers_page(deps, team, user, text, 0)


def customers_page(deps: Deps, team: str, user: str, query: str, offset: int) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        found = customers.search_customers(ctx, query, limit=SEARCHED)
    labels = [f"{escape(c.label)}{' — ' + escape(c.email) if c.email else ''}" for c in found]
    shown, next_offset = page(labels, offset, CUSTOMERS_PAGE)
    reply = messages.message(
        messages.render(
            "customers", customers=shown, query=escape(query), first=offset + 1, total=len(labels)
        )
    )
    if next_offset is not None:
        reply["blocks"].append(more_button(CUSTOMERS_MORE, next_offset, {"q": query[:500]}))
    return reply


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
