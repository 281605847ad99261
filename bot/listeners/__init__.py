"""Every listener, registered by surface. Each parses the request, calls core, renders the answer."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners import (
    admin_forms,
    approvals,
    balance_alerts,
    billing,
    catalog,
    checkout,
    classes,
    credits,
    home,
    memberships,
    revenue,
    visits,
)


def register_listeners(app: AsyncApp, deps: Deps) -> None:
    catalog.register(app, deps)
    credits.register(app, deps)
    memberships.register(app, deps)
    home.register(app, deps)
    admin_forms.register(app, deps)
    approvals.register(app, deps)
    balance_alerts.register(app, deps)
    billing.register(app, deps)
    classes.register(app, deps)
    revenue.register(app, deps)
    checkout.register(app, deps)
    visits.register(app, deps)
