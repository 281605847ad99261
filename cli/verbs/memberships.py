"""`memberbot membership`: memberships (contracts), their report, corrections and discounts."""

from __future__ import annotations

from datetime import datetime

import click

from cli.app import App, customer_argument, pass_app, who
from cli.errors import UserError
from core.memberships import flows as membership_flows
from core.memberships import service as memberships

membership_group = click.Group("membership", help="Memberships (contracts).")


@membership_group.command("list")
@customer_argument
@pass_app
def membership_list(app: App, customer: str) -> None:
    """The contracts of CUSTOMER (12, #12, or words of the company or contact name), newest first."""
    for m in app.read(membership_flows.memberships_of, who(customer)).memberships:
        end = m.end.isoformat() if m.end else "no end"
        click.echo(f"{m.reference:<7} {m.plan:<12} {m.status.label:<17} {m.start} to {end}")


@membership_group.command("report")
@click.argument("membership_id", type=int)
@pass_app
def membership_report(app: App, membership_id: int) -> None:
    """A membership's plan, term and visit progress per job and task."""
    r = app.read(memberships.report, membership_id)
    m = r.membership
    click.echo(
        f"{m.reference} {m.customer}: {m.plan} (v{m.plan_version}), {m.status.label}, {m.start} to {m.end}"
    )
    click.echo(f"{'job / task':<40} {'done':>5} {'next':>5} {'late':>5} {'skip':>5}")
    for p in r.progress:
        click.echo(
            f"{p.job + ' / ' + p.task:<40} {p.completed:>5} {p.upcoming:>5} {p.overdue:>5} {p.skipped:>5}"
        )


@membership_group.command("edit")
@click.argument("contract")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="The new start date.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="The new end date (the last day covered).")
@click.option("--summary", help="The new summary or details.")
@click.option("--seller", help="The new seller's Slack user id.")
@click.option("--reason", required=True, help="Why, for the contract log.")
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing.")
@pass_app
def membership_edit(
    app: App,
    contract: str,
    start: datetime | None,
    end: datetime | None,
    summary: str | None,
    seller: str | None,
    reason: str,
    dry_run: bool,
) -> None:
    """Correct CONTRACT (M-12 or 12): new dates move its visits, charges and credits; what is not
    given stays as it is. Shows what follows, then applies it (unless --dry-run)."""
    contract_id = _contract_id(contract)

    def changes(m: memberships.MembershipView) -> membership_flows.Edit:
        return membership_flows.Edit(
            start.date() if start else m.start,
            end.date() if end else m.end,
            m.summary if summary is None else summary,
            m.location_id,
            seller or m.seller,
            reason,
        )

    shown = app.read(membership_flows.preview_edit, contract_id, changes)
    for label, was, now in (
        ("upcoming visits", shown.before.visits, shown.after.visits),
        ("charges", shown.before.charges, shown.after.charges),
        (f"billed ({shown.currency})", shown.before.billed, shown.after.billed),
        ("credits available", shown.before.credits, shown.after.credits),
    ):
        click.echo(f"{label:<20} {was} -> {now}" if was != now else f"{label:<20} {now} (unchanged)")
    if dry_run:
        return
    done = app.write(membership_flows.edit, contract_id, changes)
    if isinstance(done, membership_flows.Edited):
        m = done.membership
        click.echo(f"{m.reference} now runs {m.start} to {m.end or 'no end'}: {m.status.label}.")
    else:
        click.echo(f"{done.request.reference} waits for a manager's approval: {done.request.summary}")


@membership_group.command("discounts")
@click.argument("contract")
@click.option("--set", "amounts", multiple=True, metavar="ID=AMOUNT", help="A new amount (repeat).")
@click.option("--reason", default="", help="Why, for the contract log (required with --set).")
@pass_app
def membership_discounts(app: App, contract: str, amounts: tuple[str, ...], reason: str) -> None:
    """CONTRACT's discounts (M-12 or 12), each with its id; --set ID=AMOUNT gives it its own amount
    (the plan's kind kept), logged with --reason."""
    contract_id = _contract_id(contract)
    if not amounts:
        shown = app.read(membership_flows.discount_form, contract_id)
        for label in shown.labels:
            click.echo(label)
        return
    values: dict[int, str] = {}
    for pair in amounts:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip().lstrip("#").isdigit():
            raise UserError(f"“{pair}” is not ID=AMOUNT, such as 3=15.")
        values[int(key.strip().lstrip("#"))] = value
    done = app.write(membership_flows.adjust_discounts, contract_id, values, reason)
    if isinstance(done, membership_flows.DiscountsAdjusted):
        click.echo(f"{done.membership.reference}'s discounts are now:")
        for label in done.labels:
            click.echo(f"  {label}")
    else:
        click.echo(f"{done.request.reference} waits for a manager's approval: {done.request.summary}")


def _contract_id(text: str) -> int:
    digits = text.strip().upper().removeprefix("M-")
    if not digits.isdigit():
        raise UserError(f"“{text}” is not a membership such as M-12.")
    return int(digits)
