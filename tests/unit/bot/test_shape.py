"""The shape Slack's payloads always have, which Bolt and the listeners index without looking."""

from __future__ import annotations

from typing import Any

import pytest

from bot.shape import Fields, Unreadable, ours, problem

WHO = {"team": {"id": "T1"}, "user": {"id": "U1"}}
VIEW = {"id": "V1", "type": "modal", "callback_id": "customer_add", "state": {"values": {}}}
ACTION = {"action_id": "customers_more", "value": "{}"}
MENTION = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UB> credits", "ts": "1.2"}


@pytest.mark.parametrize(
    "payload",
    [
        {"command": "/customers", "team_id": "T1", "user_id": "U1", "text": "help"},
        {"type": "view_submission", **WHO, "view": VIEW},
        {"type": "block_actions", **WHO, "actions": [ACTION]},
        {"type": "block_actions", **WHO, "actions": [ACTION], "view": {"id": "VHOME"}},
        {"type": "block_suggestion", **WHO, "action_id": "customer", "value": "Al"},
        {"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened", "user": "U1"}},
        {"type": "url_verification", "challenge": "x"},
        {"type": "shortcut", **WHO, "callback_id": "shortcut_sell", "trigger_id": "t"},
        {
            "type": "message_action",
            **WHO,
            "callback_id": "message_credits",
            "channel": {"id": "C1"},
            "message": {"type": "message", "text": "Café Müller", "ts": "1.2"},
        },
        {"type": "event_callback", "team_id": "T1", "event": {**MENTION, "thread_ts": "1.1"}},
    ],
)
def test_what_slack_sends_passes(payload: dict[str, Any]) -> None:
    assert problem(payload) is None


@pytest.mark.parametrize(
    "payload",
    [
        {"command": "/customers", "user_id": "U1"},
        {"type": "view_submission", **WHO},
        {"type": "view_submission", **WHO, "view": [VIEW]},
        {"type": "view_submission", **WHO, "view": {**VIEW, "type": None}},
        {"type": "view_submission", **WHO, "view": {**VIEW, "state": {"values": {"name": []}}}},
        {"type": "view_submission", **WHO, "view": {**VIEW, "private_metadata": 7}},
        {"type": "view_submission", "team": ["T1"], "user": {"id": "U1"}, "view": VIEW},
        {"type": "view_submission", "team": {"id": "T1"}, "view": VIEW},
        {"type": "block_actions", **WHO, "actions": []},
        {"type": "block_actions", **WHO, "actions": [{**ACTION, "value": 12}]},
        {"type": "block_actions", **WHO, "actions": [{**ACTION, "selected_option": {"value": None}}]},
        {"type": "block_actions", **WHO, "actions": [ACTION], "trigger_id": ["t"]},
        {"type": "block_suggestion", **WHO, "value": "Al"},
        {"type": "event_callback", "event": {"type": "app_home_opened"}},
        {"type": "event_callback", "team_id": "T1", "event": "app_home_opened"},
        {"type": "message_action", **WHO, "channel": "C1", "message": {"text": "x"}},
        {"type": "message_action", **WHO, "channel": {"id": "C1"}, "message": ["x"]},
        {"type": "message_action", **WHO, "channel": {"id": "C1"}, "message": {"text": {"x": 1}}},
        {"type": "event_callback", "team_id": "T1", "event": {**MENTION, "text": ["credits"]}},
        {"type": "event_callback", "team_id": "T1", "event": {**MENTION, "thread_ts": 1.5}},
    ],
)
def test_a_part_of_another_type_is_named(payload: dict[str, Any]) -> None:
    assert problem(payload)


def test_our_own_json_read_back_names_what_is_missing_or_unreadable() -> None:
    read = ours('{"customer": {"id": 3}}')
    assert isinstance(read, Fields) and read["customer"]["id"] == 3
    with pytest.raises(Unreadable, match="'plan'"):
        read["plan"]
    with pytest.raises(Unreadable, match="not JSON"):
        ours("{")
    with pytest.raises(Unreadable):
        ours("[" * 100_000)  # deeper than the parser goes
