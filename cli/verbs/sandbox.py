"""`memberbot sandbox`: memberbot without Slack."""

from __future__ import annotations

from pathlib import Path

import click

from bot.sandbox.run import Options
from bot.sandbox.run import run as run_sandbox
from cli.demo import seed_sandbox


@click.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="The page's port on localhost.",
)
@click.option("--empty", is_flag=True, help="Start without the demo data.")
@click.option(
    "--db",
    "db_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the sandbox in this SQLite file between runs (default: a fresh temporary file).",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in the default browser.")
def sandbox(port: int, empty: bool, db_file: Path | None, no_browser: bool) -> None:
    """Try memberbot without Slack: the real bot on a local database, talking to a stand-in for
    Slack, in a Slack-like page in the browser (docs/sandbox.md)."""
    run_sandbox(Options(port, db_file, None if empty else seed_sandbox, open_browser=not no_browser))
