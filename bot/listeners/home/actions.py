"""The Home's quick buttons: each opens its form (the Home shows only those the roles allow)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.listeners.credits.forms import redeem_form
from bot.listeners.customers.forms import customer_form
from bot.listeners.home.ids import QuickAction
from bot.listeners.memberships import forms as membership_forms
from bot.listeners.plans.forms import new_plan_view
from bot.listeners.replies import Modal, open_modal
from bot.listeners.workspace.forms import roles_form, settings_form
from core.workspace.roles import Action

Form = Callable[[Deps, str, str], dict[str, Any]]
# (action id, label, what it needs, the form it opens), in the order shown
QUICK: tuple[tuple[QuickAction, str, Action, Form], ...] = (
    (
        QuickAction.SELL,
        "Sell a membership",
        Action.ASSIGN,
        lambda d, t, u: membership_forms.assign_view(d, t, u, membership_forms.Draft(channel="")),
    ),
    (QuickAction.REDEEM, "Redeem credits", Action.REDEEM, redeem_form),
    (QuickAction.CUSTOMER, "Add a customer", Action.MANAGE_CUSTOMERS, customer_form),
    (QuickAction.PLAN, "New plan", Action.MANAGE_PLANS, new_plan_view),
    (QuickAction.SETTINGS, "Settings", Action.MANAGE_SETTINGS, settings_form),
    (QuickAction.ROLES, "Staff roles", Action.MANAGE_ROLES, roles_form),
)


def register(app: AsyncApp, deps: Deps) -> None:
    for action_id, label, _, form in QUICK:
        app.action(action_id.value)(_quick(deps, label, form))


def _quick(deps: Deps, title: str, form: Form) -> Any:
    async def handle(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        modal = Modal(title, lambda: form(deps, team, user))
        await open_modal(client, body["trigger_id"], modal)

    return handle
