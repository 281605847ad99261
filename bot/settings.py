"""Settings from the environment. A missing or malformed one stops start-up with one line naming it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from storage.engine import database_url_from_env


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    signing_secret: str
    bot_token: str
    database_url: str
    port: int
    api_url: str | None  # the Web API base URL (the local Slack stand-in in tests)
    admins: tuple[str, ...]
    app_token: str | None = None


def load(env: Mapping[str, str] = os.environ) -> Settings:
    secret = _required(env, "SLACK_SIGNING_SECRET")
    token = _required(env, "SLACK_BOT_TOKEN")
    if not token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    port_text = env.get("PORT", "3000")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise SettingsError(f"PORT must be a port number from 1 to 65535, not {port_text!r}")
    api_url = env.get("SLACK_API_URL") or None
    if api_url is not None and not re.match(r"^https?://", api_url):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
    admins = tuple(a.strip() for a in env.get("MEMBERBOT_ADMINS", "").split(",") if a.strip())
    if any(not re.fullmatch(r"[UW][A-Z0-9]{2,31}", a) for a in admins):
        raise SettingsError("MEMBERBOT_ADMINS must be comma-separated Slack user ids such as U012ABCDEF")
    app_token = env.get("SLACK_APP_TOKEN") or None
    if app_token is not None and not app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    return Settings(
        secret,
        token,
        env.get("DATABASE_URL") or database_url_from_env(),
        int(port_text),
        api_url.rstrip("/") + "/" if api_url else None,
        admins,
        app_token,
    )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set")
    return value
