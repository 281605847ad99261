"""The `memberbot` command line: operators' and developers' entry point.

CLI commands act as the system actor: whoever runs them already holds the database. A verb parses
its arguments, names one core function — a flow or a single service — for `App.read` or
`App.write` to run in one unit of work, and prints what it returned. A CUSTOMER is named as in
Slack (core/customers/lookup.py): its number (12 or #12), or its company or contact name, whole or
in part, case and accents ignored; when several customers match, the verb lists them and exits 2.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from cli import files
from core.approvals import flows as approval_flows
from core.approvals import service as approvals
from core.billing import flows as billing_flows
from core.billing.service import ChargeStatus
from core.catalog import flows as catalog_flows
from core.catalog.services import ServiceInput, ServiceKind
from core.context import SYSTEM, Ctx, transaction
from core.credits import flows as credit_flows
from core.credits import reports as credit_reports
from core.credits.lots import Unit
from core.customers import flows as customer_flows
from core.customers import merge as customer_merge
from core.customers import service as customers
from core.customers.lookup import Lookup, SeveralCustomers
from core.daily import flows as daily_flows
from core.daily import jobs as daily
from core.demo import flows as demo_flows
from core.kernel import formats
from core.kernel.clock import Clock
from core.kernel.errors import BadFile, InvalidInput, MemberbotError
from core.memberships import flows as membership_flows
from core.memberships import service as memberships
from core.plans import catalog_file as plan_catalog
from core.plans import flows as plan_flows
from core.plans import service as plans
from core.revenue import flows as revenue_flows
from core.revenue import service as revenue
from core.visits import flows as visit_flows
from core.visits import service as visits
from core.workspace.flows import ensure_tenant
from core.workspace.test_clock import clock_for, has_test_clock
from storage.engine import database_limits_from_env, database_url_from_env
from storage.limits import described, unavailable
from storage.migrate import prepare, upgrade
from storage.uow import Database

if TYPE_CHECKING:
    from bot.settings import Settings

DEFAULT_TEAM = "TLOCAL"
P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")


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
            self._db = _database()
            prepare(self._db)
        return self._db

    def ready(self) -> Database:
        """The database, with the workspace set up (on first use) and its bootstrap admins."""
        admins = [a for a in os.environ.get("MEMBERBOT_ADMINS", "").split(",") if a.strip()]
        ensure_tenant(self.db, self.clock, self.team, admins=admins)
        return self.db

    @contextmanager
    def tx(self, *, write: bool = True) -> Iterator[Ctx]:
        with transaction(self.ready(), self.team, SYSTEM, self.clock, write=write) as ctx:
            yield ctx

    def read(self, fn: Callable[Concatenate[Ctx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(ctx, ...)` in a read-only unit of work."""
        with self.tx(write=False) as ctx:
            return fn(ctx, *args, **kwargs)

    def write(self, fn: Callable[Concatenate[Ctx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(ctx, ...)` in a unit of work that commits."""
        with self.tx() as ctx:
            return fn(ctx, *args, **kwargs)


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
        except SeveralCustomers as exc:  # the numbers to name one of them by
            listed = "".join(f"\n  #{c.id:<5} {c.label}" for c in exc.choices)
            raise UserError(f"Several customers match “{exc.query}”; give one's number:{listed}") from None
        except MemberbotError as exc:
            raise UserError(exc.message) from None
        except SQLAlchemyError as exc:
            if not unavailable(exc):
                raise
            # refused, cut, timed out or locked: one line; rerunning the command resumes
            raise click.ClickException(f"the database did not answer ({described(exc)})") from None


def _database() -> Database:
    """DATABASE_URL with the CLI's budget: a statement may take MEMBERBOT_DB_RUN_TIMEOUT."""
    try:
        limits = database_limits_from_env()
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return Database(database_url_from_env(), limits.for_runs())


# --- shared arguments and output --------------------------------------------------------------

_customer_argument = click.argument("customer", metavar="CUSTOMER")
_report_file_argument = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
_input_file_argument = click.argument("file", type=click.Path(path_type=Path))  # checked by cli/files.py
_REPORT_SUFFIXES = (".xlsx", ".csv")


def _who(customer: str) -> str:
    """What the lookup is given: a bare number is the customer's number, as `#12` is."""
    text = customer.strip()
    return f"#{text}" if text.isdigit() else text


def _input(file: Path, limit: int) -> str:
    """The text of an input file, or one line naming the file and exit code 1 (cli/files.py)."""
    read = files.read_text(file, limit)
    if read.note:
        click.echo(read.note, err=True)
    return read.text


@contextmanager
def _naming(file: Path) -> Iterator[None]:
    """Core's refusal of the file as a whole (BadFile) as one line naming the file: exit code 1."""
    try:
        yield
    except BadFile as exc:
        raise files.UnreadableFile(file, exc.problem[:1].lower() + exc.problem[1:], exc.line) from None


def _report_file(file: Path) -> None:
    """Refuses a report file name that is neither .xlsx nor .csv, before the database is opened."""
    if file.suffix.lower() not in _REPORT_SUFFIXES:
        raise UserError(f"{file.name}: use a .xlsx or .csv file name.")


def _write_report(file: Path, report: R, to_xlsx: Callable[[R], bytes], to_csv: Callable[[R], str]) -> None:
    if file.suffix.lower() == ".xlsx":
        file.write_bytes(to_xlsx(report))
    else:
        file.write_text(to_csv(report), encoding="utf-8")


def _report_sweep(swept: dict[str, list[daily.DayReport]]) -> None:
    """What the daily jobs did, a line per workspace and day."""
    for team, reports in swept.items():
        if not reports:
            click.echo(f"{team}: nothing due")
        for r in reports:
            click.echo(
                f"{team} {r.day}: expired {formats.count(r.expired, 'lot')}, granted {r.granted}, moved "
                f"{formats.count(r.moved, 'membership')}, {formats.count(r.visits, 'visit')} planned, "
                f"{formats.count(len(r.reminders), 'reminder')}"
            )


def _settings() -> Settings:
    """The bot's settings from the environment; a bad one stops the command with one line."""
    from bot.settings import SettingsError, load

    try:
        return load()
    except SettingsError as exc:
        raise UserError(str(exc)) from None


def _group(name: str, about: str) -> click.Group:
    """A group of commands under `memberbot`."""
    return cli.group(name, help=about)(lambda: None)


# --- the commands ---------------------------------------------------------------------------


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


db = _group("db", "Database schema.")


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL (SQLite file by default)."""
    upgrade(_database())
    click.echo("Database is up to date.")


plans_group = _group("plans", "Membership plans.")


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
@_input_file_argument
@pass_app
def plans_import(app: App, file: Path) -> None:
    """Create or update plans from a YAML catalogue; all or nothing. A file that is not readable
    YAML is one line naming its line, exit 1."""
    text = _input(file, plan_catalog.MAX_FILE_CHARS)
    with _naming(file):
        result = app.write(plan_catalog.import_plans, text)
    click.echo(
        f"Created {len(result.created)}, updated {len(result.updated)}, unchanged {len(result.unchanged)}."
    )


services_group = _group("services", "The services and products sold, and the equality templates.")


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


customers_group = _group("customers", "Customers.")


@customers_group.command("import")
@_input_file_argument
@pass_app
def customers_import(app: App, file: Path) -> None:
    """Import customers from a CSV file (UTF-8, or Windows-1252 as Excel writes it, with a note);
    bad rows are reported and skipped, duplicates are not created. A file that cannot be read is
    one line naming its line, exit 1, nothing written."""
    text = _input(file, customers.MAX_FILE_BYTES)
    with _naming(file):
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
@_customer_argument
@click.option("--company", help="The company name ('' clears it).")
@click.option("--contact", help="The contact person ('' clears it).")
@click.option("--email", help="The email address ('' clears it).")
@click.option("--phone", help="The phone number ('' clears it).")
@click.option("--location", help="The location, by name ('' clears it).")
@click.option("--notes", help="The notes ('' clears them).")
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
) -> None:
    """Correct CUSTOMER (12, #12, or words of the company or contact name): only the fields given
    change, checked as a new customer's are; prints what changed."""
    changes = customer_flows.CustomerChanges(company, contact, email, phone, location, notes)
    if changes == customer_flows.CustomerChanges():
        raise UserError(
            "Nothing to change: give one or more of --" + ", --".join(customer_flows.EDITABLE) + "."
        )
    edited = app.write(customer_flows.edit_customer, _who(customer), changes)
    for change in edited.changes:
        click.echo(f"{change.field}: {change.before or '(empty)'} -> {change.after or '(empty)'}")
    named = f"#{edited.customer.id} {edited.customer.label}"
    click.echo(f"Saved {named}." if edited.changes else f"Nothing changed for {named}.")


@customers_group.command("merge")
@_customer_argument
@click.option("--into", "survivor", required=True, metavar="CUSTOMER", help="The customer that stays.")
@click.option("--yes", is_flag=True, help="Merge; without it, only show what would move.")
@pass_app
def customers_merge(app: App, customer: str, survivor: str, yes: bool) -> None:
    """Merge the duplicate CUSTOMER into the one --into names: its memberships, credits, bookings,
    invoices and alerts move there; the survivor's details win unless empty. Without --yes, prints
    what would move and changes nothing."""
    preview = app.read(customer_merge.merge_preview, _who(customer), _who(survivor))
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


membership_group = _group("membership", "Memberships (contracts).")


@membership_group.command("list")
@_customer_argument
@pass_app
def membership_list(app: App, customer: str) -> None:
    """The contracts of CUSTOMER (12, #12, or words of the company or contact name), newest first."""
    for m in app.read(membership_flows.memberships_of, _who(customer)).memberships:
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


visits_group = _group("visits", "Visits: the dated services memberships include.")
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
        _who(customer) if customer else "",
        from_day=from_day.date() if from_day else None,
        until=until.date() if until else None,
        assignee=assignee,
    )
    for v in found.visits:
        late = " overdue" if v.overdue else ""
        who = f" ({v.assignee})" if v.assignee else ""
        click.echo(f"#{v.id:<6} {v.starts_at:%Y-%m-%d %H:%M} {v.customer}: {v.job} / {v.task}{late}{who}")
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


approvals_group = _group(
    "approvals", "What waits for a manager: sales (M-12) and changes held by an approval policy (A-3)."
)


@approvals_group.command("list")
@pass_app
def approvals_list(app: App) -> None:
    """Everything waiting for a decision, oldest first: what, for whom, who asked and when."""
    waiting = app.read(approval_flows.waiting_for)
    if not waiting:
        click.echo("Nothing is waiting for approval.")
    for p in waiting:
        what = f"New membership from {p.start:%Y-%m-%d}" if p.is_sale and p.start else p.summary
        about = ", ".join(x for x in (p.customer, p.plan) if x)
        click.echo(
            f"{p.reference:<7} {p.asked_at:%Y-%m-%d %H:%M}  {p.asked_by:<12} {what}"
            + (f" ({about})" if about else "")
        )


def _decide(app: App, reference: str, *, approve: bool, reason: str) -> None:
    """A sale (M-12) or a held change (A-3), decided as the system: the policy still refuses one
    the system asked for, and a request decided before is told, not decided twice."""
    kind, digits = reference.strip().upper()[:2], reference.strip()[2:]
    if kind not in ("M-", "A-") or not digits.isdigit():
        raise UserError(f"“{reference}” is neither a sale such as M-12 nor a held change such as A-3.")
    if kind == "M-":
        sale = app.write(membership_flows.decide, int(digits), approve=approve, reason=reason)
        m = sale.membership
        click.echo(f"{m.reference} was {'approved' if approve else 'rejected'}: it is {m.status.label}.")
        return
    done = app.write(approvals.decide, int(digits), approve=approve, reason=reason)
    click.echo(f"{done.reference} was {done.status}: {done.summary}")


@approvals_group.command("approve")
@click.argument("reference", metavar="ID")
@pass_app
def approvals_approve(app: App, reference: str) -> None:
    """Approve ID (M-12 or A-3): a held change is made now, in its requester's name."""
    _decide(app, reference, approve=True, reason="")


@approvals_group.command("reject")
@click.argument("reference", metavar="ID")
@click.option("--reason", required=True, help="Why it is rejected (the requester is told).")
@pass_app
def approvals_reject(app: App, reference: str, reason: str) -> None:
    """Reject ID (M-12 or A-3) with a reason."""
    _decide(app, reference, approve=False, reason=reason)


def _contract_id(text: str) -> int:
    digits = text.strip().upper().removeprefix("M-")
    if not digits.isdigit():
        raise UserError(f"“{text}” is not a membership such as M-12.")
    return int(digits)


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
def serve(host: str) -> None:
    """Run the Slack bot: in Socket Mode when SLACK_APP_TOKEN is set, otherwise over HTTP
    (Bolt's /slack/events). Either way $PORT answers /healthz, and with OAuth /slack/install.
    See docs/slack-setup.md."""
    from bot.server import serve as serve_bot
    from bot.settings import SettingsError

    try:  # a setting Slack itself refuses (a revoked app token) is found only when connecting
        serve_bot(_settings(), host=host)
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


credits_group = _group("credits", "Credits: balances, history, reports and the daily credit work.")


@credits_group.command("balance")
@_customer_argument
@pass_app
def credits_balance(app: App, customer: str) -> None:
    """Available credits of CUSTOMER (12, #12, or words of the company or contact name) by what
    they are good for, what expires soon, and the totals."""
    found = app.read(credit_flows.balance_for, _who(customer))
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
@_customer_argument
@_report_file_argument
@click.option("--membership", type=int, help="Only this membership's credits.")
@pass_app
def credits_report(app: App, customer: str, file: Path, membership: int | None) -> None:
    """Write the credit report of CUSTOMER (12, #12, or words of the company or contact name) to
    FILE (.xlsx or .csv)."""
    _report_file(file)
    done = app.read(credit_flows.statement, _who(customer), contract_id=membership)
    _write_report(file, done.report, credit_reports.to_xlsx, credit_reports.to_csv)
    click.echo(f"Wrote {file}.")


@credits_group.command("liability")
@_report_file_argument
@pass_app
def credits_liability(app: App, file: Path) -> None:
    """Write the outstanding credit liability by plan and expiry month to FILE (.xlsx or .csv)."""
    _report_file(file)
    _write_report(
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
@_customer_argument
@click.argument("quantity", type=click.IntRange(min=1))
@click.option("--service", default="", help="The service the credits pay for (its name).")
@_key_option
@_preview_option
@pass_app
def credits_redeem(app: App, customer: str, quantity: int, service: str, key: str, preview: bool) -> None:
    """Redeem QUANTITY credits of CUSTOMER, in redemption order; prints the lots used."""
    planned = app.read(credit_flows.preview_redemption, _who(customer), Decimal(quantity), service)
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
    planned = app.read(credit_flows.preview_transfer, _who(giver), _who(receiver), Decimal(quantity))
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


revenue_group = _group("revenue", "Revenue recognition (IRR, MRR, SCR) and the deferred revenue report.")


@revenue_group.command("report")
@click.option("--month", required=True, help="The month, as YYYY-MM.")
@_report_file_argument
@pass_app
def revenue_report(app: App, month: str, file: Path) -> None:
    """Write the deferred revenue report of MONTH, by plan and location, to FILE (.xlsx or .csv)."""
    first = revenue.parse_month(month)  # a bad month and a bad file name are refused before the
    _report_file(file)  # database is opened
    report = app.read(revenue.deferred_report, first)
    _write_report(file, report, revenue.to_xlsx, revenue.to_csv)
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


billing_group = _group("billing", "Charges of memberships, and payments recorded by hand.")


@billing_group.command("charges")
@click.argument("membership_id", type=int)
@pass_app
def billing_charges(app: App, membership_id: int) -> None:
    """List a membership's charges: due date, period, amount, status."""
    charges = app.read(billing_flows.membership_charges, membership_id)
    for _, c in charges.rows:
        state = "overdue" if c.overdue else c.status.value
        click.echo(
            f"{c.reference:<8} due {c.due_on}  {c.kind:<8} {c.period_start} to {c.period_end}"
            f"  {c.amount:>10} {charges.currency}  {state}"
        )
    if not charges.rows:
        click.echo(f"M-{membership_id} has no charges.")


def _recording(name: str, to: ChargeStatus, about: str, note: str, then: str) -> click.Command:
    """`billing pay` and `billing fail`: record CHARGE (C-12 or 12) paid or failed, and say so."""

    @billing_group.command(name, help=about)
    @click.argument("charge")
    @click.option("--note", default="", help=note)
    @pass_app
    def record(app: App, charge: str, note: str) -> None:
        try:
            charge_id = int(charge.upper().removeprefix("C-"))
        except ValueError:
            raise UserError(f"{charge!r} is not a charge; give its number, such as C-12 or 12.") from None
        c = app.write(billing_flows.record_payment, charge_id, to, note).charge
        click.echo(f"{c.reference} of {c.amount} is {c.status.value}{then}.")

    return record


billing_pay = _recording(
    "pay",
    ChargeStatus.PAID,
    "Record that CHARGE (C-12 or 12) was paid. Paying twice changes nothing.",
    "How it was paid (card, cash, transfer reference).",
    "",
)
billing_fail = _recording(
    "fail",
    ChargeStatus.FAILED,
    "Record that collecting CHARGE (C-12 or 12) failed; it is still owed.",
    "Why collecting it failed (card declined, ...).",
    "; it is still owed",
)


@cli.command()
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Run days up to this one only.")
@pass_app
def sweep(app: App, until: datetime | None) -> None:
    """Run the daily jobs once for every workspace: each business day due and not yet done, in
    order (cron-friendly; safe to run any number of times)."""
    _report_sweep(daily.sweep(app.db, app.clock, until.date() if until else None))


@cli.command()
def scheduler() -> None:
    """Run the scheduler alone (daily jobs and reminder delivery), for deployments that keep it
    apart from `memberbot serve` (which runs it too unless MEMBERBOT_SCHEDULER=off)."""
    from bot.server import run_scheduler

    run_scheduler(_settings())


clock_group = _group("clock", "The test clock of a sandbox or demo database.")


@clock_group.command("show")
@pass_app
def clock_show(app: App) -> None:
    """Where the test clock stands, or that this database uses the real clock."""
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
    moved = daily_flows.advance_clock(app.ready(), app.team, to.date())
    click.echo(f"The test clock moved from {moved.before:%Y-%m-%d %H:%M} to {moved.now:%Y-%m-%d %H:%M} UTC.")
    _report_sweep(moved.days)


@cli.command()
@pass_app
def demo(app: App) -> None:
    """A tour of the local workspace: its plans, customers' memberships and upcoming visits."""
    from cli.demo import demo_workspace

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


def main() -> None:
    cli()
