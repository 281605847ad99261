"""The sell-a-membership form: the customer found as one types (external_select), the plan, the
start and end dates, and what the chosen plan includes (its services and credit terms) shown
before submitting — updated in place when another plan is picked. And the form asking why a sale
is rejected (the Approve and Reject buttons are the actions')."""

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
from bot.listeners.approvals import decisions
from bot.listeners.memberships.ids import MembershipForm, SaleField
from bot.listeners.memberships.requests import sale_request
from bot.listeners.replies import answer, submission
from bot.mrkdwn import escape
from core.credits.terms import CreditKind, Expiry
from core.customers import service as customers
from core.kernel.errors import InvalidInput
from core.memberships import flows
from core.memberships.flows import SaleForm
from core.plans.service import PlanView

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


def register(
    app: AsyncApp, deps: Deps, post_for_approval: PostForApproval, sales: decisions.Decisions
) -> None:
    """The sale form, and the form asking why a sale is rejected (`sales`: how sales are decided)."""
    decisions.register_reason_form(app, sales)

    @app.options(SaleField.CUSTOMER)
    async def customer_suggestions(ack: AsyncAck, body: dict[str, Any]) -> None:
        team, user, typed = body["team"]["id"], body["user"]["id"], str(body.get("value", ""))
        found = await asyncio.to_thread(suggest_customers, deps, team, user, typed)
        await ack(options=found)

    @app.action(SaleField.PLAN)
    async def plan_chosen(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Show what the chosen plan includes, in place, keeping what was typed."""
        await ack()
        view = body["view"]
        team, user = body["team"]["id"], body["user"]["id"]
        chosen = views.values(view)
        updated = await asyncio.to_thread(answer, lambda: refreshed_view(deps, team, user, view, chosen))
        if updated.get("type") == "modal":
            await client.views_update(view_id=view["id"], hash=view["hash"], view=updated)

    @app.view(MembershipForm.ASSIGN)
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
    found = deps.read(team, user, customers.search_customers, typed, limit=SUGGESTIONS)
    return [views.option(str(c.id), c.label) for c in found]


def assign_view(deps: Deps, team: str, user: str, draft: Draft) -> dict[str, Any]:
    customer = draft.customer[0] if draft.customer else None
    form = deps.read(team, user, flows.sale_form, customer, draft.plan_id, draft.start, draft.end)
    return sale_view(form, draft.channel)


def refreshed_view(
    deps: Deps, team: str, user: str, view: dict[str, Any], chosen: dict[str, Any]
) -> dict[str, Any]:
    form = deps.read(
        team,
        user,
        flows.sale_form,
        int(chosen["customer"]) if chosen.get("customer") else None,
        int(chosen["plan"]) if chosen.get("plan") else None,
        date.fromisoformat(chosen["start"]) if chosen.get("start") else None,
        date.fromisoformat(chosen["end"]) if chosen.get("end") else None,
    )
    return sale_view(form, views.metadata(view).get("channel", ""))


def sale_view(form: SaleForm, channel: str) -> dict[str, Any]:
    currency, plan = form.currency, form.plan
    blocks = [
        views.external_select(
            SaleField.CUSTOMER,
            "Customer",
            initial=(str(form.customer[0]), form.customer[1]) if form.customer else None,
        ),
        views.select(
            SaleField.PLAN,
            "Plan",
            [
                (str(p.id), f"{p.name} — {p.terms.price} {currency} {p.terms.billing_type.value}")
                for p in form.plans
            ],
            initial=str(plan.id) if plan else None,
            dispatch=True,
        ),
        views.date_input("start", "Start", initial=form.start),
        views.date_input("end", "End (empty: the plan's term)", initial=form.end, optional=True),
        views.section(includes(plan, currency) if plan else "_Choose a plan to see what it includes._"),
    ]
    return views.modal(
        MembershipForm.ASSIGN,
        "Sell a membership",
        blocks,
        submit="Send for approval",
        metadata={"channel": channel},
    )


def includes(plan: PlanView, currency: str) -> str:
    """What a plan gives: its term, recurring services and credit terms."""
    t = plan.terms
    lines = [f"*{escape(plan.name)}* — {t.price} {currency} {t.billing_type.value}"]
    lines.append(f"Term: {t.term_months} months" if t.term_months else "Term: until cancelled")
    if t.setup_fee:
        lines.append(f"Setup fee: {t.setup_fee} {currency}")
    for s in plan.services:
        lines.append(f"• {escape(s.job)} / {escape(s.task)}: {escape(s.schedule)} at {s.at:%H:%M}")
    if not plan.services:
        lines.append("No recurring services.")
    c = t.credits
    if c is None:
        lines.append("No credits: unlimited use.")
    else:
        what = {CreditKind.SERVICE: "service credits", CreditKind.MONETARY: f"{currency} of credit"}
        if c.kind == CreditKind.POINTS:
            lines.append(f"Points: {c.points_per_unit} per {currency} paid")
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


def sell(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    chosen = views.values(view)
    channel = str(views.metadata(view).get("channel", ""))
    if not chosen.get("customer"):
        raise InvalidInput.single("customer", "Choose the customer.")
    if not chosen.get("plan"):
        raise InvalidInput.single("plan", "Choose the plan.")
    end = date.fromisoformat(chosen["end"]) if chosen.get("end") else None
    start = date.fromisoformat(chosen["start"]) if chosen.get("start") else None
    customer, plan = int(chosen["customer"]), int(chosen["plan"])
    sale = deps.write(team, user, flows.sell, customer, plan, start, end, asked_in=channel)
    done = sale.membership
    told = messages.say(
        "sold_from_form", reference=done.reference, customer=escape(done.customer), plan=escape(done.plan)
    )
    return {"post": sale_request(sale, channel), "channel": channel, "told": told}
