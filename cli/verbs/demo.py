"""`memberbot demo`: the demo workspace and its tour."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.demo import demo_workspace
from core.credits.lots import Unit
from core.demo import flows as demo_flows
from core.kernel import formats


@click.command()
@pass_app
def demo(app: App) -> None:
    """A tour of the local workspace: its plans, customers' memberships and upcoming visits."""
    demo_flows.own_clock(app.db)  # before the workspace is set up on it
    _show_tour(app.team, demo_flows.open_demo(app.ready(), app.team, demo_workspace))


def _show_tour(team: str, tour: demo_flows.Tour) -> None:
    click.echo(f"memberbot — workspace {team} ({tour.timezone}, {tour.currency})\n")
    click.echo("Plans:")
    for p in tour.plans:
        click.echo(
            f"  {p.name:<10} {p.terms.price} {p.terms.billing_type}, {len(p.services)} recurring services"
        )
    click.echo("\nVisits to do (overdue and the next 30 days):")
    for v in tour.visits:
        late = "  (overdue)" if v.overdue else ""
        when = v.starts_at.astimezone(tour.tz)
        click.echo(f"  {formats.moment(when)}  {v.customer:<22} {v.job} / {v.task}{late}")
    click.echo("\nCredits available now:")
    for c, b in tour.balances:
        expiring = ", ".join(f"{e.quantity} expire after {formats.day(e.on)}" for e in b.expiring)
        click.echo(f"  {c.name:<22} {b.total(Unit.CREDIT)} credits" + (f" ({expiring})" if expiring else ""))
    click.echo("\nTry: scripts/run plans list | customers search <text> | membership report <id>")
    click.echo("     scripts/run credits balance <customer> | credits report <customer> report.xlsx")
