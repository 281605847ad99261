"""The action and callback ids of /visits: Slack sends them back, the sandbox and tests press them."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """Buttons under each visit (suffixed with the visit's id: an id appears once in a message)."""

    COMPLETE = "visits_complete"
    SKIP = "visits_skip"
    RESCHEDULE = "visits_reschedule"
    ASSIGN = "visits_assign"  # who is to carry it out
    MORE = "visits_more"
    MENU = "visits_menu"  # the App Home's menu of one visit: its option says which of the four


class Form(StrEnum):
    CLOSE = "visits_close"  # the note, the reason or the new day of one visit
