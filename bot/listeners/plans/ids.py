"""The plans' callback and action ids (Slack payloads, golden files and the sandbox use the values)."""

from __future__ import annotations

from enum import StrEnum


class PlanStep(StrEnum):
    """The plan form's steps."""

    DETAILS = "plan_details"
    CREDITS = "plan_credits"
    DISCOUNTS = "plan_discounts"
    LOCATIONS = "plan_locations"
    SERVICE = "plan_service"


class PlanAction(StrEnum):
    MORE = "plans_more"
