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
    mentions,
    plans,
    revenue,
    shortcuts,
    visits,
    workflows,
    workspace,
)
from bot.listeners.picker import actions as picker

# In this order: Bolt tries listeners in the order they were registered.
DOMAINS = (
    plans,
    catalog,
    customers,
    credits,
    memberships,
    home,
    workspace,
    approvals,
    alerts,
    billing,
    classes,
    revenue,
    checkout,
    visits,
    workflows,
    shortcuts,
    mentions,
    picker,
)


def register_listeners(app: AsyncApp, deps: Deps) -> None:
    for domain in DOMAINS:
        domain.register(app, deps)
