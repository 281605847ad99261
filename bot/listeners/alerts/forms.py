"""The follow-up form of a balance alert: what was agreed with the customer, as a note."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import views
from bot.deps import Deps
from bot.listeners.alerts.ids import AlertForm
from bot.listeners.replies import submission
from core.credits import alerts as balance_alerts


def follow_up_form(alert_id: int) -> dict[str, Any]:
    return views.modal(
        AlertForm.FOLLOW_UP,
        "Log a follow-up",
        [views.text_input("note", "What was agreed?", multiline=True, max_length=1000)],
        metadata={"alert": alert_id},
    )


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(AlertForm.FOLLOW_UP)
    async def follow_up_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        alert_id, note = int(views.metadata(view)["alert"]), views.values(view).get("note", "")

        def work() -> None:
            deps.write(team, user, balance_alerts.follow_up, alert_id, note)

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
