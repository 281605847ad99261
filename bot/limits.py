"""Slack's Block Kit limits as pure checks on the dicts the bot sends.

`message_problems` takes a chat.postMessage / chat.postEphemeral / chat.update / response_url payload,
`view_problems` a modal or Home view; both return human-readable problems, an empty list when Slack
would accept the payload. The dicts are checked directly because `slack_sdk.models` only validates
objects built with its classes and never counts blocks per message (../shared/slack/PLATFORM.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# "Surfaces and limits" in ../shared/slack/PLATFORM.md:
MESSAGE_BLOCKS = 50  # "Message: at most 50 blocks"
VIEW_BLOCKS = 100  # "Modal: ... at most 100 blocks" (Slack applies the same to Home views)
MESSAGE_TEXT = 40_000  # "Message text is truncated past 40,000"
SECTION_TEXT = 3000  # "section text at most 3000 characters"
SECTION_FIELDS = 10  # "at most 10 fields of 2000"
FIELD_TEXT = 2000
ACTIONS_ELEMENTS = 25  # "actions block at most 25 elements"
CONTEXT_ELEMENTS = 10  # "context at most 10"
HEADER_TEXT = 150  # "header text at most 150"
BUTTON_TEXT = 75  # "button text at most 75, value at most 2000"
BUTTON_VALUE = 2000
SELECT_OPTIONS = 100  # "static select at most 100 options"
OVERFLOW_OPTIONS = 5  # "overflow menu at most 5 options"
MODAL_TEXT = 24  # "title, submit and close at most 24 characters each"
PRIVATE_METADATA = 3000  # "private_metadata at most 3000 characters"
CALLBACK_ID = 255  # "callback_id at most 255"
HOME_BYTES = 250_000  # "over 250 kB fails with view_too_large"

# Slack's Block Kit reference (the same numbers as slack_sdk.models' validators):
ID_LENGTH = 255  # action_id, block_id, external_id
OPTION_TEXT = 75
OPTION_VALUE = 150
CHOICE_OPTIONS = 10  # checkboxes and radio buttons
INPUT_LABEL = 2000  # label and hint
PLACEHOLDER = 150
URL_LENGTH = 3000
ALT_TEXT = 2000
CONFIRM_TITLE, CONFIRM_TEXT, CONFIRM_BUTTON = 100, 300, 30
TEXT_OBJECT = 3000  # any text object without a tighter limit (context elements)

_COMMON_BLOCKS = frozenset(
    {"actions", "context", "divider", "header", "image", "rich_text", "section", "video"}
)
MESSAGE_BLOCK_TYPES = _COMMON_BLOCKS | {"file", "markdown"}
VIEW_BLOCK_TYPES = _COMMON_BLOCKS | {"input"}
_SELECTS = frozenset({"static_select", "multi_static_select"})
_CHOICES = frozenset({"checkboxes", "radio_buttons"})


def message_problems(payload: dict[str, Any]) -> list[str]:
    """What Slack would refuse, truncate or show badly in a message payload."""
    check = _Check("message", MESSAGE_BLOCK_TYPES)
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        check.add("text: a message needs a top-level text fallback (notifications, screen readers)")
    elif len(text) > MESSAGE_TEXT:
        check.add(f"text: {len(text)} characters; Slack truncates past {MESSAGE_TEXT}")
    check.blocks(_loaded(check, payload.get("blocks")), MESSAGE_BLOCKS, required=False)  # text alone is fine
    return check.problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """What views.open / views.update / views.push / views.publish would refuse in a view."""
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"type: {kind!r} is not a view type (modal or home)"]
    check = _Check(str(kind), VIEW_BLOCK_TYPES)
    blocks = _loaded(check, view.get("blocks"))
    check.blocks(blocks, VIEW_BLOCKS, required=True)
    check.length("private_metadata", view.get("private_metadata"), PRIVATE_METADATA)
    check.length("callback_id", view.get("callback_id"), CALLBACK_ID)
    check.length("external_id", view.get("external_id"), ID_LENGTH)
    if kind == "modal":
        _modal_buttons(check, view, has_input=any(b.get("type") == "input" for b in _dicts(blocks)))
    else:
        _home(check, view)
    return check.problems


def _modal_buttons(check: _Check, view: dict[str, Any], *, has_input: bool) -> None:
    check.text("title", view.get("title"), MODAL_TEXT, plain=True)
    for key in ("submit", "close"):
        if key in view:
            check.text(key, view[key], MODAL_TEXT, plain=True)
    if has_input and "submit" not in view:
        check.add("submit: a modal with an input block needs a submit button")


def _home(check: _Check, view: dict[str, Any]) -> None:
    for key in ("submit", "close"):
        if key in view:
            check.add(f"{key}: a Home view has no {key} button")
    size = len(json.dumps(view, ensure_ascii=False).encode())
    if size > HOME_BYTES:
        check.add(f"view: {size} bytes; views.publish fails with view_too_large past {HOME_BYTES}")


def _loaded(check: _Check, blocks: Any) -> Any:
    """Blocks as slack_sdk form-encodes them arrive as a JSON string."""
    if not isinstance(blocks, str):
        return blocks
    try:
        return json.loads(blocks)
    except ValueError:
        check.add("blocks: not valid JSON")
        return []


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


@dataclass
class _Check:
    """The problems found on one surface, and the ids seen there (Slack wants them unique)."""

    surface: str
    block_types: frozenset[str]
    problems: list[str] = field(default_factory=list)
    block_ids: set[str] = field(default_factory=set)
    action_ids: set[str] = field(default_factory=set)

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def length(self, where: str, value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(f"{where}: {len(value)} characters; Slack allows {limit}")

    def count(self, where: str, items: Any, limit: int) -> list[dict[str, Any]]:
        if not isinstance(items, list) or not items:
            self.add(f"{where}: needs a non-empty list")
            return []
        if len(items) > limit:
            self.add(f"{where}: {len(items)} items; Slack allows {limit}")
        objects = _dicts(items)
        if len(objects) < len(items):
            self.add(f"{where}: every item must be an object")
        return objects

    def text(self, where: str, obj: Any, limit: int, *, plain: bool = False) -> None:
        """A text object: plain_text (or mrkdwn where allowed), not empty, within the limit."""
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if not isinstance(obj, dict) or obj.get("type") not in kinds:
            self.add(f"{where}: needs a {' or '.join(kinds)} text object")
            return
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            self.add(f"{where}: text must not be empty")
            return
        self.length(where, value, limit)

    def unique(self, where: str, value: Any, seen: set[str]) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not value:
            self.add(f"{where}: must be a non-empty string")
            return
        self.length(where, value, ID_LENGTH)
        if value in seen:
            self.add(f"{where}: {value!r} is used twice on this {self.surface}")
        seen.add(value)

    def blocks(self, blocks: Any, limit: int, *, required: bool) -> None:
        if not required and blocks in (None, []):
            return
        for i, block in enumerate(self.count("blocks", blocks, limit)):
            self.block(f"blocks[{i}]", block)

    def block(self, where: str, block: dict[str, Any]) -> None:
        kind = block.get("type")
        where = f"{where} ({kind})"
        if kind not in self.block_types:
            self.add(f"{where}: not a block type for a {self.surface}")
            return
        self.unique(f"{where}.block_id", block.get("block_id"), self.block_ids)
        _BLOCKS.get(str(kind), _no_checks)(self, where, block)

    def element(self, where: str, element: dict[str, Any]) -> None:
        kind = element.get("type")
        where = f"{where} ({kind})"
        self.unique(f"{where}.action_id", element.get("action_id"), self.action_ids)
        if "placeholder" in element:
            self.text(f"{where}.placeholder", element["placeholder"], PLACEHOLDER, plain=True)
        if "confirm" in element:
            _confirm(self, f"{where}.confirm", element["confirm"])
        _ELEMENTS.get(str(kind), _no_checks)(self, where, element)

    def options(self, where: str, options: Iterable[dict[str, Any]], *, plain: bool = True) -> None:
        for i, option in enumerate(options):
            self.text(f"{where}[{i}].text", option.get("text"), OPTION_TEXT, plain=plain)
            value = option.get("value")
            if not isinstance(value, str) or not value:
                self.add(f"{where}[{i}].value: must be a non-empty string")
            self.length(f"{where}[{i}].value", value, OPTION_VALUE)
            if "description" in option:
                self.text(f"{where}[{i}].description", option["description"], OPTION_TEXT, plain=plain)


def _no_checks(check: _Check, where: str, item: dict[str, Any]) -> None:
    """Block and element types with nothing to count (divider, date pickers, ...)."""


def _section(check: _Check, where: str, block: dict[str, Any]) -> None:
    if "text" not in block and "fields" not in block:
        check.add(f"{where}: needs text or fields")
    if "text" in block:
        check.text(f"{where}.text", block["text"], SECTION_TEXT)
    if "fields" in block:
        for i, item in enumerate(check.count(f"{where}.fields", block["fields"], SECTION_FIELDS)):
            check.text(f"{where}.fields[{i}]", item, FIELD_TEXT)
    if isinstance(block.get("accessory"), dict):
        check.element(f"{where}.accessory", block["accessory"])


def _header(check: _Check, where: str, block: dict[str, Any]) -> None:
    check.text(f"{where}.text", block.get("text"), HEADER_TEXT, plain=True)


def _actions(check: _Check, where: str, block: dict[str, Any]) -> None:
    for i, element in enumerate(check.count(f"{where}.elements", block.get("elements"), ACTIONS_ELEMENTS)):
        check.element(f"{where}.elements[{i}]", element)


def _context(check: _Check, where: str, block: dict[str, Any]) -> None:
    for i, element in enumerate(check.count(f"{where}.elements", block.get("elements"), CONTEXT_ELEMENTS)):
        if element.get("type") == "image":
            _image(check, f"{where}.elements[{i}]", element)
        else:
            check.text(f"{where}.elements[{i}]", element, TEXT_OBJECT)


def _input(check: _Check, where: str, block: dict[str, Any]) -> None:
    check.text(f"{where}.label", block.get("label"), INPUT_LABEL, plain=True)
    if "hint" in block:
        check.text(f"{where}.hint", block["hint"], INPUT_LABEL, plain=True)
    if isinstance(block.get("element"), dict):
        check.element(f"{where}.element", block["element"])
    else:
        check.add(f"{where}.element: an input block needs an element")


def _image(check: _Check, where: str, image: dict[str, Any]) -> None:
    check.length(f"{where}.image_url", image.get("image_url"), URL_LENGTH)
    if not image.get("alt_text"):
        check.add(f"{where}.alt_text: an image needs alt text")
    check.length(f"{where}.alt_text", image.get("alt_text"), ALT_TEXT)


def _button(check: _Check, where: str, button: dict[str, Any]) -> None:
    check.text(f"{where}.text", button.get("text"), BUTTON_TEXT, plain=True)
    check.length(f"{where}.value", button.get("value"), BUTTON_VALUE)
    check.length(f"{where}.url", button.get("url"), URL_LENGTH)
    if button.get("style") not in (None, "primary", "danger"):
        check.add(f"{where}.style: {button['style']!r} is not primary or danger")


def _select(check: _Check, where: str, select: dict[str, Any]) -> None:
    if "option_groups" in select:
        groups = check.count(f"{where}.option_groups", select["option_groups"], SELECT_OPTIONS)
        for i, group in enumerate(groups):
            check.text(f"{where}.option_groups[{i}].label", group.get("label"), OPTION_TEXT, plain=True)
            options = check.count(f"{where}.option_groups[{i}].options", group.get("options"), SELECT_OPTIONS)
            check.options(f"{where}.option_groups[{i}].options", options)
    else:
        check.options(
            f"{where}.options", check.count(f"{where}.options", select.get("options"), SELECT_OPTIONS)
        )


def _overflow(check: _Check, where: str, menu: dict[str, Any]) -> None:
    check.options(f"{where}.options", check.count(f"{where}.options", menu.get("options"), OVERFLOW_OPTIONS))


def _choices(check: _Check, where: str, element: dict[str, Any]) -> None:
    options = check.count(f"{where}.options", element.get("options"), CHOICE_OPTIONS)
    check.options(f"{where}.options", options, plain=False)


def _confirm(check: _Check, where: str, confirm: Any) -> None:
    if not isinstance(confirm, dict):
        check.add(f"{where}: needs a confirmation dialog object")
        return
    check.text(f"{where}.title", confirm.get("title"), CONFIRM_TITLE, plain=True)
    check.text(f"{where}.text", confirm.get("text"), CONFIRM_TEXT)
    check.text(f"{where}.confirm", confirm.get("confirm"), CONFIRM_BUTTON, plain=True)
    check.text(f"{where}.deny", confirm.get("deny"), CONFIRM_BUTTON, plain=True)


_Checker = Callable[[_Check, str, dict[str, Any]], None]
_BLOCKS: dict[str, _Checker] = {
    "section": _section,
    "header": _header,
    "actions": _actions,
    "context": _context,
    "input": _input,
    "image": _image,
}
_ELEMENTS: dict[str, _Checker] = {
    "button": _button,
    "image": _image,
    "overflow": _overflow,
    **dict.fromkeys(_SELECTS, _select),
    **dict.fromkeys(_CHOICES, _choices),
}
