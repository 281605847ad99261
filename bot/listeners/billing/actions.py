"""/billing's buttons: Paid and Failed on a charge, and More charges."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.billing.charges import charges_page, record
from bot.listeners.billing.ids import BillingAction
from bot.listeners.replies import more_pressed, pressed
from core.billing.service import ChargeStatus


def register(app: AsyncApp, deps: Deps) -> None:
    marks = ((BillingAction.MARK_PAID, ChargeStatus.PAID), (BillingAction.MARK_FAILED, ChargeStatus.FAILED))
    for action_id, to in marks:
        # One button per charge, and action ids are unique within a message: "<id>:<charge>".
        app.action(re.compile(rf"^{action_id}(?::\d+)?$"))(pressed(_marked(deps, to)))
    app.action(BillingAction.CHARGES_MORE)(
        more_pressed(
            lambda team, user, offset, state: charges_page(deps, team, user, str(state["q"]), offset)
        )
    )


def _marked(deps: Deps, to: ChargeStatus) -> Any:
    """A Paid or Failed button: record it, then show the same page again with what was done on top."""

    def work(team: str, user: str, state: dict[str, Any]) -> dict[str, Any]:
        said = record(deps, team, user, int(state["charge"]), to, "")
        return charges_page(deps, team, user, str(state["q"]), int(state["o"]), said=said)

    return work
