"""The shortcuts' callback ids (manifest.yaml declares the same values; tests and the sandbox send them)."""

from __future__ import annotations

from enum import StrEnum


class Shortcut(StrEnum):
    # Global: from the shortcuts menu or search, anywhere in Slack.
    SELL = "shortcut_sell"
    CHECK_CREDITS = "shortcut_credits"
    ADD_CUSTOMER = "shortcut_add_customer"
    # On a message: its customer, found in the message's text.
    MESSAGE_CREDITS = "message_credits"
    MESSAGE_SELL = "message_sell"


class ShortcutView(StrEnum):
    CHECK_CREDITS = "shortcut_credits_form"  # the customer to check, then the balance in its place
