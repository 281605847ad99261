"""The customers' callback and action ids (Slack payloads, golden files and the sandbox use the values)."""

from __future__ import annotations

from enum import StrEnum


class CustomerForm(StrEnum):
    ADD = "customer_add"
    EDIT = "customer_edit"


class CustomerAction(StrEnum):
    MORE = "customers_more"
    EDIT = "customer_edit"  # one button per customer listed: "customer_edit:<id>"
    MERGE_CONFIRM = "customer_merge_confirm"  # the preview's buttons, carrying both customers' ids
    MERGE_CANCEL = "customer_merge_cancel"
