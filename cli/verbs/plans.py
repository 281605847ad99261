"""`memberbot plans`: the membership plans and their YAML catalogue."""

from __future__ import annotations

from pathlib import Path

import click

from cli.app import App, input_file_argument, naming, pass_app, read_input
from cli.errors import UserError
from core.kernel import formats
from core.plans import catalog_file as plan_catalog
from core.plans import flows as plan_flows
from core.plans import service as plans

plans_group = click.Group("plans", help="Membership plans.")


@plans_group.command("list")
@pass_app
def plans_list(app: App) -> None:
    """The live plans with their terms and recurring services."""
    with app.tx(write=False) as ctx:
        listed, currency = plans.list_plans(ctx), ctx.tenant.currency
    for p in listed:
        t = p.terms
        state = "" if p.enabled else " (disabled)"
        term = f"for {formats.count(t.term_months, 'month')}" if t.term_months else "no end date"
        price = formats.money(t.price, currency)
        click.echo(f"{p.code:<12} {p.name}{state}: {price} {t.billing_type.label}, {term}")
        for s in p.services:
            click.echo(f"{'':12}   {s.job} / {s.task}: {s.schedule} at {formats.clock(s.at)}")


@plans_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@pass_app
def plans_export(app: App, file: Path | None) -> None:
    """Write the plan catalogue as YAML to FILE (or standard output)."""
    text = app.read(plan_catalog.export_plans)
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")


@plans_group.command("import")
@input_file_argument
@pass_app
def plans_import(app: App, file: Path) -> None:
    """Create or update plans from a YAML catalogue; all or nothing. A file that is not readable
    YAML is one line naming its line, exit 1."""
    text = read_input(file, plan_catalog.MAX_FILE_CHARS)
    with naming(file):
        result = app.write(plan_catalog.import_plans, text)
    click.echo(
        f"Created {len(result.created)}, updated {len(result.updated)}, unchanged {len(result.unchanged)}."
    )


@plans_group.command("archive")
@click.argument("plan", metavar="PLAN")
@pass_app
def plans_archive(app: App, plan: str) -> None:
    """Retire PLAN (its name or code) for good: never sold or edited again, its name free for a new
    plan; its memberships carry on. `disable` only pauses sales."""
    done = app.write(plan_flows.archive_plan, plan)
    if isinstance(done, plan_flows.Unmatched):
        if not done.names:
            raise UserError(f"No plan matches “{done.query}”.")
        raise UserError(
            f"Several plans match “{done.query}”: {', '.join(done.names)}. Give its code or full name."
        )
    click.echo(f"{done.name} ({done.code}) is archived.")
