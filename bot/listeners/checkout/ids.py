"""The ids of /checkout's buttons and form (Slack sends them back; golden files and tests name them)."""

from __future__ import annotations

from enum import StrEnum


class CheckoutAction(StrEnum):
    POST = "checkout_post"
    REMOVE_DISCOUNT = "checkout_remove_discount"  # then "-<line>": one per discounted line
    CONVERT_POINTS = "checkout_convert_points"
    MONEY = "checkout_monetary_credit"  # use it, or keep it for later


class CheckoutView(StrEnum):
    FORM = "checkout_form"
