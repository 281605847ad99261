"""The workspace forms' callback ids (Slack payloads, golden files and the sandbox use the values)."""

from __future__ import annotations

from enum import StrEnum


class WorkspaceForm(StrEnum):
    SETTINGS = "workspace_settings"
    ROLES = "staff_roles"
