"""App Home: what needs the user's attention, per role — pending approvals (managers and admins),
credits expiring in the next 7 days, today's and tomorrow's services."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.deps import Deps
from bot.listeners.replies import answer
from bot.mrkdwn import escape
from core import ledger, memberships, roles, visits
from core.roles import Action

EXPIRING_DAYS = 7
LISTED = 15  # per section; the Home view must stay under Slack's 100 blocks and 250 kB


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") != "home":
            return
        user, team = event["user"], body["team_id"]
        view = await asyncio.to_thread(answer, lambda: home_view(deps, team, user), request=f"home of {user}")
        await client.views_publish(user_id=user, view=view)


def home_view(deps: Deps, team: str, user: str) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        if not roles.roles_of(ctx, user):
            text = "You have no role in memberbot yet. Ask an admin to give you one."
            return {"type": "home", "blocks": messages.message(text)["blocks"]}
        approvals = None
        if roles.can(ctx, Action.APPROVE):
            approvals = [
                f"{m.reference} {escape(m.customer)}: {escape(m.plan)} from {m.start:%d %b}, sold by "
                f"<@{m.seller}>"
                for m in memberships.pending_approval(ctx)[:LISTED]
            ]
        expiring = [
            f"{escape(e.customer)}: {e.expiring.quantity} {e.expiring.unit.value}, last day "
            f"{e.expiring.on:%a %d %b}"
            for e in ledger.expiring_soon(ctx, within_days=EXPIRING_DAYS)
        ]
        tomorrow = ctx.today() + timedelta(days=1)
        services = [
            f"{v.starts_at.astimezone(ctx.tz):%a %H:%M} {escape(v.customer)}: {escape(v.job)} / "
            f"{escape(v.task)}"
            for v in visits.upcoming(ctx, until=tomorrow)
            if v.due_on >= ctx.today()
        ]
        text = messages.render(
            "home",
            workspace=escape(ctx.tenant.name),
            approvals=approvals,
            expiring=expiring[:LISTED],
            services=services[:LISTED],
        )
        return {"type": "home", "blocks": messages.message(text)["blocks"]}
