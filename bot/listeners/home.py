"""App Home: what needs the user's attention, per role — pending approvals (managers and admins),
credits expiring in the next 7 days, today's and tomorrow's services, recent activity — and
buttons for the common actions. Published on `app_home_opened`, and again for the managers after
a sale or a decision changes what waits for them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import errors, messages, views
from bot.deps import Deps
from bot.events import first_delivery
from bot.listeners import admin_forms, plan_forms
from bot.listeners.classes import home_lines as class_sessions
from bot.listeners.credits import redeem_form
from bot.listeners.memberships import forms as membership_forms
from bot.listeners.replies import Modal, answer, open_modal
from bot.mrkdwn import escape
from core.context import SYSTEM, Ctx
from core.credits import ledger
from core.memberships import service as memberships
from core.visits import service as visits
from core.workspace import roles
from core.workspace.roles import Action

EXPIRING_DAYS = 7
LISTED = 15  # per section; the Home view must stay under Slack's 100 blocks and 250 kB
RECENT = 8

# Quick actions: (action id, label, what it needs, the form it opens)
Form = Callable[[Deps, str, str], dict[str, Any]]
QUICK: tuple[tuple[str, str, Action, Form], ...] = (
    (
        "home_sell",
        "Sell a membership",
        Action.ASSIGN,
        lambda d, t, u: membership_forms.assign_view(d, t, u, membership_forms.Draft(channel="")),
    ),
    ("home_redeem", "Redeem credits", Action.REDEEM, redeem_form),
    ("home_customer", "Add a customer", Action.MANAGE_CUSTOMERS, admin_forms.customer_form),
    ("home_plan", "New plan", Action.MANAGE_PLANS, plan_forms.new_plan_view),
    ("home_settings", "Settings", Action.MANAGE_SETTINGS, admin_forms.settings_form),
    ("home_roles", "Staff roles", Action.MANAGE_ROLES, admin_forms.roles_form),
)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") != "home":
            return
        team = body["team_id"]
        if not await asyncio.to_thread(first_delivery, deps, team, str(body.get("event_id", ""))):
            return  # a retry of a delivery already handled
        await publish(client, deps, team, [event["user"]])

    for action_id, label, _, form in QUICK:
        app.action(action_id)(_quick(deps, label, form))


def _quick(deps: Deps, title: str, form: Form) -> Any:
    async def handle(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        modal = Modal(title, lambda: form(deps, team, user))
        await open_modal(client, body["trigger_id"], modal)

    return handle


async def publish(client: AsyncWebClient, deps: Deps, team: str, users: list[str]) -> None:
    for user in users:
        view = await asyncio.to_thread(_home_or_apology, deps, team, user)
        await client.views_publish(user_id=user, view=view)


def _home_or_apology(deps: Deps, team: str, user: str) -> dict[str, Any]:
    """The Home, or in it what went wrong: it is also refreshed for managers who did not ask."""
    view = errors.or_apology(
        lambda: answer(lambda: home_view(deps, team, user)),
        messages.message,
        what=f"home of {user} in {team}",
    )
    return view if view.get("type") == "home" else {"type": "home", "blocks": view["blocks"]}


async def refresh_approvers(client: AsyncWebClient, deps: Deps, team: str) -> None:
    """Managers' and admins' Homes list what waits for approval: publish them again."""
    with deps.tx(team, SYSTEM, write=False) as ctx:
        approvers = roles.allowed(ctx, Action.APPROVE)
    await publish(client, deps, team, approvers)


def home_view(deps: Deps, team: str, user: str) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        if not roles.roles_of(ctx, user):
            text = "You have no role in memberbot yet. Ask an admin to give you one."
            return {"type": "home", "blocks": messages.message(text)["blocks"]}
        text = messages.render(
            "home",
            workspace=escape(ctx.tenant.name),
            approvals=_approvals(ctx),
            expiring=_expiring(ctx),
            services=_services(ctx) + class_sessions(ctx),
            recent=_recent(ctx),
        )
        buttons = [
            {"type": "button", "action_id": action_id, "text": views.plain(label)}
            for action_id, label, needed, _ in QUICK
            if roles.can(ctx, needed)
        ]
    blocks = [{"type": "actions", "block_id": "quick", "elements": buttons}] if buttons else []
    return {"type": "home", "blocks": blocks + messages.message(text)["blocks"]}


def _approvals(ctx: Ctx) -> list[str] | None:
    if not roles.can(ctx, Action.APPROVE):
        return None
    return [
        f"{m.reference} {escape(m.customer)}: {escape(m.plan)} from {m.start:%d %b}, sold by <@{m.seller}>"
        for m in memberships.pending_approval(ctx)[:LISTED]
    ]


def _expiring(ctx: Ctx) -> list[str]:
    return [
        f"{escape(e.customer)}: {e.expiring.quantity} {e.expiring.unit.value}, "
        f"last day {e.expiring.on:%a %d %b}"
        for e in ledger.expiring_soon(ctx, within_days=EXPIRING_DAYS)[:LISTED]
    ]


def _services(ctx: Ctx) -> list[str]:
    tomorrow = ctx.today() + timedelta(days=1)
    return [
        f"{v.starts_at.astimezone(ctx.tz):%a %H:%M} {escape(v.customer)}: {escape(v.job)} / {escape(v.task)}"
        for v in visits.upcoming(ctx, until=tomorrow)
        if v.due_on >= ctx.today()
    ][:LISTED]


def _recent(ctx: Ctx) -> list[str]:
    return [
        f"{e.at.astimezone(ctx.tz):%d %b %H:%M} M-{contract_id} {e.action}"
        f"{' → ' + e.to_status.label if e.to_status else ''} by <@{e.actor}>"
        for contract_id, e in memberships.recent_activity(ctx, limit=RECENT)
    ]
