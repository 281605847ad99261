"""The Slack stand-in keeps Slack's rules for modals: trigger ids live three seconds and are used
once, and at most three views stack."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot import standin as standin_module
from bot.standin import SlackStandIn
from bot.views import modal, section


def call(slack: SlackStandIn, method: str, **args: Any) -> dict[str, Any]:
    handler = slack._methods()[method]
    answer: dict[str, Any] = handler(args)
    return answer


def a_view(title: str) -> dict[str, Any]:
    return modal("test", title, [section(title)], submit=None)


def test_a_trigger_id_is_used_once() -> None:
    slack = SlackStandIn(team="T1", bot_token="xoxb-1")
    trigger = slack.issue_trigger("U1")
    assert call(slack, "views.open", trigger_id=trigger, view=a_view("First"))["ok"] is True
    assert call(slack, "views.open", trigger_id=trigger, view=a_view("Again")) == {
        "ok": False,
        "error": "trigger_exchanged",
    }


def test_a_trigger_id_expires_after_three_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    slack = SlackStandIn(team="T1", bot_token="xoxb-1")
    trigger = slack.issue_trigger("U1")
    later = time.monotonic() + standin_module.TRIGGER_SECONDS + 0.1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert call(slack, "views.open", trigger_id=trigger, view=a_view("Late"))["error"] == "expired_trigger_id"


def test_at_most_three_views_stack() -> None:
    slack = SlackStandIn(team="T1", bot_token="xoxb-1")
    call(slack, "views.open", trigger_id=slack.issue_trigger("U1"), view=a_view("One"))
    for title in ("Two", "Three"):
        assert call(slack, "views.push", trigger_id=slack.issue_trigger("U1"), view=a_view(title))["ok"]
    fourth = call(slack, "views.push", trigger_id=slack.issue_trigger("U1"), view=a_view("Four"))
    assert fourth == {"ok": False, "error": "push_limit_reached"}
    assert [v["title"]["text"] for v in slack.modals["U1"]] == ["One", "Two", "Three"]


def test_an_update_with_a_stale_hash_is_refused() -> None:
    slack = SlackStandIn(team="T1", bot_token="xoxb-1")
    opened = call(slack, "views.open", trigger_id=slack.issue_trigger("U1"), view=a_view("One"))["view"]
    assert call(slack, "views.update", view_id=opened["id"], hash=opened["hash"], view=a_view("Two"))["ok"]
    stale = call(slack, "views.update", view_id=opened["id"], hash=opened["hash"], view=a_view("Three"))
    assert stale == {"ok": False, "error": "hash_conflict"}
