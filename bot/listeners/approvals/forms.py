"""The form asking why a held change (A-…) is rejected: its submission decides."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners.approvals import decisions
from bot.listeners.approvals.actions import requests_decided


def register(app: AsyncApp, deps: Deps) -> None:
    decisions.register_reason_form(app, requests_decided(deps))
