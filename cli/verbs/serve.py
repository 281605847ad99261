"""`memberbot serve` and `memberbot scheduler`: the Slack bot, and its scheduler alone."""

from __future__ import annotations

import click

from bot.server import run_scheduler
from bot.server import serve as serve_bot
from bot.settings import Settings, SettingsError, load
from cli.errors import UserError


def _settings() -> Settings:
    """The bot's settings from the environment; a bad one stops the command with one line."""
    try:
        return load()
    except SettingsError as exc:
        raise UserError(str(exc)) from None


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
def serve(host: str) -> None:
    """Run the Slack bot: in Socket Mode when SLACK_APP_TOKEN is set, otherwise over HTTP
    (Bolt's /slack/events). Either way $PORT answers /healthz, and with OAuth /slack/install.
    See docs/slack-setup.md."""
    try:  # a setting Slack itself refuses (a revoked app token) is found only when connecting
        serve_bot(_settings(), host=host)
    except SettingsError as exc:
        raise UserError(str(exc)) from None


@click.command()
def scheduler() -> None:
    """Run the scheduler alone (daily jobs and reminder delivery), for deployments that keep it
    apart from `memberbot serve` (which runs it too unless MEMBERBOT_SCHEDULER=off)."""
    run_scheduler(_settings())
