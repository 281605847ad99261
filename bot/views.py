"""Modals: building their blocks, reading what was submitted, and turning core's field errors into
Slack's `response_action: errors`. Block ids are core's field names wherever a field maps to one,
so an error core raises lands under the field that caused it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bot import shape
from core.kernel.errors import InvalidInput, MemberbotError

TITLE_MAX = 24  # modal title, submit and close (PLATFORM.md)
METADATA_MAX = 3000
OPTIONS_MAX = 100  # static select
OPTION_TEXT_MAX = 75


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict[str, Any]],
    *,
    submit: str | None = "Save",
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title[:TITLE_MAX]),
        "close": plain("Cancel"),
        "blocks": blocks,
    }
    if submit:
        view["submit"] = plain(submit[:TITLE_MAX])
    if metadata:
        encoded = json.dumps(metadata, separators=(",", ":"))
        if len(encoded) > METADATA_MAX:
            raise ValueError(f"private_metadata of {callback_id} is {len(encoded)} characters")
        view["private_metadata"] = encoded
    return view


def loading(title: str) -> dict[str, Any]:
    """Opened at once (a trigger id lives three seconds) and updated when the data is ready."""
    return modal("loading", title, [section("Loading…")], submit=None)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool, hint: str | None
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {"action_id": block_id, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    max_length: int = 3000,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial
    return _input(block_id, label, element, optional=optional, hint=hint)


def date_input(
    block_id: str, label: str, *, initial: date | None = None, optional: bool = False
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker"}
    if initial:
        element["initial_date"] = initial.isoformat()
    return _input(block_id, label, element, optional=optional, hint=None)


def option(value: str, text: str) -> dict[str, Any]:
    return {"value": value, "text": plain(text[:OPTION_TEXT_MAX])}


def select(
    block_id: str,
    label: str,
    options: Iterable[tuple[str, str]],
    *,
    initial: str | None = None,
    optional: bool = False,
    dispatch: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    listed = [option(v, t) for v, t in options][:OPTIONS_MAX]
    element: dict[str, Any] = {"type": "static_select", "options": listed}
    chosen = [o for o in listed if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    block = _input(block_id, label, element, optional=optional, hint=hint)
    block["dispatch_action"] = dispatch
    return block


def external_select(
    block_id: str, label: str, *, initial: tuple[str, str] | None = None, placeholder: str = "Type to search"
) -> dict[str, Any]:
    """Options come from a block_suggestion request as the user types (customers are too many for
    a static select's hundred options)."""
    element: dict[str, Any] = {
        "type": "external_select",
        "min_query_length": 1,
        "placeholder": plain(placeholder),
    }
    if initial:
        element["initial_option"] = option(*initial)
    return _input(block_id, label, element, optional=False, hint=None)


def picker(
    block_id: str, label: str, kind: str, *, initial: str | None = None, optional: bool = False
) -> dict[str, Any]:
    """Slack's own pickers: kind "users_select" or "conversations_select" (a channel id)."""
    element: dict[str, Any] = {"type": kind}
    if initial:
        element["initial_user" if kind == "users_select" else "initial_conversation"] = initial
    return _input(block_id, label, element, optional=optional, hint=None)


def checkboxes(
    block_id: str, label: str, options: Iterable[tuple[str, str]], *, initial: Iterable[str] = ()
) -> dict[str, Any]:
    listed = [option(v, t) for v, t in options]
    element: dict[str, Any] = {"type": "checkboxes", "options": listed}
    chosen = [o for o in listed if o["value"] in set(initial)]
    if chosen:
        element["initial_options"] = chosen
    return _input(block_id, label, element, optional=True, hint=None)


def values(view: Mapping[str, Any]) -> dict[str, Any]:
    """What was submitted, by block id: text (stripped, "" when empty), a date, a chosen option's
    value, or a list of chosen values."""
    found: dict[str, Any] = shape.Fields()  # an input the form always has, missing: forged
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for state in actions.values():
            kind = state.get("type")
            if kind == "datepicker":
                found[block_id] = state.get("selected_date") or ""
            elif kind in ("static_select", "external_select", "radio_buttons"):
                chosen = state.get("selected_option")
                found[block_id] = chosen["value"] if chosen else ""
            elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
                found[block_id] = [o["value"] for o in state.get("selected_options") or []]
            elif kind == "users_select":
                found[block_id] = state.get("selected_user") or ""
            elif kind == "conversations_select":
                found[block_id] = state.get("selected_conversation") or ""
            else:
                found[block_id] = (state.get("value") or "").strip()
    return found


def metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    raw = view.get("private_metadata") or "{}"
    loaded = shape.ours(raw)
    return loaded if isinstance(loaded, dict) else {}


def input_ids(view: Mapping[str, Any]) -> list[str]:
    return [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]


def field_errors(
    error: MemberbotError, view: Mapping[str, Any], aliases: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`response_action: errors` for a view: each error under the input it names (core's field, or
    an alias of it); an error naming no input of this view goes under the first input."""
    inputs = input_ids(view)
    aliases = aliases or {}

    def block_for(field: str | None) -> str:
        if field is None:
            return inputs[0]
        for candidate in (field, aliases.get(field), field.split(".")[-1], field.split(".")[0]):
            if candidate in inputs:
                return candidate
        return inputs[0]

    listed = error.errors if isinstance(error, InvalidInput) else [None]
    errors: dict[str, str] = {}
    for item in listed:
        field, message = (item.field, item.message) if item else (error.field, error.message)
        block = block_for(field)
        errors[block] = f"{errors[block]} {message}" if block in errors else message
    return {"response_action": "errors", "errors": errors}


def multi_select(
    block_id: str,
    label: str,
    options: Iterable[tuple[str, str]],
    *,
    initial: Iterable[str] = (),
    hint: str | None = None,
) -> dict[str, Any]:
    """Several options of a list longer than checkboxes' ten (the months of a year); optional."""
    listed = [option(v, t) for v, t in options][:OPTIONS_MAX]
    element: dict[str, Any] = {"type": "multi_static_select", "options": listed}
    chosen = [o for o in listed if o["value"] in set(initial)]
    if chosen:
        element["initial_options"] = chosen
    return _input(block_id, label, element, optional=True, hint=hint)
