"""/membership assign and the approval in chat: the sale is posted with an Approve button; only
managers and admins who did not make the sale may approve (core decides); the message is then
updated in place and the seller is told. Pressing twice decides once: the second press finds the
membership already decided and is told so."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.dates import parse_date
from bot.deps import Deps
from bot.listeners.replies import answer
from bot.mrkdwn import escape
from core import customers, memberships, plans
from core.context import Ctx
from core.errors import InvalidInput, NotFound

APPROVE = "membership_approve"
_REFERENCE = re.compile(r"^(?:M-)?(\d+)$", re.IGNORECASE)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command("/membership")
    async def membership_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user, channel = command["team_id"], command["user_id"], command["channel_id"]
        text = str(command.get("text", "")).strip()
        outcome: dict[str, Any] = {}

        def work() -> dict[str, Any]:
            reply, outcome["post"] = membership_reply(deps, team, user, text)
            return reply

        reply = await asyncio.to_thread(answer, work, request=f"/membership from {user} in {team}")
        post = outcome.get("post")
        if post is not None:
            await client.chat_postMessage(channel=channel, **post)
        await respond(response_type="ephemeral", replace_original=False, **reply)

    @app.action(APPROVE)
    async def approve_pressed(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        contract_id = int(body["actions"][0]["value"])
        decided: dict[str, Any] = {}

        def work() -> dict[str, Any]:
            decided.update(approve(deps, team, user, contract_id))
            return {}

        refusal = await asyncio.to_thread(answer, work, request=f"approval of M-{contract_id} by {user}")
        if not decided:
            await respond(response_type="ephemeral", replace_original=False, **refusal)
            return
        channel, ts = body["container"]["channel_id"], body["container"]["message_ts"]
        await client.chat_update(channel=channel, ts=ts, **decided["message"])
        await client.chat_postEphemeral(
            channel=channel, user=decided["seller"], text=f"{decided['reference']} was approved by <@{user}>."
        )


def membership_reply(
    deps: Deps, team: str, user: str, text: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ephemeral reply, and the approval request to post in the channel (if any)."""
    verb, _, rest = text.partition(" ")
    if verb.lower() == "assign" and rest.strip():
        return assign(deps, team, user, rest.strip())
    if verb.lower() == "reject" and rest.strip():
        return reject(deps, team, user, rest.strip()), None
    return messages.message(messages.render("membership_help")), None


def assign(deps: Deps, team: str, user: str, text: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    with deps.tx(team, user) as ctx:
        words, dates = _dates(text)
        start = parse_date(dates["from"], ctx.today(), field="start") if "from" in dates else ctx.today()
        end = parse_date(dates["to"], ctx.today(), field="end") if "to" in dates else None
        customer_words, plan = _split_plan(ctx, words)
        found = customers.search_customers(ctx, customer_words, limit=10)
        if len(found) != 1:
            what = "No customer matches" if not found else "Several customers match"
            return messages.message(f"{what} “{escape(customer_words)}”; be more specific."), None
        sold = memberships.assign(ctx, found[0].id, plan.id, start, end)
        post = messages.message(
            messages.render(
                "approval_request",
                m=sold,
                customer=escape(found[0].label),
                plan=escape(plan.name),
                price=plan.terms.price,
                currency=ctx.tenant.currency,
                billing=plan.terms.billing_type.value,
            )
        )
        post["blocks"].append(
            {
                "type": "actions",
                "block_id": f"approval-{sold.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": APPROVE,
                        "style": "primary",
                        "value": str(sold.id),
                        "text": {"type": "plain_text", "text": "Approve"},
                    },
                ],
            }
        )
        post["blocks"].append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": (f"To refuse it: `/membership reject {sold.reference} <reason>`"),
                    }
                ],
            }
        )
        return messages.message(f"{sold.reference} is waiting for a manager's approval."), post


def approve(deps: Deps, team: str, user: str, contract_id: int) -> dict[str, Any]:
    with deps.tx(team, user) as ctx:
        done = memberships.approve(ctx, contract_id)
        plan = plans.get_plan(ctx, done.plan_id)
        message = messages.message(
            messages.render(
                "approval_outcome",
                m=done,
                customer=escape(done.customer),
                plan=escape(plan.name),
                outcome="Approved",
                by=user,
                reason="",
            )
        )
        return {"message": message, "seller": done.seller, "reference": done.reference}


def reject(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    reference, _, reason = text.partition(" ")
    match = _REFERENCE.match(reference)
    if match is None:
        raise InvalidInput.single("membership", f"“{escape(reference)}” is not a membership such as M-12.")
    with deps.tx(team, user) as ctx:
        done = memberships.reject(ctx, int(match.group(1)), reason)
        return messages.message(f"{done.reference} was rejected: {escape(reason.strip())}.")


def _dates(text: str) -> tuple[str, dict[str, str]]:
    """Split "<words> from <date> to <date>" into the words and the dates typed."""
    parts = re.split(r"\s+(from|to)\s+", f" {text} ")
    words, dates = parts[0].strip(), {}
    for keyword, value in zip(parts[1::2], parts[2::2], strict=True):
        dates[keyword] = value.strip()
    return words, dates


def _split_plan(ctx: Ctx, words: str) -> tuple[str, plans.PlanView]:
    """The plan is named by the last one to three words; the rest names the customer."""
    tokens = words.split()
    for size in (3, 2, 1):
        if len(tokens) > size:
            matches = plans.find_plans(ctx, " ".join(tokens[-size:]))
            if len(matches) == 1:
                return " ".join(tokens[:-size]), matches[0]
    raise NotFound("Name the plan after the customer, e.g. `/membership assign Café Müller Gold`.", "plan")
