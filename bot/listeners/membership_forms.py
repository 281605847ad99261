"""The sell-a-membership form: the customer found as one types (external_select), the plan, the
start and end dates, and what the chosen plan includes (its services and credit terms) shown
before submitting — updated in place when another plan is picked."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners.replies import answer, submission
from bot.mrkdwn import escape
from core.context import Ctx
from core.credits.terms import CreditKind, Expiry
from core.customers import service as customers
from core.kernel.errors import InvalidInput
from core.memberships import service as memberships
from core.plans import service as plans
from core.workspace import tenants

ASSIGN_FORM = "membership_assign"
APPROVE, REJECT = "membership_approve", "membership_reject"
SUGGESTIONS = 50  # options offered while typing a customer's name


@dataclass(frozen=True)
class Draft:
    """What the command already said, to pre-fill the form."""

    channel: str
    customer: tuple[int, str] | None = None
    plan_id: int | None = None
    start: date | None = None
    end: date | None = None


PostForApproval = Callable[[AsyncWebClient, str, dict[str, Any]], Awaitable[None]]


def register(app: AsyncApp, deps: Deps, post_for_approval: PostForApproval) -> None:
    @app.options("customer")
    async def customer_suggestions(ack: AsyncAck, body: dict[str, Any]) -> None:
        team, user, typed = body["team"]["id"], body["user"]["id"], str(body.get("value", ""))
        found = await asyncio.to_thread(suggest_customers, deps, team, user, typed)
        await ack(options=found)

    @app.action("plan")
    async def plan_chosen(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Show what the chosen plan includes, in place, keeping what was typed."""
        await ack()
        view = body["view"]
        team, user = body["team"]["id"], body["user"]["id"]
        chosen = views.values(view)
        updated = await asyncio.to_thread(answer, lambda: refreshed_view(deps, team, user, view, chosen))
        if updated.get("type") == "modal":
            await client.views_update(view_id=view["id"], hash=view["hash"], view=updated)

    @app.view(ASSIGN_FORM)
    async def assign_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        sold: dict[str, Any] = {}

        def work() -> None:
            sold.update(sell(deps, team, user, view))

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
        if sold:
            await post_for_approval(client, team, sold["post"])
            await client.chat_postEphemeral(channel=sold["channel"], user=user, text=sold["told"])


def suggest_customers(deps: Deps, team: str, user: str, typed: str) -> list[dict[str, Any]]:
    if not typed.strip():
        return []
    with deps.tx(team, user, write=False) as ctx:
        found = customers.search_customers(ctx, typed, limit=SUGGESTIONS)
        return [views.option(str(c.id), c.label) for c in found]


def assign_view(deps: Deps, team: str, user: str, draft: Draft) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        return _view(ctx, draft)


def refreshed_view(
    deps: Deps, team: str, user: str, view: dict[str, Any], chosen: dict[str, Any]
) -> dict[str, Any]:
    meta = views.metadata(view)
    customer = None
    if chosen.get("customer"):
        with deps.tx(team, user, write=False) as ctx:
            customer = (int(chosen["customer"]), customers.get_customer(ctx, int(chosen["customer"])).label)
    draft = Draft(
        channel=meta.get("channel", ""),
        customer=customer,
        plan_id=int(chosen["plan"]) if chosen.get("plan") else None,
        start=date.fromisoformat(chosen["start"]) if chosen.get("start") else None,
        end=date.fromisoformat(chosen["end"]) if chosen.get("end") else None,
    )
    return assign_view(deps, team, user, draft)


def _view(ctx: Ctx, draft: Draft) -> dict[str, Any]:
    sellable = [p for p in plans.list_plans(ctx) if p.sellable]
    plan = next((p for p in sellable if p.id == draft.plan_id), None)
    blocks = [
        views.external_select(
            "customer",
            "Customer",
            initial=(str(draft.customer[0]), draft.customer[1]) if draft.customer else None,
        ),
        views.select(
            "plan",
            "Plan",
            [
                (str(p.id), f"{p.name} — {p.terms.price} {ctx.tenant.currency} {p.terms.billing_type.value}")
                for p in sellable
            ],
            initial=str(plan.id) if plan else None,
            dispatch=True,
        ),
        views.date_input("start", "Start", initial=draft.start or ctx.today()),
        views.date_input("end", "End (empty: the plan's term)", initial=draft.end, optional=True),
        views.section(includes(ctx, plan) if plan else "_Choose a plan to see what it includes._"),
    ]
    return views.modal(
        ASSIGN_FORM,
        "Sell a membership",
        blocks,
        submit="Send for approval",
        metadata={"channel": draft.channel},
    )


