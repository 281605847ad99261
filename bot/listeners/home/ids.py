"""The App Home's action ids (Slack payloads, golden files and the sandbox use the values)."""

from __future__ import annotations

from enum import StrEnum


class QuickAction(StrEnum):
    """The buttons atop the Home, each opening a form."""

    SELL = "home_sell"
    REDEEM = "home_redeem"
    CUSTOMER = "home_customer"
    PLAN = "home_plan"
    SETTINGS = "home_settings"
    ROLES = "home_roles"
