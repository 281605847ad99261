"""Setting up a class: the form (managers only) and what its submission sets up."""

from __future__ import annotations

import asyncio
import re
from datetime import date, time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import messages, views
from bot.deps import Deps
from bot.listeners.classes.ids import ClassesView
from bot.listeners.replies import Modal, submission
from bot.mrkdwn import escape
from core.classes import flows
from core.classes import service as classes
from core.classes.rules import DEFAULT_CUTOFF_HOURS
from core.classes.service import SeriesTerms
from core.kernel.errors import Errors, NotFound
from core.kernel.recurrence import Weekly
from core.workspace import roles
from core.workspace.roles import Action

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_START = "18:00"
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(ClassesView.NEW_FORM)
    async def new_class_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        outcome = await asyncio.to_thread(submission, lambda: create_from_form(deps, team, user, view), view)
        await ack(**(outcome or {}))


def new_class(deps: Deps, team: str, user: str) -> Modal:
    """Refused at once for those who may not set up classes; the form otherwise."""
    deps.read(team, user, roles.require, Action.MANAGE_CLASSES)
    return Modal("New class", lambda: new_class_form(deps, team, user))


def new_class_form(deps: Deps, team: str, user: str) -> dict[str, Any]:
    choices = deps.read(team, user, flows.class_choices)
    places = [(str(ident), name) for ident, name in choices.locations]
    sold = [(str(ident), name) for ident, name in choices.plans]
    today = choices.today
    if not places:
        raise NotFound("A class runs at a location, and this workspace has none yet.", "location")
    blocks = [
        views.text_input("name", "Name", max_length=classes.NAME_MAX),
        views.select("location", "Location", places, initial=places[0][0] if len(places) == 1 else None),
        views.checkboxes("weekdays", "Days of the week", [(str(i), d) for i, d in enumerate(WEEKDAYS)]),
        _timepicker("start_time", "Start time", DEFAULT_START),
        views.date_input("starts_on", "First day", initial=today),
        views.date_input("ends_on", "Last day", optional=True),
        views.text_input("capacity", "Places", max_length=4),
        views.text_input("duration_minutes", "Length in minutes", initial="60", max_length=4),
        views.text_input(
            "cancel_cutoff_hours",
            "Cancellation cut-off in hours",
            initial=str(DEFAULT_CUTOFF_HOURS),
            max_length=4,
            hint="Cancelled later than this before the start, the credit is kept.",
        ),
    ]
    if sold:
        blocks.append(_multi_select("plans", "Plans that may book", sold, hint="None chosen: every plan."))
    return views.modal(ClassesView.NEW_FORM, "New class", blocks, submit="Set up")


def create_from_form(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """The form's values as core's terms (a number that is not one is named under its field), the
    class set up, and the form replaced by what was done."""
    chosen = views.values(view)
    errors = Errors()
    capacity = _whole(errors, "capacity", chosen.get("capacity", ""), "The number of places")
    minutes = _whole(errors, "duration_minutes", chosen.get("duration_minutes", ""), "The length")
    cutoff = _whole(errors, "cancel_cutoff_hours", chosen.get("cancel_cutoff_hours", ""), "The cut-off")
    starts_at = _selected_time(errors, view, "start_time")
    if not chosen.get("location"):
        errors.add("location", "Choose the location.")
    if not chosen.get("starts_on"):
        errors.add("starts_on", "Choose the first day.")
    errors.raise_if_any()
    picked_plans = tuple(int(p) for p in chosen.get("plans") or ())
    terms = SeriesTerms(
        name=chosen.get("name", ""),
        location_id=int(chosen["location"]),
        schedule=Weekly(1, tuple(int(d) for d in chosen.get("weekdays") or ())),
        starts_on=date.fromisoformat(chosen["starts_on"]),
        start_time=starts_at,
        capacity=capacity,
        duration_minutes=minutes,
        ends_on=date.fromisoformat(chosen["ends_on"]) if chosen.get("ends_on") else None,
        plan_ids=picked_plans or None,
        cancel_cutoff_hours=cutoff,
    )
    done = deps.write(team, user, flows.set_up_class, terms)
    made = done.series
    said = messages.say(
        "class_created",
        name=escape(made.name),
        location=escape(made.location),
        schedule=made.schedule_text,
        first=done.first,
    )
    return {
        "response_action": "update",
        "view": views.modal(ClassesView.CREATED, "New class", [views.section(said)], submit=None),
    }


def _timepicker(block_id: str, label: str, initial: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": views.plain(label),
        "element": {"type": "timepicker", "action_id": block_id, "initial_time": initial},
        "optional": False,
    }


def _multi_select(block_id: str, label: str, options: list[tuple[str, str]], *, hint: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": views.plain(label),
        "element": {
            "type": "multi_static_select",
            "action_id": block_id,
            "options": [views.option(v, t) for v, t in options][: views.OPTIONS_MAX],
        },
        "optional": True,
        "hint": views.plain(hint),
    }


def _selected_time(errors: Errors, view: dict[str, Any], block_id: str) -> time:
    """A timepicker's "HH:mm" (views.values reads the other inputs)."""
    state = view.get("state", {}).get("values", {}).get(block_id, {}).get(block_id, {})
    found = _TIME.match(str(state.get("selected_time") or ""))
    if found is None:
        errors.add(block_id, "Choose the start time.")
        return time(0)
    return time(int(found.group(1)), int(found.group(2)))


def _whole(errors: Errors, block_id: str, text: str, label: str) -> int:
    if not text.isdigit():
        errors.add(
            block_id, f"{label} must be a whole number, not “{text}”." if text else f"{label} is needed."
        )
        return 0
    return int(text)
