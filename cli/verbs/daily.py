"""`memberbot sweep` and `memberbot clock`: the daily jobs, and the test clock of a sandbox or
demo database."""

from __future__ import annotations

from datetime import datetime

import click

from cli.app import App, pass_app
from core.daily import flows as daily_flows
from core.daily import jobs as daily
from core.kernel import formats
from core.workspace.test_clock import has_test_clock


def _report_sweep(swept: dict[str, list[daily.DayReport]]) -> None:
    """What the daily jobs did, a line per workspace and day."""
    for team, reports in swept.items():
        if not reports:
            click.echo(f"{team}: nothing due")
        for r in reports:
            click.echo(
                f"{team} {r.day}: expired {formats.count(r.expired, 'lot')}, granted {r.granted}, moved "
                f"{formats.count(r.moved, 'membership')}, {formats.count(r.visits, 'visit')} planned, "
                f"{formats.count(len(r.reminders), 'reminder')}"
            )


@click.command()
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Run days up to this one only.")
@pass_app
def sweep(app: App, until: datetime | None) -> None:
    """Run the daily jobs once for every workspace: each business day due and not yet done, in
    order (cron-friendly; safe to run any number of times)."""
    _report_sweep(daily.sweep(app.db, app.clock, until.date() if until else None))


clock_group = click.Group("clock", help="The test clock of a sandbox or demo database.")


@clock_group.command("show")
@pass_app
def clock_show(app: App) -> None:
    """Where the test clock stands, or that this database uses the real clock."""
    if not has_test_clock(app.db):
        click.echo("This database uses the real clock.")
        return
    click.echo(f"The test clock stands at {app.clock.now():%Y-%m-%d %H:%M} UTC.")


@clock_group.command("advance")
@click.option("--to", "to", type=click.DateTime(["%Y-%m-%d"]), required=True, help="The day to move to.")
@pass_app
def clock_advance(app: App, to: datetime) -> None:
    """Move the test clock to midday of DAY in the workspace's time zone, running the daily jobs
    of every day passed (their reminders go out through the outbox)."""
    moved = daily_flows.advance_clock(app.ready(), app.team, to.date())
    click.echo(f"The test clock moved from {moved.before:%Y-%m-%d %H:%M} to {moved.now:%Y-%m-%d %H:%M} UTC.")
    _report_sweep(moved.days)
