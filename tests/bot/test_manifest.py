"""manifest.yaml against Slack's published manifest schema (../shared/slack)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.listeners.shortcuts.ids import Shortcut
from bot.listeners.workflows.ids import Step

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT.parent / "shared" / "slack"


def manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    assert isinstance(data, dict)
    return data


def schema_for(data: dict[str, Any]) -> dict[str, Any]:
    version = data["_metadata"]["major_version"]
    path = SCHEMAS / f"manifest.schema.{version}.0.0.json"
    assert path.exists(), f"Slack's manifest schemas are expected beside the checkout, in {SCHEMAS}"
    loaded = json.loads(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_manifest_validates_against_the_schema_it_declares() -> None:
    data = manifest()
    jsonschema.validate(data, schema_for(data), cls=jsonschema.Draft7Validator)


def test_the_validation_can_fail() -> None:
    data = manifest()
    data["features"]["slash_commands"][0]["command"] = "plans"  # no leading slash
    data["settings"]["colour"] = "green"  # unknown key
    errors = list(jsonschema.Draft7Validator(schema_for(data)).iter_errors(data))
    assert len(errors) >= 2


def test_every_command_has_a_usage_hint_and_the_home_tab_is_on() -> None:
    data = manifest()
    commands = data["features"]["slash_commands"]
    assert {c["command"] for c in commands} == {
        "/plans",
        "/services",
        "/customers",
        "/membership",
        "/credits",
        "/billing",
        "/classes",
        "/revenue",
        "/checkout",
        "/visits",
    }
    assert all(c.get("usage_hint") for c in commands)
    (membership,) = [c for c in commands if c["command"] == "/membership"]
    assert "| approvals |" in membership["usage_hint"]  # what waits for the manager's decision
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "function_executed",
        "app_mention",
        "message.im",
    ]


def test_the_workflow_steps_declared_are_the_steps_the_bot_runs_and_custom_steps_can_be_deployed() -> None:
    data = manifest()
    assert set(data["functions"]) == {step.value for step in Step}
    for step in data["functions"].values():
        assert "actor" in step["input_parameters"]["required"]  # whose role decides
    assert data["settings"]["org_deploy_enabled"] is True  # Slack requires it for custom steps
    assert data["settings"]["function_runtime"] == "remote"  # run by this app, not on Slack


def test_people_can_write_to_the_app_in_its_dm() -> None:
    data = manifest()
    # People write to the app in its DM: the Messages tab is on and not read-only.
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
    assert data["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def test_every_shortcut_has_a_listener_and_the_events_their_scopes() -> None:
    data = manifest()
    declared = {s["callback_id"]: s["type"] for s in data["features"]["shortcuts"]}
    assert set(declared) == {s.value for s in Shortcut}
    assert sorted(declared.values()) == ["global"] * 3 + ["message"] * 2
    scopes = data["oauth_config"]["scopes"]["bot"]
    assert {"app_mentions:read", "im:history", "chat:write"} <= set(scopes)


def test_a_shortcut_name_over_slacks_24_characters_fails_validation() -> None:
    data = manifest()
    data["features"]["shortcuts"][3]["name"] = "Check credits for this customer"  # 31 characters
    errors = list(jsonschema.Draft7Validator(schema_for(data)).iter_errors(data))
    assert any("too long" in e.message for e in errors)


@pytest.mark.parametrize("scope", ["channels:history", "admin", "chat:write.customize"])
def test_only_the_least_scopes_are_asked(scope: str) -> None:
    assert scope not in manifest()["oauth_config"]["scopes"]["bot"]
