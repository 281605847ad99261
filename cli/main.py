"""The `memberbot` command line: operators' and developers' entry point.

Its verbs live in cli/verbs/, a module per group of commands, and a module is imported only when
one of its commands runs or shows its own help: `memberbot --help` imports click and nothing else,
and `memberbot plans list` does not import the Slack bot, Alembic or openpyxl. `VERBS` below is
therefore the list of commands, each with the line `memberbot --help` shows for it (the first
sentence of its help; tests/integration/cli/test_start_up.py holds the two to each other).
"""

from __future__ import annotations

import importlib

import click

DEFAULT_TEAM = "TLOCAL"

# command -> where it is defined ("module:attribute") and the first sentence of its help
VERBS: dict[str, tuple[str, str]] = {
    "approvals": (
        "cli.verbs.approvals:approvals_group",
        "What waits for a manager: sales (M-12) and changes held by an approval policy (A-3).",
    ),
    "billing": ("cli.verbs.billing:billing_group", "Charges of memberships, and payments recorded by hand."),
    "classes": ("cli.verbs.classes:classes_group", "Classes: a session's waitlist and its places."),
    "clock": ("cli.verbs.daily:clock_group", "The test clock of a sandbox or demo database."),
    "credits": (
        "cli.verbs.credits:credits_group",
        "Credits: balances, history, reports and the daily credit work.",
    ),
    "customers": ("cli.verbs.customers:customers_group", "Customers."),
    "db": ("cli.verbs.db:db_group", "Database schema."),
    "demo": (
        "cli.verbs.demo:demo",
        "A tour of the local workspace: its plans, customers' memberships and upcoming visits.",
    ),
    "membership": ("cli.verbs.memberships:membership_group", "Memberships (contracts)."),
    "plans": ("cli.verbs.plans:plans_group", "Membership plans."),
    "revenue": (
        "cli.verbs.revenue:revenue_group",
        "Revenue recognition (IRR, MRR, SCR) and the deferred revenue report.",
    ),
    "sandbox": (
        "cli.verbs.sandbox:sandbox",
        "Try memberbot without Slack: the real bot on a local database, talking to a stand-in for "
        "Slack, in a Slack-like page in the browser (docs/sandbox.md).",
    ),
    "scheduler": (
        "cli.verbs.serve:scheduler",
        "Run the scheduler alone (daily jobs and reminder delivery), for deployments that keep it "
        "apart from `memberbot serve` (which runs it too unless MEMBERBOT_SCHEDULER=off).",
    ),
    "serve": (
        "cli.verbs.serve:serve",
        "Run the Slack bot: in Socket Mode when SLACK_APP_TOKEN is set, otherwise over HTTP "
        "(Bolt's /slack/events).",
    ),
    "services": (
        "cli.verbs.services:services_group",
        "The services and products sold, and the equality templates.",
    ),
    "sweep": (
        "cli.verbs.daily:sweep",
        "Run the daily jobs once for every workspace: each business day due and not yet done, in "
        "order (cron-friendly; safe to run any number of times).",
    ),
    "visits": ("cli.verbs.visits:visits_group", "Visits: the dated services memberships include."),
}


def load(name: str) -> click.Command:
    """The command `name` (a key of VERBS), its module imported."""
    module, _, attribute = VERBS[name][0].partition(":")
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command), f"{VERBS[name][0]} is not a click command"
    return command


class Memberbot(click.Group):
    """The root group: imports a command's module when the command is run (or asked for its own
    help), lists the commands from VERBS without importing any, and shows core's errors as one
    clear line each (with the field) instead of a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load(cmd_name) if cmd_name in VERBS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed = click.Group(commands=[click.Command(name, help=line) for name, (_, line) in VERBS.items()])
        listed.format_commands(ctx, formatter)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            from cli.app import one_line  # the verb that raised it has imported what it names

            if (shown := one_line(exc)) is None:
                raise
            raise shown from None


@click.group(cls=Memberbot, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--team",
    envvar="MEMBERBOT_TEAM",
    default=DEFAULT_TEAM,
    show_default=True,
    help="Slack team id of the workspace to act on.",
)
def cli(team: str) -> None:  # cli/app.py's pass_app gives the verbs the App of `team`
    """memberbot: memberships, credits and recurring services for service businesses."""


def main() -> None:
    cli()
