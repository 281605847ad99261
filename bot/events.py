"""Slack retries an Events API delivery it believes failed, with the same event_id (and with
X-Slack-Retry-Num); whichever replica receives it, the event takes effect once."""

from __future__ import annotations

from bot.deps import Deps
from core.context import SYSTEM
from storage.upserts import insert_if_absent


def first_delivery(deps: Deps, team: str, event_id: str) -> bool:
    """True the first time `event_id` is seen in the workspace, False for every retry."""
    with deps.tx(team, SYSTEM) as ctx:
        values = {"tenant_id": team, "event_id": event_id[:64], "received_at": ctx.now()}
        return insert_if_absent(ctx.uow, "slack_event", values, ["tenant_id", "event_id"]) is not None
