"""What Slack sends over HTTP is checked before anything reads it: the signature first (Slack's
v0 HMAC of the timestamp and the raw body, at most five minutes old), then that the body is one
Bolt can read, its parts of the types Bolt and the listeners read (bot/shape.py). Bolt verifies
the signature too, but only after parsing the body, so an unsigned
`payload={` or a body that is not UTF-8 would reach its parser and answer 500 with a trace."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from starlette.responses import JSONResponse, Response

from bot import shape

log = logging.getLogger(__name__)

UNSIGNED = JSONResponse({"error": "invalid request"}, status_code=401)  # as Bolt answers it
UNREADABLE = JSONResponse({"error": "unreadable request"}, status_code=400)


def refused(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> Response | None:
    """The answer to a request that must go no further, or None for one Bolt may handle."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp.isascii() or not timestamp.isdigit() or not signature:
        return UNSIGNED
    try:
        text = body.decode()  # Slack sends UTF-8; the verifier would decode it anyway
    except UnicodeDecodeError:
        return UNSIGNED
    if not verifier.is_valid(text, timestamp, signature):
        return UNSIGNED
    # Signed by Slack (or by whoever holds the secret): still never a 5xx for a body Bolt cannot read.
    try:
        payload = parse_body(text, headers.get("content-type"))
    except ValueError:  # json.JSONDecodeError is a ValueError
        payload = None
    if not isinstance(payload, dict):
        log.warning("A signed request whose body is not a Slack payload: %s", _start(body))
        return UNREADABLE
    malformed = shape.problem(payload)
    if malformed is not None:  # a part Bolt or a listener would index is missing or of another type
        log.warning("A signed request Slack would not send (%s): %s", malformed, _start(body))
        return UNREADABLE
    return None


def _start(body: bytes) -> str:
    return json.dumps(body[:80].decode(errors="replace"))
