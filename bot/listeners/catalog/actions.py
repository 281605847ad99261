"""The More button under /services: the next page, in place of the one shown."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.catalog.commands import services_page
from bot.listeners.catalog.ids import CatalogAction
from bot.listeners.replies import more_pressed


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(CatalogAction.MORE.value)(
        more_pressed(lambda team, user, offset, _: services_page(deps, team, user, offset))
    )
