"""`memberbot revenue`: revenue recognition and the deferred revenue report."""

from __future__ import annotations

from pathlib import Path

import click

from cli.app import App, check_report_file, pass_app, report_file_argument, write_report
from core.kernel import formats
from core.revenue import flows as revenue_flows
from core.revenue import service as revenue

revenue_group = click.Group(
    "revenue", help="Revenue recognition (IRR, MRR, SCR) and the deferred revenue report."
)


@revenue_group.command("report")
@click.option("--month", required=True, help="The month, as YYYY-MM.")
@report_file_argument
@pass_app
def revenue_report(app: App, month: str, file: Path) -> None:
    """Write the deferred revenue report of MONTH, by plan and location, to FILE (.xlsx or .csv)."""
    first = revenue.parse_month(month)  # a bad month and a bad file name are refused before the
    check_report_file(file)  # database is opened
    report = app.read(revenue.deferred_report, first)
    write_report(file, report, revenue.to_xlsx, revenue.to_csv)
    total, currency = report.total, report.currency
    click.echo(
        f"Wrote {file}: {formats.month(first)} recognised {formats.money(total.recognised, currency)}, "
        f"deferred {formats.money(total.deferred, currency)}."
    )


@revenue_group.command("membership")
@click.argument("membership", metavar="MEMBERSHIP")
@click.option("--month", default="", help="Up to the end of this month, as YYYY-MM (default: this month).")
@pass_app
def revenue_membership(app: App, membership: str, month: str) -> None:
    """What MEMBERSHIP (M-12 or 12) was sold for and what each part earned, month by month."""
    s = app.read(revenue_flows.membership_statement, membership, month)
    where = f" at {s.location}" if s.location else ""
    click.echo(
        f"{s.reference} {s.customer}: {s.plan}{where}, sold {s.sold_on}; to the end of {s.month:%Y-%m}"
    )
    click.echo(f"{'month':<8} {'IRR':>10} {'MRR':>10} {'SCR':>10}")
    for m, a in s.months:
        click.echo(f"{m:%Y-%m}  {a.irr:>10} {a.mrr:>10} {a.scr:>10}")
    click.echo(
        f"sold {formats.money(s.sold_to_date, s.currency)}, "
        f"recognised {formats.money(s.recognised_to_date, s.currency)}, "
        f"deferred {formats.money(s.deferred, s.currency)}"
    )
