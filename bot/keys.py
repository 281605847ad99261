"""The idempotency keys that ride on buttons and in modals. A button's value and a modal's
metadata come back from Slack as the client sends them, so a crafted one could name any key:
another person's ("replay" their redemption, learn its answer) or one core and the scheduler make
themselves (`initial:9` is membership 9's first grant; taking it first blocks the approval).

So what rides on Slack is only a nonce, and the key is made here, on the server, from the person
who pressed and the purpose of the button: `slack:<user>:<purpose>:<nonce>`. The ledger and the
approval requests keep keys per workspace, core's own keys never start with `slack:`, and a Slack
user id has no colon, so a crafted nonce can at most name that same person's own key for the same
purpose — which is what a double click does anyway. A nonce that is not one `new_nonce` makes is
refused, nothing written. Every listener that reads a key from Slack goes through `bound`."""

from __future__ import annotations

import hashlib
import re
import secrets
from enum import StrEnum

from bot import messages
from core.kernel.errors import InvalidInput

PREFIX = "slack"
_NONCE = re.compile(r"[0-9a-f]{32}")


class Purpose(StrEnum):
    """What a keyed button or form does: two purposes never share a key."""

    REDEEM = "redeem"
    TRANSFER = "transfer"
    GRANT = "grant"
    CANCEL = "cancel"
    CHECKOUT = "checkout"
    POINTS = "points"
    POINTS_PREVIEW = "points-preview"


def new_nonce() -> str:
    """What a button or form carries to name its request."""
    return secrets.token_hex(16)


def nonce_of(execution_id: str) -> str:
    """The nonce of a Workflow Builder step's execution: the same for each of Slack's retries of it."""
    return hashlib.sha256(f"function:{execution_id}".encode()).hexdigest()[:32]


def bound(user: str, purpose: Purpose, nonce: object) -> str:
    """The key of the request `nonce` names, for the person who pressed, for `purpose`."""
    text = str(nonce)
    if not _NONCE.fullmatch(text):
        raise InvalidInput.single("key", messages.say("key_not_ours"))
    return f"{PREFIX}:{user}:{purpose}:{text}"
