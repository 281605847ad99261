"""What waits for a person's decision, as Slack lists it — on the Home and in `/membership
approvals` (a page at a time) — each with the same Approve and Reject buttons as the request
posted in the channel, so deciding from a list is deciding there (bot/listeners/approvals/decisions.py).
Core says what the person may decide (core/approvals/flows.py: never their own)."""

from __future__ import annotations

from typing import Any

from bot import messages, views
from bot.deps import Deps
from bot.listeners.approvals import decisions
from bot.listeners.approvals.ids import ApprovalAction
from bot.listeners.memberships.ids import MembershipAction
from bot.mrkdwn import escape
from bot.pagination import more_button, page
from core.approvals import flows
from core.approvals.flows import Pending

PAGE = 10  # two blocks each: a reply stays far under Slack's 50


def approvals_page(deps: Deps, team: str, user: str, offset: int) -> dict[str, Any]:
    """`/membership approvals`: the page from `offset` on, with a More button when there is more."""
    waiting = deps.read(team, user, flows.waiting_for)
    shown, next_offset = page(waiting, offset, PAGE)
    if not shown:
        return messages.message(messages.say("nothing_pending"))
    heading = messages.say("pending_heading", first=offset + 1, last=offset + len(shown), total=len(waiting))
    reply = messages.message(heading)
    for pending in shown:
        reply["blocks"] += item_blocks(pending)
    if next_offset is not None:
        reply["blocks"].append(more_button(ApprovalAction.MORE, next_offset))
    return reply


def item_blocks(p: Pending) -> list[dict[str, Any]]:
    """One thing waiting: what, for whom, who asked and when; then Approve and Reject."""
    approve: str
    reject: str
    if p.is_sale:
        text = messages.say(
            "pending_sale",
            reference=p.reference,
            customer=escape(p.customer),
            plan=escape(p.plan),
            start=p.start,
            by=p.asked_by,
            at=p.asked_at,
        )
        approve, reject = MembershipAction.APPROVE, MembershipAction.REJECT
    else:
        text = messages.say(
            "pending_change",
            reference=p.reference,
            summary=escape(p.summary),
            customer=escape(p.customer),
            plan=escape(p.plan),
            by=p.asked_by,
            at=p.asked_at,
        )
        approve, reject = ApprovalAction.APPROVE, ApprovalAction.REJECT
    buttons = {
        "type": "actions",
        "block_id": f"decide-{p.reference}",
        "elements": decisions.buttons(approve, reject, p.id, listed=True),
    }
    return [views.section(text), buttons]
