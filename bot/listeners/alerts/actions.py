"""The buttons of a balance alert: open the customer's credit report (the Excel file, uploaded to
the conversation), log a follow-up (opens the form in forms.py), snooze."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.deps import Deps
from bot.listeners.alerts import forms
from bot.listeners.alerts.ids import AlertAction
from bot.listeners.replies import answer
from bot.mrkdwn import escape
from core.credits import alerts as balance_alerts
from core.credits import flows as credits


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(AlertAction.OPEN_REPORT)
    async def open_report(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        alert_id = int(body["actions"][0]["value"])
        found: list[credits.Report] = []

        def work() -> dict[str, Any]:
            found.append(deps.read(team, user, credits.alert_report, alert_id))
            return {}

        refusal = await asyncio.to_thread(answer, work)
        if not found:
            await respond(response_type="ephemeral", replace_original=False, **refusal)
            return
        report = found[0]
        dm = await client.conversations_open(users=user)  # the report is for whoever asked
        await client.files_upload_v2(
            channel=dm["channel"]["id"],
            file=report.xlsx,
            filename=f"credits-{report.customer.id}-{report.on}.xlsx",
            title="Credit report",
        )

    @app.action(AlertAction.LOG_FOLLOW_UP)
    async def log_follow_up(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        alert_id = int(body["actions"][0]["value"])
        await client.views_open(trigger_id=body["trigger_id"], view=forms.follow_up_form(alert_id))

    @app.action(AlertAction.SNOOZE)
    async def snooze(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        alert_id = int(body["actions"][0]["value"])

        def work() -> dict[str, Any]:
            row = deps.write(team, user, balance_alerts.snooze, alert_id)
            customer = escape(row.customer)
            return messages.message(messages.say("snoozed", until=row.snoozed_until, customer=customer))

        reply = await asyncio.to_thread(answer, work)
        await respond(response_type="ephemeral", replace_original=False, **reply)
