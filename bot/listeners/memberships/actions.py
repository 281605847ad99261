"""The buttons of memberships' messages: Approve and Reject on a sale (core decides who may: a
manager or an admin who did not sell it), and the Confirm buttons of a cancellation and a deletion.
Pressing twice decides once: the second press finds the membership already decided, cancelled or
deleted, and is told so."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import keys, messages, shape, views
from bot.deliver import deliver_team
from bot.deps import Deps
from bot.keys import Purpose
from bot.limits import BUTTON_VALUE
from bot.listeners import home
from bot.listeners.approvals import decisions
from bot.listeners.approvals.requests import Waiting, post_request, waiting
from bot.listeners.memberships.ids import MembershipAction, MembershipForm
from bot.listeners.memberships.requests import decided
from bot.listeners.replies import answer
from bot.mrkdwn import escape
from core.approvals.flows import Held
from core.kernel.errors import InvalidInput
from core.kernel.money import display
from core.memberships import flows
from core.memberships import service as memberships
from core.memberships.lifecycle import Status

VOIDED_SHOWN = 10  # charges a cancellation preview lists one by one


def register(app: AsyncApp, deps: Deps, sales: decisions.Decisions) -> None:
    decisions.register_buttons(app, sales)

    @app.action(MembershipAction.CONFIRM_CANCEL)
    async def cancel_pressed(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request = shape.ours(body["actions"][0]["value"])
        channel = body.get("container", {}).get("channel_id", "")
        held: list[Waiting] = []

        def work() -> dict[str, Any]:
            result = cancel_confirmed(deps, team, user, request, channel)
            if isinstance(result, Waiting):
                held.append(result)
                return result.reply
            return result

        reply = await asyncio.to_thread(answer, work)
        await respond(replace_original=True, **reply)
        if held:
            await post_for_approval(client, deps, team, held[0].post)

    @app.action(MembershipAction.CONFIRM_DELETE)
    async def delete_confirmed(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        contract_id = int(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: delete(deps, team, user, contract_id))
        await respond(replace_original=True, **reply)


def sales_decided(deps: Deps) -> decisions.Decisions:
    """How a sale (M-…) is decided: by core's rules, then the approvers' Homes are refreshed."""
    return decisions.Decisions(
        approve=MembershipAction.APPROVE,
        reject=MembershipAction.REJECT,
        reason_form=MembershipForm.REJECT_REASON,
        prefix="M-",
        decide=lambda team, user, item, approve, reason: decided(
            deps.write(team, user, flows.decide, item, approve=approve, reason=reason), user
        ),
        may_decide=lambda team, user, item: deps.read(team, user, memberships.may_decide, item),
        after=lambda client, team: home.refresh_approvers(client, deps, team),
        deliver=lambda client, team: deliver_team(deps.db, team, client),
    )


async def post_for_approval(client: AsyncWebClient, deps: Deps, team: str, post: dict[str, Any]) -> None:
    """Post a request for a decision; the approvers' Homes list it too."""
    await post_request(client, deps, team, post)
    await home.refresh_approvers(client, deps, team)


def cancel_reply(shown: flows.CancelPreview) -> dict[str, Any]:
    """What the cancellation would do, with a Confirm button carrying the options, the lock-in fee
    shown and an idempotency key (or, when it waits, the button that asks for approval)."""
    m, preview, currency = shown.membership, shown.preview, shown.currency
    voided = [
        {"reference": c.reference, "period_start": c.period_start, "amount": display(c.amount, currency)}
        for c in preview.voided
    ]
    total = sum((c.amount for c in preview.voided), Decimal(0))
    text = messages.say(
        "cancel_preview",
        reference=m.reference,
        customer=escape(m.customer),
        plan=escape(m.plan),
        effective=preview.effective_on,
        fee=display(preview.lock_in_fee, currency) if preview.lock_in_fee > 0 else "",
        months=preview.lock_in_months_left,
        voided=voided[:VOIDED_SHOWN],
        more=max(len(voided) - VOIDED_SHOWN, 0),
        voided_total=display(total, currency),
        credits=preview.credits,
        reason=escape(shown.reason),
        waits=shown.waits,
        changed=display(shown.changed, currency) if shown.changed is not None else "",
    )
    request = {
        "contract": m.id,
        "on": shown.on.isoformat() if shown.on else None,
        "term_end": shown.at_term_end,
        "effective": preview.effective_on.isoformat(),
        "fee": str(preview.lock_in_fee),
        "reason": shown.reason,
        "key": keys.new_nonce(),
    }
    value = json.dumps(request, separators=(",", ":"), ensure_ascii=False)
    if len(value) > BUTTON_VALUE:  # the reason rides on the button; Slack would refuse the message
        raise InvalidInput.single("reason", messages.say("reason_too_long_for_a_button"))
    reply = messages.message(text)
    button = {
        "type": "button",
        "action_id": MembershipAction.CONFIRM_CANCEL,
        "style": "danger",
        "value": value,
        "text": views.plain("Ask for approval" if shown.waits else "Cancel the membership"),
    }
    reply["blocks"].append({"type": "actions", "elements": [button]})
    return reply


def cancel_confirmed(
    deps: Deps, team: str, user: str, request: dict[str, Any], channel: str
) -> dict[str, Any] | Waiting:
    """The cancellation as previewed, or its approval request (core decides which)."""
    done = deps.write(
        team,
        user,
        flows.cancel,
        int(request["contract"]),
        str(request["reason"]),
        on=date.fromisoformat(request["on"]) if request.get("on") else None,
        at_term_end=bool(request.get("term_end")),
        expected_fee=Decimal(str(request["fee"])),
        effective=date.fromisoformat(str(request["effective"])),
        key=keys.bound(user, Purpose.CANCEL, request["key"]),
        asked_in=channel,
    )
    if isinstance(done, Held):
        return waiting(done, channel)
    if isinstance(done, flows.CancelPreview):
        return cancel_reply(done)
    if isinstance(done, flows.AlreadyAsked):
        asked = done.request
        return messages.message(messages.say("already_asked", reference=asked.reference, status=asked.status))
    if isinstance(done, flows.AlreadyCancelled):
        return messages.message(
            messages.say("already_cancelled", reference=done.reference, effective=done.effective)
        )
    m = done.membership
    if m.status is Status.CANCELLED:
        return messages.message(messages.say("now_in_state", reference=m.reference, state=m.status.label))
    return messages.message(messages.say("cancel_planned", reference=m.reference, effective=done.effective))


def delete(deps: Deps, team: str, user: str, contract_id: int) -> dict[str, Any]:
    deps.write(team, user, memberships.delete, contract_id, confirm=True)
    return messages.message(messages.say("deleted", reference=f"M-{contract_id}"))
