"""A modal's form as the page posts it, turned into the values the Driver submits; and what each
input shows when the modal is drawn again (what was typed wins over the bot's initial value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

TEXT_INPUTS = ("plain_text_input", "email_text_input", "number_input", "url_text_input")
MULTI_INPUTS = ("checkboxes", "multi_static_select", "multi_external_select", "multi_users_select")


@dataclass
class Note:
    """What a modal shows beyond its Block Kit: what was typed, and the bot's field errors."""

    values: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # external selects: the chosen option's text
    errors: dict[str, str] = field(default_factory=dict)


def read(view: dict[str, Any], form: FormData) -> Note:
    """The modal's inputs as the Driver submits them: text as typed, a date, an option's value or
    a list of values; an empty choice is None, as Slack sends it."""
    note = Note()
    for block in view.get("blocks", []):
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        block_id, kind = block["block_id"], element["type"]
        if kind in MULTI_INPUTS:
            note.values[block_id] = [str(v) for v in form.getlist(block_id)]
        else:
            value = str(form.get(block_id, ""))
            note.values[block_id] = value if value or kind in TEXT_INPUTS else None
        label = form.get(f"{block_id}__label")
        if label:
            note.labels[block_id] = str(label)
    return note


def initial(element: dict[str, Any], block_id: str, note: Note | None) -> Any:
    """What an input shows: what was typed (kept across errors), or the bot's initial value."""
    if note is not None and block_id in note.values:
        return note.values[block_id]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    for key in (
        "initial_value",
        "initial_date",
        "initial_time",
        "initial_user",
        "initial_conversation",
        "initial_channel",
    ):
        if key in element:
            return element[key]
    return None
