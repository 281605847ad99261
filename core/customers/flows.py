"""Customers as the desk asks for them where another domain is involved: the add-a-customer form
offers the workspace's locations."""

from __future__ import annotations

from core.catalog import locations as catalog
from core.context import Ctx
from core.workspace import roles
from core.workspace.roles import Action


def new_customer_locations(ctx: Ctx) -> list[str]:
    """The locations a new customer may belong to, by name; only for those who add customers."""
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    return [loc.name for loc in catalog.locations(ctx)]
