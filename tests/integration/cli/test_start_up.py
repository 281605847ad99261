"""`memberbot` imports a verb's module only when the verb runs (cli/main.py): its help still lists
every command with its own help, and neither the help nor a simple verb loads what it does not use.
Nothing here is timed (bench/startup.py times it); what is checked is which modules get imported."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from cli import verbs
from cli.main import VERBS, cli, load
from storage.migrate import upgrade
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[3]
# what only some verbs need: the bot and Slack (serve, sandbox, scheduler), its web servers,
# Excel files (report exports) and Alembic (db upgrade, a new SQLite file)
HEAVY = {"bot", "slack_bolt", "slack_sdk", "uvicorn", "aiohttp", "starlette", "openpyxl", "alembic"}
BOT_VERBS = {"serve", "scheduler", "sandbox"}


def listed(*args: str) -> list[str]:
    """The command names in the Commands section of `memberbot ARGS --help`."""
    shown = CliRunner().invoke(cli, [*args, "--help"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    section = shown.output.partition("\nCommands:\n")[2]
    return [line.split()[0] for line in section.splitlines() if line.strip()]


def loaded(tmp_path: Path, *commands: list[str]) -> set[str]:
    """The top-level packages in `sys.modules` of a fresh interpreter that ran each of `commands`
    through `memberbot`'s entry point, on the SQLite file in `tmp_path`."""
    script = (
        "import contextlib, io, json, sys\n"
        "from cli.main import cli\n"
        f"for args in {[list(c) for c in commands]!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        cli(args, standalone_mode=False)\n"
        "print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))\n"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "MEMBERBOT_TEAM": "TCLI"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_help_lists_the_commands_as_they_describe_themselves() -> None:
    assert listed() == sorted(VERBS)
    for name in VERBS:
        assert load(name).name == name
    # the listing from VERBS' first sentences is what the loaded commands' own help gives, at any width
    commands = click.Group(commands=[load(name) for name in VERBS])
    for width in (40, 60, 80, 100, 160, 240):
        ctx = click.Context(cli, terminal_width=width, max_content_width=width)
        lazy, real = ctx.make_formatter(), ctx.make_formatter()
        cli.format_commands(ctx, lazy)
        commands.format_commands(ctx, real)
        assert lazy.getvalue() == real.getvalue()


def test_every_command_the_verb_modules_define_is_in_the_help() -> None:
    defined: dict[int, str] = {}  # each click command of cli/verbs/, by identity, and its name there
    for module in pkgutil.iter_modules(verbs.__path__, "cli.verbs."):
        for attribute, value in vars(importlib.import_module(module.name)).items():
            if isinstance(value, click.Command):
                defined[id(value)] = f"{module.name}:{attribute}"
    shown: set[int] = set()
    for name in listed():
        command = load(name)
        shown.add(id(command))
        if isinstance(command, click.Group):
            assert listed(name), f"`memberbot {name} --help` lists no command"
            shown |= {id(command.commands[sub]) for sub in listed(name)}
    assert sorted(defined[c] for c in set(defined) - shown) == []
    assert shown <= set(defined)


def test_help_imports_click_and_no_part_of_memberbot_below_the_cli(tmp_path: Path) -> None:
    modules = loaded(tmp_path, ["--help"])
    assert "click" in modules
    assert modules & (HEAVY | {"core", "storage", "sqlalchemy", "sqlmodel", "jinja2"}) == set()


def test_the_groups_help_and_a_simple_verb_import_nothing_heavy(tmp_path: Path) -> None:
    upgrade(Database(f"sqlite:///{tmp_path / 'cli.sqlite'}"))  # a new file would be migrated
    helps = [[name, "--help"] for name in sorted(set(VERBS) - BOT_VERBS)]
    modules = loaded(tmp_path, *helps, ["plans", "list"], ["customers", "search", "x"])
    assert "sqlalchemy" in modules and "core" in modules
    assert modules & HEAVY == set()


def test_the_bot_verbs_load_the_bot_and_only_they_do(tmp_path: Path) -> None:
    assert {"bot", "slack_bolt", "slack_sdk"} <= loaded(tmp_path, ["serve", "--help"])
