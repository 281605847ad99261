"""`memberbot classes`: a session's waitlist and its places."""

from __future__ import annotations

from datetime import datetime

import click

from cli.app import App, pass_app
from cli.errors import UserError
from core.classes import flows as class_flows
from core.kernel import formats

classes_group = click.Group("classes", help="Classes: a session's waitlist and its places.")
_class_argument = click.argument("series", metavar="CLASS")
_day = click.DateTime(formats=["%Y-%m-%d"])


def _one_class(app: App, typed: str) -> int:
    """The class named (its words, as in Slack, or #12): one, or the matches listed and exit 2."""
    number = typed.strip().lstrip("#")
    if number.isascii() and number.isdigit():
        return int(number)
    found = app.read(class_flows.find_classes, typed)
    if len(found) == 1:
        return found[0].id
    listed = "".join(f"\n  #{s.id:<5} {s.name} ({s.location})" for s in found)
    raise UserError(
        f"Several classes match “{typed}”; give one's number:{listed}"
        if found
        else f"No class matches “{typed}”."
    )


def _echo_line(found: class_flows.Line | None) -> None:
    if found is None:
        raise UserError("The class has no such session.")
    s = found.session
    click.echo(
        f"{s.series} at {s.location}, {formats.moment(s.starts_at)}: "
        f"{s.taken} of {s.capacity} places taken, {len(found.waiting)} waiting "
        f"(the line moves until {found.cutoff_hours} hours before the start)"
    )
    for w in found.waiting:
        passed = f"  (passed over: {w.note})" if w.note else ""
        click.echo(f"  {w.position:>3}. #{w.customer_id:<5} {w.customer}{passed}")


@classes_group.command("waitlist")
@_class_argument
@click.option(
    "--on",
    "on",
    type=_day,
    default=None,
    help="The session's day (YYYY-MM-DD); left out: the next one anyone waits for.",
)
@pass_app
def classes_waitlist(app: App, series: str, on: datetime | None) -> None:
    """Who waits for a place in a session of CLASS, first in line first."""
    _echo_line(app.read(class_flows.waitlist_of, _one_class(app, series), on.date() if on else None))


@classes_group.command("capacity")
@_class_argument
@click.argument("places", type=int)
@click.option("--on", "on", type=_day, required=True, help="The session's day (YYYY-MM-DD).")
@pass_app
def classes_capacity(app: App, series: str, places: int, on: datetime) -> None:
    """Set the places of one session of CLASS; a raise books the first in line."""
    _echo_line(app.write(class_flows.set_capacity, _one_class(app, series), on.date(), places))
