"""The Workflow Builder steps' callback ids, as manifest.yaml's `functions` declares them."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    SELL = "sell_membership"
    GRANT = "grant_credits"
    CHECK = "check_credits"
