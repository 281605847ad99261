"""/membership and its messages and forms: sell (by command or with the form), list, report, and
change a membership's state. A sale is posted for approval with Approve and Reject; core decides
where it goes and who may decide (never the seller)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.listeners.memberships import actions, commands, discounts, forms


def register(app: AsyncApp, deps: Deps) -> None:
    sales = actions.sales_decided(deps)

    async def post_for_approval(client: AsyncWebClient, team: str, post: dict[str, Any]) -> None:
        await actions.post_for_approval(client, deps, team, post)

    forms.register(app, deps, post_for_approval, sales)
    discounts.register(app, deps, post_for_approval)
    commands.register(app, deps)
    actions.register(app, deps, sales)
