"""App Home: what needs the user's attention, per role — what waits for their approval, with
Approve and Reject (managers and admins; core lists what they may decide), credits expiring in the
next 7 days, today's and tomorrow's services and class sessions, recent activity — and buttons for
the common actions the roles allow."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import errors, messages, views
from bot.deps import Deps
from bot.listeners.approvals.listing import item_blocks
from bot.listeners.home.actions import QUICK
from bot.listeners.replies import answer
from bot.listeners.visits.menu import home_line, visit_menu
from bot.mrkdwn import escape
from core.context import SYSTEM
from core.credits.ledger import ExpiringFor
from core.kernel import formats
from core.workspace import roles
from core.workspace.home import Home, home
from core.workspace.roles import Action

EXPIRING_DAYS = 7
LISTED = 15  # per section; the Home view must stay under Slack's 100 blocks and 250 kB
DECIDED_HERE = 8  # approvals with their buttons, two blocks each; the rest are in /membership approvals
RECENT = 8


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
    approvers = await asyncio.to_thread(deps.read, team, SYSTEM, roles.allowed, Action.APPROVE)
    await publish(client, deps, team, approvers)


def home_view(deps: Deps, team: str, user: str) -> dict[str, Any]:
    shown = deps.read(team, user, home, expiring_within=EXPIRING_DAYS, recent=RECENT)
    if shown is None:
        text = "You have no role in memberbot yet. Ask an admin to give you one."
        return {"type": "home", "blocks": messages.message(text)["blocks"]}
    # Whoever works visits gets each of today's and tomorrow's with its Complete/Skip/Reschedule menu.
    worked = [visit_menu(v) for v in shown.visits[:LISTED]] if Action.WORK_VISITS in shown.may else []
    text = messages.render(
        "home",
        expiring=_expiring(shown),
        services=([] if worked else _services(shown)) + _sessions(shown),
        visits_below=bool(worked),
    )
    buttons = [
        {"type": "button", "action_id": action_id, "text": views.plain(label)}
        for action_id, label, needed, _ in QUICK
        if needed in shown.may
    ]
    blocks = [{"type": "actions", "block_id": "quick", "elements": buttons}] if buttons else []
    blocks.append(views.section(messages.say("home_title", workspace=escape(shown.workspace))))
    blocks += _approvals(shown) + messages.message(text)["blocks"] + worked
    blocks += messages.message(messages.render("home_recent", recent=_recent(shown)))["blocks"]
    return {"type": "home", "blocks": blocks}


def _approvals(shown: Home) -> list[dict[str, Any]]:
    """What waits for the person's decision, each with Approve and Reject (none for who may not)."""
    if shown.approvals is None:
        return []
    if not shown.approvals:
        return [views.section(messages.say("nothing_pending"))]
    listed = shown.approvals[:DECIDED_HERE]
    heading = messages.say("pending_heading", first=1, last=len(shown.approvals), total=len(shown.approvals))
    blocks = [views.section(heading)] + [b for p in listed for b in item_blocks(p)]
    if len(shown.approvals) > len(listed):
        blocks.append(views.section(messages.say("more_pending", more=len(shown.approvals) - len(listed))))
    return blocks


def _expiring(shown: Home) -> list[str]:
    def quantity(e: ExpiringFor) -> str:
        return messages.credit_quantity(e.expiring.unit, e.expiring.quantity, shown.currency)

    return [
        f"{escape(e.customer)}: {quantity(e)}, last day {formats.day(e.expiring.on)}"
        for e in shown.expiring[:LISTED]
    ]


def _services(shown: Home) -> list[str]:
    return [home_line(v) for v in shown.visits[:LISTED]]


def _sessions(shown: Home) -> list[str]:
    return [
        messages.say(
            "home_session",
            starts_at=s.starts_at.astimezone(shown.tz),
            name=escape(s.series),
            location=escape(s.location),
            taken=s.taken,
            capacity=s.capacity,
        )
        for s in shown.sessions[:LISTED]
    ]


def _recent(shown: Home) -> list[str]:
    return [
        f"{formats.moment(e.at.astimezone(shown.tz))} M-{contract_id} {e.action}"
        f"{' → ' + e.to_status.label if e.to_status else ''} by <@{e.actor}>"
        for contract_id, e in shown.recent
    ]
