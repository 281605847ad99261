"""`memberbot visits`: the dated services memberships include."""

from __future__ import annotations

from datetime import datetime

import click

from cli.app import App, pass_app, who
from core.visits import flows as visit_flows
from core.visits import service as visits

visits_group = click.Group("visits", help="Visits: the dated services memberships include.")
_visit_argument = click.argument("visit_id", metavar="VISIT", type=int)
_day = click.DateTime(["%Y-%m-%d"])


@visits_group.command("list")
@click.argument("customer", metavar="[CUSTOMER]", required=False, default="")
@click.option("--from", "from_day", type=_day, help="First day (without it, overdue visits are listed too).")
@click.option("--to", "until", type=_day, help="Last day (default: two weeks after the first).")
@click.option("--assignee", metavar="USER", help="Only the visits assigned to USER (a Slack user id).")
@pass_app
def visits_list(
    app: App, customer: str, from_day: datetime | None, until: datetime | None, assignee: str | None
) -> None:
    """The visits still to do, soonest first: everyone's, or CUSTOMER's (12, #12 or words of a name)."""
    found = app.read(
        visit_flows.visit_list,
        who(customer) if customer else "",
        from_day=from_day.date() if from_day else None,
        until=until.date() if until else None,
        assignee=assignee,
    )
    for v in found.visits:
        late = " overdue" if v.overdue else ""
        to = f" ({v.assignee})" if v.assignee else ""
        click.echo(f"#{v.id:<6} {v.starts_at:%Y-%m-%d %H:%M} {v.customer}: {v.job} / {v.task}{late}{to}")
    if not found.visits:
        click.echo(f"No visits to do up to {found.until}.")


@visits_group.command("complete")
@_visit_argument
@click.option("--note", default="", help="What was done.")
@pass_app
def visits_complete(app: App, visit_id: int, note: str) -> None:
    """Mark VISIT as carried out."""
    v = app.write(visits.complete, visit_id, note)
    click.echo(f"#{v.id} completed: {v.customer}, {v.job} / {v.task} on {v.due_on}.")


@visits_group.command("skip")
@_visit_argument
@click.option("--reason", required=True, help="Why it is not carried out.")
@pass_app
def visits_skip(app: App, visit_id: int, reason: str) -> None:
    """Mark VISIT as not to be carried out (the membership report counts it as skipped)."""
    v = app.write(visits.skip, visit_id, reason)
    click.echo(f"#{v.id} skipped: {v.customer}, {v.job} / {v.task} on {v.due_on}.")


@visits_group.command("reschedule")
@_visit_argument
@click.argument("day", metavar="YYYY-MM-DD", type=_day)
@pass_app
def visits_reschedule(app: App, visit_id: int, day: datetime) -> None:
    """Move VISIT to another day of the membership's term (at its usual time)."""
    v = app.write(visits.reschedule, visit_id, day.date())
    click.echo(f"#{v.id} moved to {v.starts_at:%Y-%m-%d %H:%M}: {v.customer}, {v.job} / {v.task}.")


@visits_group.command("assign")
@_visit_argument
@click.argument("user", metavar="USER")
@pass_app
def visits_assign(app: App, visit_id: int, user: str) -> None:
    """Give VISIT to USER (a Slack user id of someone who works visits; "none": to nobody)."""
    v = app.write(visits.assign, visit_id, None if user.lower() == "none" else user)
    click.echo(
        f"#{v.id} assigned to {v.assignee or 'nobody'}: {v.customer}, {v.job} / {v.task} on {v.due_on}."
    )
