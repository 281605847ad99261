"""The ids of /classes' buttons and forms (Slack sends them back; golden files and tests name them)."""

from __future__ import annotations

from enum import StrEnum


class ClassesAction(StrEnum):
    PICK = "classes_pick"  # then "_<n>": one per choice in a pick list
    LIST_MORE = "classes_list_more"
    ROSTER_MORE = "classes_roster_more"
    ATTENDED = "classes_attended"  # then "_<booking>": one per booking on the roster
    NO_SHOW = "classes_no_show"  # likewise
    JOIN_WAITLIST = "classes_waitlist_join"  # under "is full": put the member in line


class ClassesView(StrEnum):
    NEW_FORM = "classes_new"
    CREATED = "classes_created"
