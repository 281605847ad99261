"""`memberbot credits`: balances, reports, redemptions, transfers and the daily credit work."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import click

from cli.app import (
    App,
    check_report_file,
    customer_argument,
    pass_app,
    report_file_argument,
    who,
    write_report,
)
from core.credits import flows as credit_flows
from core.credits import reports as credit_reports
from core.customers.lookup import Lookup
from core.daily import flows as daily_flows
from core.kernel import formats

credits_group = click.Group("credits", help="Credits: balances, history, reports and the daily credit work.")


@credits_group.command("balance")
@customer_argument
@pass_app
def credits_balance(app: App, customer: str) -> None:
    """Available credits of CUSTOMER (12, #12, or words of the company or contact name) by what
    they are good for, what expires soon, and the totals."""
    found = app.read(credit_flows.balance_for, who(customer))
    if isinstance(found, Lookup):  # none or several: Slack offers a choice, the CLI says so
        found.one()  # raises NoCustomer or SeveralCustomers
        return
    b = found.balance
    for (unit, scope), quantity in b.by_scope.items():
        click.echo(f"available  {quantity:>10} {unit.value:<7} {scope}")
    for soon in b.expiring:
        click.echo(f"expiring   {soon.quantity:>10} {soon.unit.value:<7} last day {soon.on}")
    for unit in sorted(b.granted, key=lambda u: u.value):
        click.echo(
            f"{unit.value}: granted {b.granted[unit]}, used {b.used.get(unit)}, expired {b.expired.get(unit)}"
        )


@credits_group.command("report")
@customer_argument
@report_file_argument
@click.option("--membership", type=int, help="Only this membership's credits.")
@pass_app
def credits_report(app: App, customer: str, file: Path, membership: int | None) -> None:
    """Write the credit report of CUSTOMER (12, #12, or words of the company or contact name) to
    FILE (.xlsx or .csv)."""
    check_report_file(file)
    done = app.read(credit_flows.statement, who(customer), contract_id=membership)
    write_report(file, done.report, credit_reports.to_xlsx, credit_reports.to_csv)
    click.echo(f"Wrote {file}.")


@credits_group.command("liability")
@report_file_argument
@pass_app
def credits_liability(app: App, file: Path) -> None:
    """Write the outstanding credit liability by plan and expiry month to FILE (.xlsx or .csv)."""
    check_report_file(file)
    write_report(
        file, app.read(credit_reports.liability_report), credit_reports.to_xlsx, credit_reports.to_csv
    )
    click.echo(f"Wrote {file}.")


@credits_group.command("run-due")
@pass_app
def credits_run_due(app: App) -> None:
    """Expire what is due and grant what has come due, now. Safe to run any number of times."""
    due = app.write(daily_flows.run_due)
    click.echo(f"Expired {formats.count(due.expired, 'lot')}; granted {formats.count(due.granted, 'lot')}.")


_key_option = click.option(
    "--key", default="", help="Idempotency key: the same key again changes nothing (default: a new one)."
)
_preview_option = click.option("--preview", is_flag=True, help="Only show what it would do; write nothing.")


@credits_group.command("redeem")
@customer_argument
@click.argument("quantity", type=click.IntRange(min=1))
@click.option("--service", default="", help="The service the credits pay for (its name).")
@_key_option
@_preview_option
@pass_app
def credits_redeem(app: App, customer: str, quantity: int, service: str, key: str, preview: bool) -> None:
    """Redeem QUANTITY credits of CUSTOMER, in redemption order; prints the lots used."""
    planned = app.read(credit_flows.preview_redemption, who(customer), Decimal(quantity), service)
    if preview:
        click.echo(
            f"Would redeem {formats.count(quantity, 'credit')} of {planned.customer.label}; "
            f"{formats.number(planned.left)} left after."
        )
        _echo_parts("from", planned.lots)
        return
    done = app.write(
        credit_flows.redeem,
        planned.customer.id,
        Decimal(quantity),
        key=key or f"cli-redeem-{uuid.uuid4().hex}",
        service_id=planned.service.id if planned.service else None,
        reference="CLI",
    )
    again = " (already done with this key)" if done.replayed else ""
    click.echo(
        f"Redeemed {formats.count(done.quantity, 'credit')} of {done.customer.label}; "
        f"{formats.number(done.left)} left.{again}"
    )
    _echo_parts("from", done.lots)


@credits_group.command("transfer")
@click.argument("giver", metavar="FROM")
@click.argument("receiver", metavar="TO")
@click.argument("quantity", type=click.IntRange(min=1))
@_key_option
@_preview_option
@pass_app
def credits_transfer(app: App, giver: str, receiver: str, quantity: int, key: str, preview: bool) -> None:
    """Move QUANTITY credits from customer FROM to customer TO: only credits whose plan allows
    transfers (as in Slack); asking for more is refused and nothing moves."""
    planned = app.read(credit_flows.preview_transfer, who(giver), who(receiver), Decimal(quantity))
    if preview:
        click.echo(
            f"Would transfer {formats.count(quantity, 'credit')} from {planned.giver.label} "
            f"({planned.transferable} transferable, {planned.kept} kept by their plan) "
            f"to {planned.receiver.label}."
        )
        _echo_parts("from", planned.lots)
        return
    done = app.write(
        credit_flows.transfer,
        planned.giver.id,
        planned.receiver.id,
        Decimal(quantity),
        key=key or f"cli-transfer-{uuid.uuid4().hex}",
    )
    again = " (already done with this key)" if done.replayed else ""
    click.echo(
        f"Transferred {formats.count(quantity, 'credit')} from {done.giver.label} to {done.receiver.label}; "
        f"{done.giver.label} has {done.giver_left} left, {done.receiver.label} now has "
        f"{done.receiver_has}.{again}"
    )
    _echo_parts("arrived,", done.arrived)


def _echo_parts(how: str, parts: credit_flows.Parts) -> None:
    for last_day, amount in parts:
        click.echo(f"  {amount.normalize():f} {how} expiring {last_day or 'never'}")
