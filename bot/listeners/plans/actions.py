"""The More button under /plans: the next page, in place of the one shown."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.plans.commands import plans_page
from bot.listeners.plans.ids import PlanAction
from bot.listeners.replies import more_pressed


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(PlanAction.MORE.value)(
        more_pressed(lambda team, user, offset, _: plans_page(deps, team, user, offset))
    )
