"""The catalogue's callback and action ids (Slack payloads, golden files and the sandbox use the values)."""

from __future__ import annotations

from enum import StrEnum


class CatalogForm(StrEnum):
    SERVICE = "service_form"
    TEMPLATE = "equality_template_form"
    DONE = "catalog_saved"  # the answer shown in place of a form saved


class CatalogAction(StrEnum):
    MORE = "services_more"
