"""The `memberbot` command line: operators' and developers' entry point.

CLI commands act as the system actor: whoever runs them already holds the database.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path

import click

from core.context import SYSTEM, Ctx, transaction
from core.credits import grants as credit_grants
from core.credits import ledger
from core.credits import reports as credit_reports
from core.credits.lots import Unit
from core.customers import service as customers
from core.daily import jobs as daily
from core.kernel.clock import Clock, SystemClock
from core.kernel.errors import InvalidInput, MemberbotError
from core.memberships import service as memberships
from core.plans import catalog_file as plan_catalog
from core.plans import service as plans
from core.visits import service as visits
from core.workspace.flows import ensure_tenant
from core.workspace.tenants import tenant_ids
from core.workspace.test_clock import clock_for, has_test_clock, move_test_clock, start_test_clock
from storage.engine import database_url_from_env
from storage.migrate import prepare, upgrade
from storage.uow import Database

DEFAULT_TEAM = "TLOCAL"


class App:
    def __init__(self, team: str) -> None:
        self.team = team
        self._db: Database | None = None

    @property
    def clock(self) -> Clock:
        """The database's test clock (sandbox, demo), or the real one."""
        return clock_for(self.db)

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(database_url_from_env())
            prepare(self._db)
        return self._db

    @contextmanager
    def tx(self, *, write: bool = True) -> Iterator[Ctx]:
        admins = [a for a in os.environ.get("MEMBERBOT_ADMINS", "").split(",") if a.strip()]
        ensure_tenant(self.db, self.clock, self.team, admins=admins)
        with transaction(self.db, self.team, SYSTEM, self.clock, write=write) as ctx:
            yield ctx


pass_app = click.make_pass_decorator(App)


class UserError(click.ClickException):
    exit_code = 2


class MemberbotGroup(click.Group):
    """Shows core's errors as one clear line each (with the field) instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except InvalidInput as exc:
            raise UserError("\n".join(f"{e.field}: {e.message}" for e in exc.errors)) from None
        except MemberbotError as exc:
            raise UserError(exc.message) from None


@click.group(cls=MemberbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--team",
    envvar="MEMBERBOT_TEAM",
    default=DEFAULT_TEAM,
    show_default=True,
    help="Slack team id of the workspace to act on.",
)
@click.pass_context
def cli(ctx: click.Context, team: str) -> None:
    """memberbot: memberships, credits and recurring services for service businesses."""
    ctx.obj = App(team)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL (SQLite file by default)."""
    upgrade(Database(database_url_from_env()))
    click.echo("Database is up to date.")


@cli.group("plans")
def plans_group() -> None:
    """Membership plans."""


@plans_group.command("list")
@pass_app
def plans_list(app: App) -> None:
    with app.tx(write=False) as ctx:
        for p in plans.list_plans(ctx):
            t = p.terms
            state = "" if p.enabled else " (disabled)"
            term = f"{t.term_months} months" if t.term_months else "no expiry"
            click.echo(
                f"{p.code:<12} {p.name}{state}: {t.price} {ctx.tenant.currency} {t.billing_type}, {term}"
            )
            for s in p.services:
                click.echo(f"{'':12}   {s.job} / {s.task}: {s.schedule} at {s.at:%H:%M}")


@plans_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@pass_app
def plans_export(app: App, file: Path | None) -> None:
    """Write the plan catalogue as YAML to FILE (or standard output)."""
    with app.tx(write=False) as ctx:
        text = plan_catalog.export_plans(ctx)
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")


@plans_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def plans_import(app: App, file: Path) -> None:
    """Create or update plans from a YAML catalogue; all or nothing."""
    with app.tx() as ctx:
        result = plan_catalog.import_plans(ctx, file.read_text(encoding="utf-8"))
    click.echo(
        f"Created {len(result.created)}, updated {len(result.updated)}, unchanged {len(result.unchanged)}."
    )


@cli.group("customers")
def customers_group() -> None:
    """Customers."""


