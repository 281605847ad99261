"""`memberbot services`: the services and products sold, and the equality templates."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from core.catalog import flows as catalog_flows
from core.catalog.services import ServiceInput, ServiceKind
from core.kernel import formats

services_group = click.Group("services", help="The services and products sold, and the equality templates.")


@services_group.command("list")
@pass_app
def services_list(app: App) -> None:
    """Every service and product with its price, category, duration and location prices; then the
    equality templates."""
    listed = app.read(catalog_flows.catalog_list)
    for s in listed.services:
        kind = " (product)" if s.kind is ServiceKind.PRODUCT else ""
        state = "" if s.active else " (disabled)"
        price = "priced at checkout" if s.price is None else formats.money(s.price, listed.currency)
        details = [price, *([s.category] if s.category else [])]
        details += [f"{s.duration_minutes} min"] if s.duration_minutes else []
        details += [f"{p} at {where}" for where, p in s.location_prices]
        click.echo(f"{s.name}{kind}{state}: {', '.join(details)}")
    for t in listed.templates:
        click.echo(f"template {t.name}: {', '.join(f'{name} {cost}' for _, name, cost in t.costs)}")


@services_group.command("add")
@click.argument("name")
@click.option("--price", default="", help="The list price; left out: priced at checkout.")
@click.option("--kind", type=click.Choice(["service", "product"]), default="service", show_default=True)
@click.option("--category", default="")
@click.option("--minutes", type=int, default=None, help="How long the service takes.")
@pass_app
def services_add(app: App, name: str, price: str, kind: str, category: str, minutes: int | None) -> None:
    """Add a service or product NAME to the catalogue."""
    saved = app.write(catalog_flows.new_service, ServiceInput(name, kind, category, price, minutes))
    s = saved.service
    priced = "" if s.price is None else f" at {formats.money(s.price, saved.currency)}"
    click.echo(f"Added {s.kind.value} {s.name}{priced}; `memberbot services list` lists the catalogue.")
