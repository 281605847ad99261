"""The buttons of a balance alert (core/credits/alerts.py) and the specialist's follow-up report:
open the customer's credit report (the Excel file, uploaded to the conversation), log a
follow-up (a form with a note), snooze; `/credits followups` lists who is above the threshold."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners.replies import answer, submission
from bot.mrkdwn import escape
from core.credits import alerts as balance_alerts
from core.credits import reports as credit_reports
from core.kernel.errors import NotFound

FOLLOW_UP_FORM = "balance_follow_up_note"


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(balance_alerts.OPEN_REPORT)
    async def open_report(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        alert_id = int(body["actions"][0]["value"])
        upload: dict[str, Any] = {}

        def work() -> dict[str, Any]:
            upload.update(report_file(deps, team, user, alert_id))
            return {}

        refusal = await asyncio.to_thread(answer, work)
        if not upload:
            await respond(response_type="ephemeral", replace_original=False, **refusal)
            return
        await client.files_upload_v2(channel=body["container"]["channel_id"], **upload)

    @app.action(balance_alerts.LOG_FOLLOW_UP)
    async def log_follow_up(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        alert_id = int(body["actions"][0]["value"])
        form = views.modal(
            FOLLOW_UP_FORM,
            "Log a follow-up",
            [views.text_input("note", "What was agreed?", multiline=True, max_length=1000)],
            metadata={"alert": alert_id},
        )
        await client.views_open(trigger_id=body["trigger_id"], view=form)

    @app.view(FOLLOW_UP_FORM)
    async def follow_up_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        alert_id, note = int(views.metadata(view)["alert"]), views.values(view).get("note", "")

        def work() -> None:
            with deps.tx(team, user) as ctx:
                balance_alerts.follow_up(ctx, alert_id, note)

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))

    @app.action(balance_alerts.SNOOZE)
    async def snooze(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        alert_id = int(body["actions"][0]["value"])

        def work() -> dict[str, Any]:
            with deps.tx(team, user) as ctx:
                row = balance_alerts.snooze(ctx, alert_id)
            return messages.message(messages.say("snoozed", until=row.snoozed_until, customer=row.customer))

        reply = await asyncio.to_thread(answer, work)
        await respond(response_type="ephemeral", replace_original=False, **reply)


def report_file(deps: Deps, team: str, user: str, alert_id: int) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        row = next((r for r in balance_alerts.follow_up_report(ctx) if r.alert_id == alert_id), None)
        if row is None:
            raise NotFound("That balance has fallen back under the threshold.")
        content = credit_reports.to_xlsx(credit_reports.customer_report(ctx, row.customer_id))
        return {
            "file": content,
            "filename": f"credits-{row.customer_id}-{ctx.today()}.xlsx",
            "title": "Credit report",
        }


def follow_ups(deps: Deps, team: str, user: str) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        rows = balance_alerts.follow_up_report(ctx)
        currency = ctx.tenant.currency
        today = ctx.today()
    lines = []
    for r in rows[:40]:
        last = (
            f"last follow-up {r.followed_up_at:%d %b} by <@{r.followed_up_by}>: {escape(r.note)}"
            if r.followed_up_at
            else "no follow-up yet"
        )
        snoozed = ""
        if r.snoozed_until and r.snoozed_until > today:
            snoozed = f" (snoozed until {r.snoozed_until:%d %b})"
        amount = f"{r.balance.normalize():f} {currency}"
        lines.append(f"*{r.customer}*: {amount} since {r.opened_on:%d %b} — {last}{snoozed}")
    return messages.message(messages.say("follow_ups", rows=lines))