@customers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def customers_import(app: App, file: Path) -> None:
    """Import customers from a CSV file; bad rows are reported and skipped, duplicates are not created."""

    with app.tx() as ctx:
        report = customers.import_csv(ctx, file.read_text(encoding="utf-8-sig"))
    click.echo(f"Imported {report.created} customer(s); {report.existing} already present.")
    for problem in report.errors:
        click.echo(f"line {problem.line}: {problem.reason}", err=True)
    if report.errors:
        sys.exit(1)


@customers_group.command("search")
@click.argument("text", nargs=-1)
@pass_app
def customers_search(app: App, text: tuple[str, ...]) -> None:

    with app.tx(write=False) as ctx:
        for c in customers.search_customers(ctx, " ".join(text)):
            click.echo(f"#{c.id:<5} {c.label}")


@cli.group("membership")
def membership_group() -> None:
    """Memberships (contracts)."""


@membership_group.command("list")
@click.argument("customer_id", type=int)
@pass_app
def membership_list(app: App, customer_id: int) -> None:
    with app.tx(write=False) as ctx:
        for m in memberships.memberships_of(ctx, customer_id):
            end = m.end.isoformat() if m.end else "no end"
            click.echo(f"{m.reference:<7} {m.plan:<12} {m.status.label:<17} {m.start} to {end}")


