"""The More button under a /customers search: the next page, in place of the one shown."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.customers.commands import customers_page
from bot.listeners.customers.ids import CustomerAction
from bot.listeners.replies import more_pressed


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(CustomerAction.MORE.value)(
        more_pressed(
            lambda team, user, offset, state: customers_page(deps, team, user, str(state["q"]), offset)
        )
    )