def includes(ctx: Ctx, plan: plans.PlanView) -> str:
    """What a plan gives: its term, recurring services and credit terms."""
    t = plan.terms
    lines = [f"*{escape(plan.name)}* — {t.price} {ctx.tenant.currency} {t.billing_type.value}"]
    lines.append(f"Term: {t.term_months} months" if t.term_months else "Term: until cancelled")
    if t.setup_fee:
        lines.append(f"Setup fee: {t.setup_fee} {ctx.tenant.currency}")
    for s in plan.services:
        lines.append(f"• {escape(s.job)} / {escape(s.task)}: {escape(s.schedule)} at {s.at:%H:%M}")
    if not plan.services:
        lines.append("No recurring services.")
    c = t.credits
    if c is None:
        lines.append("No credits: unlimited use.")
    else:
        what = {
            CreditKind.SERVICE: "service credits",
            CreditKind.MONETARY: f"{ctx.tenant.currency} of credit",
        }
        if c.kind == CreditKind.POINTS:
            lines.append(f"Points: {c.points_per_unit} per {ctx.tenant.currency} paid")
        else:
            lines.append(f"Credits: {c.per_period} {what[c.kind]} per period ({c.frequency.value})")
        if c.initial:
            lines.append(f"At sign-up: {c.initial}")
        expiry = {
            Expiry.NEVER: "never expire",
            Expiry.DAYS: f"expire {c.expiry_days} days after they are granted",
            Expiry.MEMBERSHIP_END: "expire when the membership ends",
        }[c.expiry]
        lines.append(f"Credits {expiry}.")
    return "\n".join(lines)


def approval_request(ctx: Ctx, sold: memberships.MembershipView, channel: str) -> dict[str, Any]:
    """The message asking for a decision, with Approve and Reject buttons."""
    plan = plans.get_plan(ctx, sold.plan_id)
    post = messages.message(
        messages.render(
            "approval_request",
            m=sold,
            customer=escape(customers.get_customer(ctx, sold.customer_id).label),
            plan=escape(plan.name),
            price=plan.terms.price,
            currency=ctx.tenant.currency,
            billing=plan.terms.billing_type.value,
        )
    )
    buttons = [
        {
            "type": "button",
            "action_id": APPROVE,
            "style": "primary",
            "value": str(sold.id),
            "text": views.plain("Approve"),
        },
        {
            "type": "button",
            "action_id": REJECT,
            "style": "danger",
            "value": str(sold.id),
            "text": views.plain("Reject"),
        },
    ]
    post["blocks"].append({"type": "actions", "block_id": f"approval-{sold.id}", "elements": buttons})
    return {"channel": tenants.settings(ctx).approvals_channel or channel, **post}


def sell(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    chosen = views.values(view)
    channel = str(views.metadata(view).get("channel", ""))
    if not chosen.get("customer"):
        raise InvalidInput.single("customer", "Choose the customer.")
    if not chosen.get("plan"):
        raise InvalidInput.single("plan", "Choose the plan.")
    end = date.fromisoformat(chosen["end"]) if chosen.get("end") else None
    with deps.tx(team, user) as ctx:
        start = date.fromisoformat(chosen["start"]) if chosen.get("start") else ctx.today()
        done = memberships.assign(ctx, int(chosen["customer"]), int(chosen["plan"]), start, end)
        post = approval_request(ctx, done, channel)
    told = messages.say(
        "sold_from_form", reference=done.reference, customer=escape(done.customer), plan=escape(done.plan)
    )
    return {"post": post, "channel": channel, "told": told}
