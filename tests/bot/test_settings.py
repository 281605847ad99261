"""Settings: a missing or malformed one stops start-up with one line naming it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.settings import SettingsError, load
from cli.main import cli

GOOD = {"SLACK_SIGNING_SECRET": "s3cret", "SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": "sqlite:///x.sqlite"}


def test_good_settings_load() -> None:
    settings = load(
        {**GOOD, "PORT": "8080", "MEMBERBOT_ADMINS": "U01ABC, U02DEF", "SLACK_API_URL": "http://h/api"}
    )
    assert (settings.port, settings.admins, settings.api_url) == (8080, ("U01ABC", "U02DEF"), "http://h/api/")
    assert load(GOOD).port == 3000


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN must be a bot token"),
        ({"PORT": "eighty"}, "PORT must be a port number"),
        ({"PORT": "70000"}, "PORT must be a port number"),
        ({"MEMBERBOT_ADMINS": "alice"}, "MEMBERBOT_ADMINS must be"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL must be an http(s) URL"),
        ({"SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN must be an app-level token"),
    ],
)
def test_a_bad_setting_is_named(change: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named.replace("(", r"\(").replace(")", r"\)")):
        load({**GOOD, **change})


def test_serve_stops_with_one_line_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: SLACK_SIGNING_SECRET is not set"