@membership_group.command("report")
@click.argument("membership_id", type=int)
@pass_app
def membership_report(app: App, membership_id: int) -> None:
    with app.tx(write=False) as ctx:
        r = memberships.report(ctx, membership_id)
    m = r.membership
    click.echo(
        f"{m.reference} {m.customer}: {m.plan} (v{m.plan_version}), {m.status.label}, {m.start} to {m.end}"
    )
    click.echo(f"{'job / task':<40} {'done':>5} {'next':>5} {'late':>5} {'skip':>5}")
    for p in r.progress:
        click.echo(
            f"{p.job + ' / ' + p.task:<40} {p.completed:>5} {p.upcoming:>5} {p.overdue:>5} {p.skipped:>5}"
        )


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
def serve(host: str) -> None:
    """Run the Slack bot: in Socket Mode when SLACK_APP_TOKEN is set, otherwise over HTTP
    (Bolt's /slack/events). Either way $PORT answers /healthz, and with OAuth /slack/install.
    See docs/slack-setup.md."""
    from bot.server import serve as serve_bot
    from bot.settings import SettingsError, load

    try:
        serve_bot(load(), host=host)
    except SettingsError as exc:
        raise UserError(str(exc)) from None


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="The page's port on localhost.",
)
@click.option("--empty", is_flag=True, help="Start without the demo data.")
@click.option(
    "--db",
    "db_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the sandbox in this SQLite file between runs (default: a fresh temporary file).",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in the default browser.")
def sandbox(port: int, empty: bool, db_file: Path | None, no_browser: bool) -> None:
    """Try memberbot without Slack: the real bot on a local database, talking to a stand-in for
    Slack, in a Slack-like page in the browser (docs/sandbox.md)."""
    from bot.sandbox.run import Options
    from bot.sandbox.run import run as run_sandbox
    from cli.demo import seed_sandbox

    run_sandbox(Options(port, db_file, None if empty else seed_sandbox, open_browser=not no_browser))


@cli.group("credits")
def credits_group() -> None:
    """Credits: balances, history, reports and the daily credit work."""


@credits_group.command("balance")
@click.argument("customer_id", type=int)
@pass_app
def credits_balance(app: App, customer_id: int) -> None:
    with app.tx(write=False) as ctx:
        b = ledger.balance(ctx, customer_id)
    for (unit, scope), quantity in b.by_scope.items():
        click.echo(f"available  {quantity:>10} {unit.value:<7} {scope}")
    for soon in b.expiring:
        click.echo(f"expiring   {soon.quantity:>10} {soon.unit.value:<7} last day {soon.on}")
    for unit in sorted(b.granted, key=lambda u: u.value):
        click.echo(
            f"{unit.value}: granted {b.granted[unit]}, used {b.used.get(unit)}, expired {b.expired.get(unit)}"
        )


@credits_group.command("report")
@click.argument("customer_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--membership", type=int, help="Only this membership's credits.")
@pass_app
def credits_report(app: App, customer_id: int, file: Path, membership: int | None) -> None:
    """Write a customer's credit report to FILE (.xlsx or .csv)."""
    with app.tx(write=False) as ctx:
        _write_report(file, credit_reports.customer_report(ctx, customer_id, contract_id=membership))


@credits_group.command("liability")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def credits_liability(app: App, file: Path) -> None:
    """Write the outstanding credit liability by plan and expiry month to FILE (.xlsx or .csv)."""
    with app.tx(write=False) as ctx:
        _write_report(file, credit_reports.liability_report(ctx))


@credits_group.command("run-due")
@pass_app
def credits_run_due(app: App) -> None:
    """Expire what is due and grant what has come due, now. Safe to run any number of times."""
    with app.tx() as ctx:
        expired = ledger.expire_due(ctx)
        granted = credit_grants.grant_due(ctx)
    click.echo(f"Expired {expired} lot(s); granted {granted} lot(s).")


def _write_report(file: Path, report: credit_reports.CreditReport | credit_reports.LiabilityReport) -> None:
    if file.suffix.lower() == ".xlsx":
        file.write_bytes(credit_reports.to_xlsx(report))
    elif file.suffix.lower() == ".csv":
        file.write_text(credit_reports.to_csv(report), encoding="utf-8")
    else:
        raise UserError(f"{file.name}: use a .xlsx or .csv file name.")
    click.echo(f"Wrote {file}.")


@cli.group("revenue")
def revenue_group() -> None:
    """Revenue recognition (IRR, MRR, SCR) and the deferred revenue report."""


@revenue_group.command("report")
@click.option("--month", required=True, help="The month, as YYYY-MM.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def revenue_report(app: App, month: str, file: Path) -> None:
    """Write the deferred revenue report of MONTH, by plan and location, to FILE (.xlsx or .csv)."""
    from core.revenue import service as revenue

    first = revenue.parse_month(month)  # a bad month is refused before the database is opened
    if file.suffix.lower() not in (".xlsx", ".csv"):
        raise UserError(f"{file.name}: use a .xlsx or .csv file name.")
    with app.tx(write=False) as ctx:
        report = revenue.deferred_report(ctx, first)
    if file.suffix.lower() == ".xlsx":
        file.write_bytes(revenue.to_xlsx(report))
    else:
        file.write_text(revenue.to_csv(report), encoding="utf-8")
    total = report.total
    click.echo(
        f"Wrote {file}: {first:%Y-%m} recognised {total.recognised} {report.currency}, "
        f"deferred {total.deferred}."
    )


@cli.group("billing")
def billing_group() -> None:
    """Charges of memberships, and payments recorded by hand."""


@billing_group.command("charges")
@click.argument("membership_id", type=int)
@pass_app
def billing_charges(app: App, membership_id: int) -> None:
    """List a membership's charges: due date, period, amount, status."""
    from core.billing import service as billing

    with app.tx(write=False) as ctx:
        charges = billing.charges_of(ctx, membership_id)
        currency = ctx.tenant.currency
    for c in charges:
        state = "overdue" if c.overdue else c.status.value
        click.echo(
            f"{c.reference:<8} due {c.due_on}  {c.kind:<8} {c.period_start} to {c.period_end}"
            f"  {c.amount:>10} {currency}  {state}"
        )
    if not charges:
        click.echo(f"M-{membership_id} has no charges.")


def _charge_id(text: str) -> int:
    try:
        return int(text.upper().removeprefix("C-"))
    except ValueError:
        raise UserError(f"{text!r} is not a charge; give its number, such as C-12 or 12.") from None


@billing_group.command("pay")
@click.argument("charge")
@click.option("--note", default="", help="How it was paid (card, cash, transfer reference).")
@pass_app
def billing_pay(app: App, charge: str, note: str) -> None:
    """Record that CHARGE (C-12 or 12) was paid. Paying twice changes nothing."""
    from core.billing import service as billing

    with app.tx() as ctx:
        c = billing.pay(ctx, _charge_id(charge), note=note)
    click.echo(f"{c.reference} of {c.amount} is {c.status.value}.")


@billing_group.command("fail")
@click.argument("charge")
@click.option("--note", default="", help="Why collecting it failed (card declined, ...).")
@pass_app
def billing_fail(app: App, charge: str, note: str) -> None:
    """Record that collecting CHARGE (C-12 or 12) failed; it is still owed."""
    from core.billing import service as billing

    with app.tx() as ctx:
        c = billing.fail(ctx, _charge_id(charge), note=note)
    click.echo(f"{c.reference} of {c.amount} is {c.status.value}; it is still owed.")


@cli.command()
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Run days up to this one only.")
@pass_app
def sweep(app: App, until: datetime | None) -> None:
    """Run the daily jobs once for every workspace: each business day due and not yet done, in
    order (cron-friendly; safe to run any number of times)."""
    for team, reports in daily.sweep(app.db, app.clock, until.date() if until else None).items():
        _report_days(team, reports)


def _report_days(team: str, reports: list[daily.DayReport]) -> None:
    if not reports:
        click.echo(f"{team}: nothing due")
    for r in reports:
        click.echo(
            f"{team} {r.day}: expired {r.expired} lot(s), granted {r.granted}, "
            f"moved {r.moved} membership(s), {r.visits} visit(s) planned, {len(r.reminders)} reminder(s)"
        )


@cli.command()
def scheduler() -> None:
    """Run the scheduler alone (daily jobs and reminder delivery), for deployments that keep it
    apart from `memberbot serve` (which runs it too unless MEMBERBOT_SCHEDULER=off)."""
    from bot.server import run_scheduler
    from bot.settings import SettingsError, load

    try:
        settings = load()
    except SettingsError as exc:
        raise UserError(str(exc)) from None
    run_scheduler(settings)


@cli.group("clock")
def clock_group() -> None:
    """The test clock of a sandbox or demo database."""


@clock_group.command("show")
@pass_app
def clock_show(app: App) -> None:
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
    with app.tx(write=False) as ctx:
        target = datetime.combine(to.date(), time(12, 0), tzinfo=ctx.tz)
    before = move_test_clock(app.db, target)
    click.echo(f"The test clock moved from {before:%Y-%m-%d %H:%M} to {app.clock.now():%Y-%m-%d %H:%M} UTC.")
    for team, reports in daily.sweep(app.db, app.clock).items():
        _report_days(team, reports)


@cli.command()
@pass_app
def demo(app: App) -> None:
    """A tour of the local workspace: its plans, customers' memberships and upcoming visits."""
    from cli.demo import seed

    if not tenant_ids(app.db) and not has_test_clock(app.db):
        start_test_clock(app.db, SystemClock().now())  # a demo database runs on its own clock
    with app.tx() as ctx:
        seed(ctx)
    daily.catch_up(app.db, app.team, app.clock)  # today's jobs: the test clock moves on from here
    with app.tx(write=False) as ctx:
        click.echo(f"memberbot — workspace {app.team} ({ctx.tenant.timezone}, {ctx.tenant.currency})\n")
        click.echo("Plans:")
        for p in plans.list_plans(ctx):
            click.echo(
                f"  {p.name:<10} {p.terms.price} {p.terms.billing_type}, {len(p.services)} recurring services"
            )
        click.echo("\nVisits to do (overdue and the next 30 days):")
        soon = visits.upcoming(ctx, until=date.fromordinal(ctx.today().toordinal() + 30))
        for v in soon[:15]:
            when = v.starts_at.astimezone(ctx.tz)
            late = "  (overdue)" if v.overdue else ""
            click.echo(f"  {when:%a %d %b %H:%M}  {v.customer:<22} {v.job} / {v.task}{late}")
        click.echo("\nCredits available now:")
        for c in customers.search_customers(ctx, "", limit=20):
            b = ledger.balance(ctx, c.id)
            if b.by_scope:
                expiring = ", ".join(f"{e.quantity} expire after {e.on:%d %b}" for e in b.expiring)
                click.echo(
                    f"  {c.name:<22} {b.total(Unit.CREDIT)} credits" + (f" ({expiring})" if expiring else "")
                )
        click.echo("\nTry: scripts/run plans list | customers search <text> | membership report <id>")
        click.echo(
            "     scripts/run credits balance <customer id> | credits report <customer id> report.xlsx"
        )


def main() -> None:
    cli()
