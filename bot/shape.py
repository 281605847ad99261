"""The shape of what Slack sends, checked before Bolt reads it: Bolt and the listeners index the
payload (`body["team"]["id"]`, `body["view"]["state"]["values"]`, `body["actions"][0]`), so a signed
payload with a list where an object belongs, a number where text belongs, or no team or user would
raise there and answer 500. Slack itself always sends these parts so; anything else is refused
with a warning (bot/signed.py answers 400). What the parts contain — a customer id that is not a
number, a date that does not exist — is the listeners' to refuse, with a message."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

INTERACTIONS = (
    "block_actions",
    "view_submission",
    "view_closed",
    "block_suggestion",
    "shortcut",
    "message_action",
)


def problem(payload: Mapping[str, Any]) -> str | None:
    """What is wrong with the payload's shape, or None when Bolt and the listeners can read it."""
    if "command" in payload:
        return _command(payload)
    kind = payload.get("type")
    if kind == "event_callback":
        return _event(payload)
    if kind in INTERACTIONS:
        return _interaction(payload, str(kind))
    return None  # url_verification, app_rate_limited…: Bolt answers those itself


def _command(payload: Mapping[str, Any]) -> str | None:
    for name in ("command", "team_id", "user_id"):
        if not _text(payload.get(name)):
            return f"a command without {name}"
    return _optional_texts(payload, "text", "channel_id", "trigger_id", "response_url")


def _event(payload: Mapping[str, Any]) -> str | None:
    event = payload.get("event")
    if not isinstance(event, dict) or not _text(event.get("type")):
        return "an event without its event"
    if not _text(payload.get("team_id")):
        return "an event without team_id"
    return _optional_texts(
        event, "user", "channel", "tab", "text", "ts", "thread_ts", "channel_type", "subtype", "bot_id"
    ) or _optional_texts(payload, "event_id")


def _interaction(payload: Mapping[str, Any], kind: str) -> str | None:
    for part in ("team", "user"):
        if not _identified(payload.get(part)):
            return f"{kind} without its {part}"
    found = _optional_texts(payload, "trigger_id", "response_url", "callback_id")
    if found:
        return found
    view = payload.get("view")
    if kind in ("view_submission", "view_closed"):
        return _view(view, submitted=True)
    if view is not None and (found := _view(view, submitted=False)):
        return found
    if not isinstance(payload.get("container", {}), dict):
        return "a container that is not an object"
    if kind == "block_actions":
        return _actions(payload.get("actions"))
    if kind == "message_action":  # the message shortcut's message, and where it is
        for part in ("channel", "message"):
            if not isinstance(payload.get(part, {}), dict):
                return f"a {part} that is not an object"
        return _optional_texts(payload.get("message", {}), "text", "ts")
    if kind == "block_suggestion":
        if not _text(payload.get("action_id")):
            return "block_suggestion without action_id"
        return _optional_texts(payload, "block_id", "value")
    return None


def _view(view: Any, *, submitted: bool) -> str | None:
    if not isinstance(view, dict):
        return "a view that is not an object"
    if submitted and not (_text(view.get("type")) and _text(view.get("callback_id"))):
        return "a view submitted without its type or callback_id"  # Bolt reads both
    found = _optional_texts(view, "id", "type", "callback_id", "private_metadata", "hash", "external_id")
    if found:
        return found
    if not isinstance(view.get("title", {}), dict) or not isinstance(view.get("blocks", []), list):
        return "a view whose title or blocks are malformed"
    if any(not isinstance(block, dict) for block in view.get("blocks", [])):
        return "a view block that is not an object"
    state = view.get("state", {"values": {}})
    values = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return "a view whose state is malformed"
    for block in values.values():
        if not isinstance(block, dict) or any(not _element(e) for e in block.values()):
            return "a view input whose state is malformed"
    return None


def _element(state: Any) -> bool:
    """An input's state as `bot.views.values` reads it."""
    if not isinstance(state, dict) or _optional_texts(
        state, "type", "value", "selected_date", "selected_user"
    ):
        return False
    if _optional_texts(state, "selected_conversation", "selected_time"):
        return False
    chosen = state.get("selected_option")
    if chosen is not None and not _option(chosen):
        return False
    listed = state.get("selected_options", [])
    return isinstance(listed, list) and all(_option(o) for o in listed)


def _actions(actions: Any) -> str | None:
    if not isinstance(actions, list) or not actions:
        return "block_actions without actions"
    for action in actions:
        if not isinstance(action, dict) or not _text(action.get("action_id")):
            return "an action without action_id"
        if _optional_texts(
            action, "type", "block_id", "value", "action_ts", "selected_date", "selected_user"
        ):
            return "an action whose value is not text"
        chosen = action.get("selected_option")
        if chosen is not None and not _option(chosen):
            return "an action whose option is malformed"
    return None


def _option(option: Any) -> bool:
    return isinstance(option, dict) and isinstance(option.get("value"), str)


def _identified(part: Any) -> bool:
    return isinstance(part, dict) and _text(part.get("id"))


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _optional_texts(payload: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        if name in payload and payload[name] is not None and not isinstance(payload[name], str):
            return f"{name} that is not text"
    return None


class Unreadable(Exception):
    """A value of our own making that came back garbled: a button's or a modal's JSON that is
    not JSON, or lacks a key we put there. Only a forged payload carries one; the app's error
    handler answers it with a warning, not a trace (bot/errors.py)."""


class Fields(dict[str, Any]):
    """An object read from our own JSON: a key we always write, missing, is `Unreadable`."""

    def __missing__(self, key: str) -> Any:
        raise Unreadable(f"no {key!r} in {list(self)[:10]}")


def ours(text: str) -> Any:
    """JSON we wrote into a button's value or a modal's private_metadata, read back."""
    try:
        return json.loads(text, object_hook=Fields)
    except (ValueError, RecursionError):
        raise Unreadable(f"not JSON: {text[:100]!r}") from None
