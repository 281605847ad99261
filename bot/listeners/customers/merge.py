"""/customers merge <customer> into <customer>: the preview of what moves (core/customers/merge.py)
with Confirm and Cancel. Confirm carries both customers' ids, so pressing it twice (or Slack
retrying) merges once; Cancel writes nothing."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages
from bot.deps import Deps
from bot.listeners.customers.ids import CustomerAction
from bot.listeners.replies import pressed
from bot.mrkdwn import escape
from bot.ui.buttons import actions, button
from core.customers import merge

_MERGE = re.compile(r"(.+?)\s+into\s+(.+)", re.IGNORECASE)


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(CustomerAction.MERGE_CONFIRM.value)(
        pressed(lambda team, user, value: merge_confirmed(deps, team, user, value))
    )
    app.action(CustomerAction.MERGE_CANCEL.value)(pressed(lambda team, user, value: merge_cancelled(value)))


def merge_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`<customer> into <customer>`: the preview, with Confirm (unless something stops it) and Cancel."""
    named = _MERGE.fullmatch(text.strip())
    if named is None:
        return messages.message(messages.say("say_whom_to_merge"))
    preview = deps.read(team, user, merge.merge_preview, named.group(1), named.group(2))
    duplicate, survivor = preview.merged, preview.survivor
    reply = messages.message(
        messages.render(
            "merge_preview",
            merged=escape(duplicate.label),
            merged_id=duplicate.id,
            survivor=escape(survivor.label),
            survivor_id=survivor.id,
            moves=preview.moves,
            differences=[(d.field, escape(d.kept), escape(d.dropped)) for d in preview.differences],
            filled=[(name, escape(getattr(duplicate, name))) for name in preview.filled],
            blockers=[escape(b) for b in preview.blockers],
        )
    )
    value = json.dumps({"merged": duplicate.id, "into": survivor.id})
    cancel = button(CustomerAction.MERGE_CANCEL, "Cancel", value)
    confirm = button(CustomerAction.MERGE_CONFIRM, "Merge", value, style="danger")
    reply["blocks"].append(actions([cancel] if preview.blockers else [confirm, cancel]))
    return reply


def merge_confirmed(deps: Deps, team: str, user: str, value: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(team, user, merge.merge_customers, int(value["merged"]), int(value["into"]))
    said = messages.say(
        "customers_merged",
        merged=escape(done.merged.label),
        merged_id=done.merged.id,
        survivor=escape(done.survivor.label),
        survivor_id=done.survivor.id,
        replayed=done.replayed,
    )
    return messages.message(said)


def merge_cancelled(value: dict[str, Any]) -> dict[str, Any]:
    said = messages.say("merge_cancelled", merged=f"#{value['merged']}", survivor=f"#{value['into']}")
    return messages.message(said)
