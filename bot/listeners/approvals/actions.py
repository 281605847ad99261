"""Approve and Reject on a change held by an approval policy (A-…): core decides who may decide
(a manager or an admin other than the requester) and makes the approved change in the requester's
name. The message is updated in place, the decision and its reason are kept in its thread, the
requester is told, the approvers' Homes refresh. More pages `/membership approvals`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages
from bot.deliver import deliver_team
from bot.deps import Deps
from bot.listeners import home
from bot.listeners.approvals import decisions
from bot.listeners.approvals.ids import ApprovalAction, ApprovalForm
from bot.listeners.approvals.listing import approvals_page
from bot.listeners.replies import more_pressed
from bot.notifications.approvals import decided_message
from core.approvals import service as approvals


def register(app: AsyncApp, deps: Deps) -> None:
    decisions.register_buttons(app, requests_decided(deps))
    app.action(ApprovalAction.MORE)(
        more_pressed(lambda team, user, offset, _: approvals_page(deps, team, user, offset))
    )


def requests_decided(deps: Deps) -> decisions.Decisions:
    return decisions.Decisions(
        approve=ApprovalAction.APPROVE,
        reject=ApprovalAction.REJECT,
        reason_form=ApprovalForm.REJECT_REASON,
        prefix="A-",
        decide=lambda team, user, item, approve, reason: decide(
            deps, team, user, item, approve=approve, reason=reason
        ),
        may_decide=lambda team, user, item: deps.read(team, user, approvals.may_decide, item),
        after=lambda client, team: home.refresh_approvers(client, deps, team),
        deliver=lambda client, team: deliver_team(deps.db, team, client),
    )


def decide(
    deps: Deps, team: str, user: str, request_id: int, *, approve: bool, reason: str
) -> dict[str, Any]:
    try:
        done = deps.write(team, user, approvals.decide, request_id, approve=approve, reason=reason)
    except approvals.AlreadyDecided as exc:  # core says who decided; naming them is Slack's
        asked = exc.request
        said = messages.say(
            "already_decided", reference=asked.reference, status=asked.status, by=asked.decided_by
        )
        return {"refusal": messages.message(said)}
    message, audit = decided_message(
        {
            "reference": done.reference,
            "summary": done.summary,
            "requested_by": done.requested_by,
            "outcome": done.status,
            "decided_by": user,
            "reason": done.reason,
        }
    )
    return {"message": message, "audit": audit, "tell": done.requested_by, "posted": done.posted}
