"""The customers' callback and action ids (Slack payloads, golden files and the sandbox use the values)."""

from __future__ import annotations

from enum import StrEnum


class CustomerForm(StrEnum):
    ADD = "customer_add"


class CustomerAction(StrEnum):
    MORE = "customers_more"
