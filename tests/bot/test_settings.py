"""Settings: a missing or malformed one stops start-up with one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.settings import MANIFEST_BOT_SCOPES, OAuth, SettingsError, load
from cli.main import cli
from storage.limits import Limits

GOOD = {"SLACK_SIGNING_SECRET": "s3cret", "SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": "sqlite:///x.sqlite"}
OAUTH = {
    "SLACK_SIGNING_SECRET": "s3cret",
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "client-s3cret",
    "DATABASE_URL": "sqlite:///x.sqlite",
}


def test_good_settings_load() -> None:
    settings = load(
        {**GOOD, "PORT": "8080", "MEMBERBOT_ADMINS": "U01ABC, U02DEF", "SLACK_API_URL": "http://h/api"}
    )
    assert (settings.port, settings.admins, settings.api_url) == (8080, ("U01ABC", "U02DEF"), "http://h/api/")
    assert load(GOOD).port == 3000
    assert (load(GOOD).oauth, load(GOOD).socket_mode) == (None, False)


def test_oauth_replaces_the_bot_token_and_asks_for_the_manifest_scopes_by_default() -> None:
    settings = load(OAUTH)
    assert settings.bot_token is None
    assert settings.oauth == OAuth("1111.2222", "client-s3cret", MANIFEST_BOT_SCOPES, None)
    chosen = load({**OAUTH, "SLACK_SCOPES": "commands, chat:write", "SLACK_REDIRECT_URI": "https://h/r"})
    assert chosen.oauth == OAuth("1111.2222", "client-s3cret", ("commands", "chat:write"), "https://h/r")


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load({"SLACK_APP_TOKEN": "xapp-1-A1-2", "SLACK_BOT_TOKEN": "xoxb-1"})
    assert (settings.socket_mode, settings.app_token, settings.signing_secret) == (True, "xapp-1-A1-2", None)
    assert load({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}).oauth is not None  # many workspaces, Socket Mode


def test_the_default_scopes_are_the_manifests() -> None:
    manifest = yaml.safe_load((Path(__file__).parents[2] / "manifest.yaml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == MANIFEST_BOT_SCOPES


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**GOOD, "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is not set"),
        ({**GOOD, "SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN must be a bot token"),
        ({**GOOD, "SLACK_BOT_TOKEN": " "}, "SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID and"),
        ({**GOOD, "PORT": "eighty"}, "PORT must be a port number"),
        ({**GOOD, "PORT": "70000"}, "PORT must be a port number"),
        ({**GOOD, "MEMBERBOT_ADMINS": "alice"}, "MEMBERBOT_ADMINS must be"),
        ({**GOOD, "SLACK_API_URL": "ftp://x"}, "SLACK_API_URL must be an http(s) URL"),
        ({**GOOD, "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN must be an app-level token"),
        ({**OAUTH, "SLACK_CLIENT_SECRET": ""}, "SLACK_CLIENT_SECRET is not set (SLACK_CLIENT_ID is)"),
        ({**OAUTH, "SLACK_CLIENT_ID": ""}, "SLACK_CLIENT_ID is not set (SLACK_CLIENT_SECRET is)"),
        ({**OAUTH, "SLACK_CLIENT_ID": "A0123"}, "SLACK_CLIENT_ID must look like 1234567890.1234567890"),
        ({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN must not be set with SLACK_CLIENT_ID"),
        (
            {**OAUTH, "SLACK_SCOPES": "commands,,chat:write"},
            "SLACK_SCOPES must be comma-separated bot scopes",
        ),
        ({**OAUTH, "SLACK_SCOPES": "Chat Write"}, "SLACK_SCOPES must be comma-separated bot scopes"),
        ({**OAUTH, "SLACK_REDIRECT_URI": "/oauth"}, "SLACK_REDIRECT_URI must be an http(s) URL"),
        ({**OAUTH, "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is not set"),
        ({**GOOD, "MEMBERBOT_DB_STATEMENT_TIMEOUT": "5s"}, "MEMBERBOT_DB_STATEMENT_TIMEOUT must be a number"),
        ({**GOOD, "MEMBERBOT_DB_CONNECT_TIMEOUT": "0"}, "MEMBERBOT_DB_CONNECT_TIMEOUT must be a number"),
        ({**GOOD, "MEMBERBOT_DB_POOL_TIMEOUT": "nan"}, "MEMBERBOT_DB_POOL_TIMEOUT must be a number"),
        ({**GOOD, "MEMBERBOT_DB_KEEPALIVES_COUNT": "1.5"}, "MEMBERBOT_DB_KEEPALIVES_COUNT must be a whole"),
    ],
)
def test_a_bad_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load(env)
    assert str(raised.value).startswith(named)
    assert "\n" not in str(raised.value)


def test_serve_stops_with_one_line_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: SLACK_SIGNING_SECRET is not set"


def test_serve_names_the_missing_half_of_the_oauth_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    monkeypatch.delenv("SLACK_CLIENT_SECRET", raising=False)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: SLACK_CLIENT_SECRET is not set (SLACK_CLIENT_ID is)"


def test_threads_processes_and_scheduler_settings_are_checked() -> None:
    base = {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}
    assert (load(base).threads, load(base).processes, load(base).scheduler) == (1, None, True)
    assert load({**base, "MEMBERBOT_THREADS": "4", "MEMBERBOT_SCHEDULER": "off"}).threads == 4
    assert load({**base, "MEMBERBOT_PROCESSES": "3"}).processes == 3
    assert load({**base, "MEMBERBOT_PROCESSES": " Auto "}).processes is None
    for name, value in (
        ("MEMBERBOT_THREADS", "0"),
        ("MEMBERBOT_THREADS", "many"),
        ("MEMBERBOT_THREADS", "³"),
        ("MEMBERBOT_PROCESSES", "0"),
        ("MEMBERBOT_PROCESSES", "65"),
        ("MEMBERBOT_PROCESSES", "²"),
        ("MEMBERBOT_SCHEDULER", "yes"),
    ):
        with pytest.raises(SettingsError, match=name):
            load({**base, name: value})


def test_the_database_timeouts_have_defaults_and_are_read_from_the_environment() -> None:
    assert load(GOOD).database_limits == Limits(
        connect=5,
        statement=5,
        run=60,
        pool=5,
        busy=5,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
    )
    limits = load(
        {
            **GOOD,
            "MEMBERBOT_DB_STATEMENT_TIMEOUT": "2.5",
            "MEMBERBOT_DB_RUN_TIMEOUT": "600",
            "MEMBERBOT_DB_KEEPALIVES_IDLE": "15",
        }
    ).database_limits
    assert (limits.statement, limits.run, limits.keepalives_idle) == (2.5, 600, 15)
    assert (limits.for_runs().statement, limits.for_runs().busy) == (600, 600)  # the CLI's budget
    args = limits.postgresql_connect_args()
    assert args["options"] == "-c statement_timeout=2500" and args["keepalives_idle"] == 15


def test_a_cli_verb_names_a_bad_database_timeout_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMBERBOT_DB_RUN_TIMEOUT", "forever")
    result = CliRunner().invoke(cli, ["sweep"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error: MEMBERBOT_DB_RUN_TIMEOUT must be a number of seconds")
