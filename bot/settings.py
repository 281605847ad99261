"""Settings from the environment. A missing or malformed one stops start-up with one line naming it.

Two choices shape them (docs/slack-setup.md): one workspace with a bot token, or many that install
the app through OAuth; and Socket Mode (an app-level token) or HTTP requests signed by Slack.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from storage.engine import database_url_from_env
from storage.limits import Limits, limits_from_env

# The bot scopes of manifest.yaml, asked for at installation (tests/bot/test_settings.py keeps them equal).
MANIFEST_BOT_SCOPES = (
    "commands",
    "app_mentions:read",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "files:write",
)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class OAuth:
    """Many workspaces, each installing the app through Slack's OAuth flow."""

    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = MANIFEST_BOT_SCOPES
    redirect_uri: str | None = None  # only needed when the app has several redirect URLs


@dataclass(frozen=True)
class Settings:
    signing_secret: str | None  # HTTP mode only: Socket Mode requests are not signed
    bot_token: str | None  # one workspace; None when workspaces install through OAuth
    database_url: str
    port: int
    api_url: str | None  # the Web API base URL (the local Slack stand-in in tests)
    admins: tuple[str, ...]
    app_token: str | None = None  # set: Socket Mode
    scheduler: bool = True  # MEMBERBOT_SCHEDULER=off: this process serves Slack only
    threads: int = 1  # MEMBERBOT_THREADS: threads running core for the listeners (bot/server.py)
    processes: int | None = None  # MEMBERBOT_PROCESSES; None: one per core on PostgreSQL, one on SQLite
    oauth: OAuth | None = None
    database_limits: Limits = field(
        default_factory=Limits
    )  # MEMBERBOT_DB_*: how long to wait on the database

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def load(env: Mapping[str, str] = os.environ) -> Settings:
    app_token = _app_token(env)
    oauth = _oauth(env)
    return Settings(
        signing_secret=_signing_secret(env, socket_mode=app_token is not None),
        bot_token=_bot_token(env, oauth),
        database_url=env.get("DATABASE_URL") or database_url_from_env(),
        port=_port(env),
        api_url=_api_url(env),
        admins=_admins(env),
        app_token=app_token,
        oauth=oauth,
        scheduler=_scheduler(env),
        threads=_threads(env),
        processes=_processes(env),
        database_limits=_database_limits(env),
    )


def _database_limits(env: Mapping[str, str]) -> Limits:
    try:
        return limits_from_env(env)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _threads(env: Mapping[str, str]) -> int:
    value = env.get("MEMBERBOT_THREADS", "1").strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 32:
        raise SettingsError(f"MEMBERBOT_THREADS must be a number of threads from 1 to 32, not {value!r}")
    return int(value)


def _processes(env: Mapping[str, str]) -> int | None:
    value = env.get("MEMBERBOT_PROCESSES", "auto").strip().lower()
    if value == "auto":
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 64:
        raise SettingsError(
            f"MEMBERBOT_PROCESSES must be auto or a number of processes from 1 to 64, not {value!r}"
        )
    return int(value)


def _scheduler(env: Mapping[str, str]) -> bool:
    value = env.get("MEMBERBOT_SCHEDULER", "on").strip().lower()
    if value not in ("on", "off"):
        raise SettingsError(f"MEMBERBOT_SCHEDULER must be on or off, not {value!r}")
    return value == "on"


def _app_token(env: Mapping[str, str]) -> str | None:
    token = _optional(env, "SLACK_APP_TOKEN")
    if token is not None and not token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    return token


def _signing_secret(env: Mapping[str, str], *, socket_mode: bool) -> str | None:
    """Slack signs what it sends over HTTP; in Socket Mode nothing arrives over HTTP to verify."""
    if socket_mode:
        return _optional(env, "SLACK_SIGNING_SECRET")
    return _required(env, "SLACK_SIGNING_SECRET")


def _bot_token(env: Mapping[str, str], oauth: OAuth | None) -> str | None:
    token = _optional(env, "SLACK_BOT_TOKEN")
    if oauth is not None:
        if token is not None:
            # Bolt would quietly drop the token; say which of the two set-ups is meant instead.
            raise SettingsError(
                "SLACK_BOT_TOKEN must not be set with SLACK_CLIENT_ID: "
                "one workspace uses a bot token, several install through OAuth"
            )
        return None
    if token is None:
        raise SettingsError("SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)")
    if not token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    return token


def _oauth(env: Mapping[str, str]) -> OAuth | None:
    client_id = _optional(env, "SLACK_CLIENT_ID")
    client_secret = _optional(env, "SLACK_CLIENT_SECRET")
    if client_id is None and client_secret is None:
        return None
    if client_id is None:
        raise SettingsError("SLACK_CLIENT_ID is not set (SLACK_CLIENT_SECRET is)")
    if client_secret is None:
        raise SettingsError("SLACK_CLIENT_SECRET is not set (SLACK_CLIENT_ID is)")
    if not re.fullmatch(r"\d+\.\d+", client_id):
        raise SettingsError(f"SLACK_CLIENT_ID must look like 1234567890.1234567890, not {client_id!r}")
    redirect_uri = _optional(env, "SLACK_REDIRECT_URI")
    if redirect_uri is not None and not re.match(r"^https?://", redirect_uri):
        raise SettingsError(f"SLACK_REDIRECT_URI must be an http(s) URL, not {redirect_uri!r}")
    return OAuth(client_id, client_secret, _scopes(env), redirect_uri)


def _scopes(env: Mapping[str, str]) -> tuple[str, ...]:
    text = _optional(env, "SLACK_SCOPES")
    if text is None:
        return MANIFEST_BOT_SCOPES
    scopes = tuple(s.strip() for s in text.split(","))
    if any(not re.fullmatch(r"[a-z][a-z.]*(:[a-z.]+)*", s) for s in scopes):
        raise SettingsError(
            f"SLACK_SCOPES must be comma-separated bot scopes such as chat:write, not {text!r}"
        )
    return scopes


def _port(env: Mapping[str, str]) -> int:
    text = env.get("PORT", "3000")
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise SettingsError(f"PORT must be a port number from 1 to 65535, not {text!r}")
    return int(text)


def _api_url(env: Mapping[str, str]) -> str | None:
    url = _optional(env, "SLACK_API_URL")
    if url is None:
        return None
    if not re.match(r"^https?://", url):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {url!r}")
    return url.rstrip("/") + "/"


def _admins(env: Mapping[str, str]) -> tuple[str, ...]:
    admins = tuple(a.strip() for a in env.get("MEMBERBOT_ADMINS", "").split(",") if a.strip())
    if any(not re.fullmatch(r"[UW][A-Z0-9]{2,31}", a) for a in admins):
        raise SettingsError("MEMBERBOT_ADMINS must be comma-separated Slack user ids such as U012ABCDEF")
    return admins


def _optional(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _required(env: Mapping[str, str], name: str) -> str:
    value = _optional(env, name)
    if value is None:
        raise SettingsError(f"{name} is not set")
    return value
