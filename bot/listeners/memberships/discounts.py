"""`/membership discounts M-<number>`: a sold membership's discounts in a form, each amount to
change (its kind stays the plan's) and the reason for the contract log. A manager's change applies
at once; staff's is posted for approval where core says."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners.approvals.requests import Waiting, waiting
from bot.listeners.memberships.ids import MembershipForm
from bot.listeners.replies import submission
from bot.mrkdwn import escape
from core.approvals.flows import Held
from core.checkout.benefits import DiscountKind
from core.memberships import flows

REASON_MAX = 500

PostForApproval = Callable[[AsyncWebClient, str, dict[str, Any]], Awaitable[None]]


def register(app: AsyncApp, deps: Deps, post_for_approval: PostForApproval) -> None:
    @app.view(MembershipForm.DISCOUNTS)
    async def submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        done: list[dict[str, Any] | Waiting] = []

        def work() -> None:
            done.append(adjusted(deps, team, user, view))

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
        if not done:
            return
        told = done[0]
        if isinstance(told, Waiting):
            await post_for_approval(client, team, told.post)
            told = told.reply
        channel = str(views.metadata(view).get("channel", ""))
        await client.chat_postEphemeral(channel=channel, user=user, **told)


def form(deps: Deps, team: str, user: str, contract_id: int, channel: str) -> dict[str, Any]:
    shown = deps.read(team, user, flows.discount_form, contract_id)
    m = shown.membership
    note = messages.say(
        "discounts_note",
        reference=m.reference,
        customer=escape(m.customer),
        plan=escape(m.plan),
        waits=shown.waits,
    )
    blocks = [views.context(note)]
    for d, label in zip(shown.discounts, shown.labels, strict=True):
        unit = "%" if d.kind is DiscountKind.PERCENT else f"{shown.currency} off each"
        blocks.append(
            views.text_input(
                d.field, f"{label} — amount ({unit})", initial=f"{d.value.normalize():f}", max_length=12
            )
        )
    blocks.append(views.text_input("reason", "Reason (for the contract log)", max_length=REASON_MAX))
    submit = "Send for approval" if shown.waits else "Apply"
    metadata = {"channel": channel, "contract": m.id, "discounts": [d.id for d in shown.discounts]}
    return views.modal(
        MembershipForm.DISCOUNTS, f"Discounts of {m.reference}", blocks, submit=submit, metadata=metadata
    )


def adjusted(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any] | Waiting:
    """The reply once applied, or the reply and the request when it waits for a manager."""
    chosen, meta = views.values(view), views.metadata(view)
    values = {int(i): str(chosen.get(f"discount_{i}", "")) for i in meta.get("discounts", [])}
    channel = str(meta.get("channel", ""))
    done = deps.write(
        team,
        user,
        flows.adjust_discounts,
        int(meta["contract"]),
        values,
        str(chosen.get("reason", "")),
        asked_in=channel,
    )
    if isinstance(done, Held):
        return waiting(done, channel)
    m = done.membership
    return messages.message(
        messages.say("discounts_adjusted", reference=m.reference, labels=[escape(x) for x in done.labels])
    )
