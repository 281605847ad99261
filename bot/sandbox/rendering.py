"""The page's templates: Jinja2, autoescaped, with Block Kit's text objects and mrkdwn as filters
and the workspace's people and channels at hand; and the commands the composer suggests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from bot.messages import FILTERS
from bot.sandbox import forms, people
from bot.sandbox.mrkdwn_html import to_html

HERE = Path(__file__).parent
MANIFEST = HERE.parents[1] / "manifest.yaml"


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    usage: str


def commands() -> list[Command]:
    """The slash commands of manifest.yaml, with their usage hints (the composer's suggestions)."""
    if not MANIFEST.exists():
        return []
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return [
        Command(c["command"], c.get("description", ""), c.get("usage_hint", ""))
        for c in manifest["features"]["slash_commands"]
    ]


@dataclass(frozen=True)
class Shortcut:
    name: str
    callback_id: str
    kind: str  # "global" or "message"
    description: str


def shortcuts() -> list[Shortcut]:
    """The shortcuts of manifest.yaml: the global ones beside the composer, the message ones on
    each message."""
    if not MANIFEST.exists():
        return []
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return [
        Shortcut(s["name"], s["callback_id"], s["type"], s.get("description", ""))
        for s in manifest["features"].get("shortcuts", [])
    ]


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    names = people.names()
    env.filters["mrkdwn"] = lambda text: to_html(str(text or ""), names)
    env.filters["text"] = lambda obj: _text(obj, names)
    env.filters["json"] = lambda value: json.dumps(value)
    env.filters.update(FILTERS)  # the one formatter, as in the messages
    env.globals.update(
        shortcuts=shortcuts(),
        people=people.PEOPLE,
        channels=people.CHANNELS,
        initial=forms.initial,
        name_of=lambda user: names.get(user, user),
    )
    return env


def _text(obj: Any, names: dict[str, str]) -> Markup:
    if not isinstance(obj, dict):
        return escape(str(obj or ""))
    if obj.get("type") == "mrkdwn":
        return to_html(str(obj.get("text", "")), names)
    return escape(str(obj.get("text", "")))
