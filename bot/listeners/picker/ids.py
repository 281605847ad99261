"""The picker's action id (Slack payloads and tests use the value)."""

from __future__ import annotations

from enum import StrEnum


class PickAction(StrEnum):
    CHOOSE = "pick"  # one button per choice: "pick:<n>", its value the command to run again
