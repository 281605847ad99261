"""`memberbot customers`: import, search, edit and merge customers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.app import App, customer_argument, input_file_argument, naming, pass_app, read_input, who
from cli.errors import UserError
from core.customers import flows as customer_flows
from core.customers import merge as customer_merge
from core.customers import service as customers
from core.kernel import formats

customers_group = click.Group("customers", help="Customers.")


@customers_group.command("import")
@input_file_argument
@pass_app
def customers_import(app: App, file: Path) -> None:
    """Import customers from a CSV file (UTF-8, or Windows-1252 as Excel writes it, with a note);
    bad rows are reported and skipped, duplicates are not created. A file that cannot be read is
    one line naming its line, exit 1, nothing written."""
    text = read_input(file, customers.MAX_FILE_BYTES)
    with naming(file):
        report = app.write(customers.import_csv, text)
    click.echo(f"Imported {formats.count(report.created, 'customer')}; {report.existing} already present.")
    for problem in report.errors:
        click.echo(f"line {problem.line}: {problem.reason}", err=True)
    if report.errors:
        sys.exit(1)


@customers_group.command("search")
@click.argument("text", nargs=-1)
@pass_app
def customers_search(app: App, text: tuple[str, ...]) -> None:
    """Customers whose company or contact contains every word of TEXT, best match first."""
    query = " ".join(text)
    found = app.read(customers.search_customers, query)
    if not found:
        click.echo(f"No customer matches “{query}”. Add one with /customers add in Slack, or import a file")
        click.echo("with `memberbot customers import`.")
    for c in found:
        click.echo(f"#{c.id:<5} {c.label}")


@customers_group.command("edit")
@customer_argument
@click.option("--company", help="The company name ('' clears it).")
@click.option("--contact", help="The contact person ('' clears it).")
@click.option("--email", help="The email address ('' clears it).")
@click.option("--phone", help="The phone number ('' clears it).")
@click.option("--location", help="The location, by name ('' clears it).")
@click.option("--notes", help="The notes ('' clears them).")
@click.option(
    "--unsubscribed/--subscribed",
    default=None,
    help="Send this member no e-mail, or e-mail them again (docs/email.md).",
)
@pass_app
def customers_edit(
    app: App,
    customer: str,
    company: str | None,
    contact: str | None,
    email: str | None,
    phone: str | None,
    location: str | None,
    notes: str | None,
    unsubscribed: bool | None,
) -> None:
    """Correct CUSTOMER (12, #12, or words of the company or contact name): only the fields given
    change, checked as a new customer's are; prints what changed."""
    changes = customer_flows.CustomerChanges(company, contact, email, phone, location, notes, unsubscribed)
    if changes == customer_flows.CustomerChanges():
        raise UserError(
            "Nothing to change: give one or more of --"
            + ", --".join(customer_flows.EDITABLE)
            + ", --unsubscribed, --subscribed."
        )
    edited = app.write(customer_flows.edit_customer, who(customer), changes)
    for change in edited.changes:
        click.echo(f"{change.field}: {change.before or '(empty)'} -> {change.after or '(empty)'}")
    named = f"#{edited.customer.id} {edited.customer.label}"
    click.echo(f"Saved {named}." if edited.changes else f"Nothing changed for {named}.")


@customers_group.command("merge")
@customer_argument
@click.option("--into", "survivor", required=True, metavar="CUSTOMER", help="The customer that stays.")
@click.option("--yes", is_flag=True, help="Merge; without it, only show what would move.")
@pass_app
def customers_merge(app: App, customer: str, survivor: str, yes: bool) -> None:
    """Merge the duplicate CUSTOMER into the one --into names: its memberships, credits, bookings,
    invoices and alerts move there; the survivor's details win unless empty. Without --yes, prints
    what would move and changes nothing."""
    preview = app.read(customer_merge.merge_preview, who(customer), who(survivor))
    merged, kept = preview.merged, preview.survivor
    click.echo(f"Merge #{merged.id} {merged.label} into #{kept.id} {kept.label}:")
    click.echo(f"  moves: {_moves(preview.moves)}")
    for d in preview.differences:
        click.echo(f"  {d.field}: keeps {d.kept!r}, not {d.dropped!r}")
    for name in preview.filled:
        click.echo(f"  {name}: takes {getattr(merged, name)!r}")
    if preview.blockers:
        raise UserError("\n".join(preview.blockers))
    if not yes:
        click.echo("Nothing merged; run again with --yes to merge.")
        return
    done = app.write(customer_merge.merge_customers, merged.id, kept.id)
    said = "was already merged into" if done.replayed else "merged into"
    click.echo(f"#{done.merged.id} {done.merged.label} {said} #{done.survivor.id} {done.survivor.label}.")


def _moves(moves: customer_merge.Moves) -> str:
    counts = (
        (moves.memberships, "membership"),
        (moves.charges, "charge"),
        (moves.visits, "visit"),
        (moves.lots, "credit lot"),
        (moves.entries, "ledger entry"),
        (moves.bookings, "class booking"),
        (moves.invoices, "invoice"),
        (moves.alerts, "balance alert"),
    )
    listed = ", ".join(formats.count(n, what) for n, what in counts if n)
    left = formats.count(moves.credits, "credit")
    return f"{listed}; {left} left in the lots" if listed else "nothing"
