"""Every listener, registered by surface. Each parses the request, calls core, renders the answer."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners import (
    alerts,
    approvals,
    billing,
    catalog,
    checkout,
    classes,
    credits,
    customers,
    home,
    memberships,
    plans,
    revenue,
    workspace,
)


def register_listeners(app: AsyncApp, deps: Deps) -> None:
    plans.register(app, deps)
    catalog.register(app, deps)
    customers.register(app, deps)
    credits.register(app, deps)
    memberships.register(app, deps)
    home.register(app, deps)
    workspace.register(app, deps)
    approvals.register(app, deps)
    alerts.register(app, deps)
    billing.register(app, deps)
    classes.register(app, deps)
    revenue.register(app, deps)
    checkout.register(app, deps)
