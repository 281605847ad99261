"""Who is in the sandbox's workspace, and its channels: one person per role (two staff members),
so approvals, refusals and who gets which reminder can be seen by switching between them."""

from __future__ import annotations

from dataclasses import dataclass

from core.workspace.roles import Role

TEAM = "TSANDBOX"
WORKSPACE = "Harbour Fitness & Services"
FRONT_DESK, OPERATIONS = "CFRONTDESK", "COPERATIONS"
CHANNELS = {FRONT_DESK: "front-desk", OPERATIONS: "operations"}


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: Role


ADMIN = Person("UADA", "Ada Owens", Role.ADMIN)
MANAGER = Person("UMORGAN", "Morgan Reyes", Role.MANAGER)
STAFF = Person("USAM", "Sam Carter", Role.STAFF)
STAFF_2 = Person("UTAYLOR", "Taylor Kim", Role.STAFF)
SPECIALIST = Person("UPRIYA", "Priya Nair", Role.SPECIALIST)
PEOPLE = (ADMIN, MANAGER, STAFF, STAFF_2, SPECIALIST)
BY_ID = {p.id: p for p in PEOPLE}


def names() -> dict[str, str]:
    """How mentions are shown: people by name, channels by #name, the bot as memberbot."""
    return {
        **{p.id: p.name for p in PEOPLE},
        **{c: name for c, name in CHANNELS.items()},
        "UMEMBERBOT": "memberbot",
    }


def dm_of(user: str) -> set[str]:
    """The channel ids a user's direct messages with the bot arrive under: the user id (a post
    to a user) and the DM channel conversations.open names (D + user id)."""
    return {user, f"D{user}"}
