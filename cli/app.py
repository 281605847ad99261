"""What the verbs of `memberbot` share (cli/verbs/): the App a verb runs core through, the
arguments several verbs take, and core's errors as one line each.

CLI commands act as the system actor: whoever runs them already holds the database. A verb parses
its arguments, names one core function — a flow or a single service — for `App.read` or
`App.write` to run in one unit of work, and prints what it returned. A CUSTOMER is named as in
Slack (core/customers/lookup.py): its number (12 or #12), or its company or contact name, whole or
in part, case and accents ignored; when several customers match, the verb lists them and exits 2.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from cli import files
from cli.errors import UserError
from core.context import SYSTEM, Ctx, transaction
from core.customers.lookup import SeveralCustomers
from core.kernel.clock import Clock
from core.kernel.errors import BadFile, InvalidInput, MemberbotError
from core.workspace.flows import ensure_tenant
from core.workspace.test_clock import clock_for
from storage.engine import database_limits_from_env, database_url_from_env
from storage.limits import described, unavailable
from storage.migrate import prepare
from storage.uow import Database

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
            self._db = database()
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


def pass_app(verb: Callable[Concatenate[App, P], T]) -> Callable[P, T]:
    """Runs `verb` with the App of the workspace `memberbot --team` named."""

    @functools.wraps(verb)
    def with_app(*args: P.args, **kwargs: P.kwargs) -> T:
        return verb(App(click.get_current_context().find_root().params["team"]), *args, **kwargs)

    return with_app


def one_line(exc: Exception) -> click.ClickException | None:
    """Core's error, or a database that did not answer, as one clear line (with the field) instead
    of a traceback; None for anything else."""
    if isinstance(exc, InvalidInput):
        return UserError("\n".join(f"{e.field}: {e.message}" for e in exc.errors))
    if isinstance(exc, SeveralCustomers):  # the numbers to name one of them by
        listed = "".join(f"\n  #{c.id:<5} {c.label}" for c in exc.choices)
        return UserError(f"Several customers match “{exc.query}”; give one's number:{listed}")
    if isinstance(exc, MemberbotError):
        return UserError(exc.message)
    if isinstance(exc, SQLAlchemyError) and unavailable(exc):
        # refused, cut, timed out or locked: one line; rerunning the command resumes
        return click.ClickException(f"the database did not answer ({described(exc)})")
    return None


def database() -> Database:
    """DATABASE_URL with the CLI's budget: a statement may take MEMBERBOT_DB_RUN_TIMEOUT."""
    try:
        limits = database_limits_from_env()
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return Database(database_url_from_env(), limits.for_runs())


# --- shared arguments and output --------------------------------------------------------------

customer_argument = click.argument("customer", metavar="CUSTOMER")
report_file_argument = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
input_file_argument = click.argument("file", type=click.Path(path_type=Path))  # checked by cli/files.py
_REPORT_SUFFIXES = (".xlsx", ".csv")


def who(customer: str) -> str:
    """What the lookup is given: a bare number is the customer's number, as `#12` is."""
    text = customer.strip()
    return f"#{text}" if text.isdigit() else text


def read_input(file: Path, limit: int) -> str:
    """The text of an input file, or one line naming the file and exit code 1 (cli/files.py)."""
    read = files.read_text(file, limit)
    if read.note:
        click.echo(read.note, err=True)
    return read.text


@contextmanager
def naming(file: Path) -> Iterator[None]:
    """Core's refusal of the file as a whole (BadFile) as one line naming the file: exit code 1."""
    try:
        yield
    except BadFile as exc:
        raise files.UnreadableFile(file, exc.problem[:1].lower() + exc.problem[1:], exc.line) from None


def check_report_file(file: Path) -> None:
    """Refuses a report file name that is neither .xlsx nor .csv, before the database is opened."""
    if file.suffix.lower() not in _REPORT_SUFFIXES:
        raise UserError(f"{file.name}: use a .xlsx or .csv file name.")


def write_report(file: Path, report: R, to_xlsx: Callable[[R], bytes], to_csv: Callable[[R], str]) -> None:
    if file.suffix.lower() == ".xlsx":
        file.write_bytes(to_xlsx(report))
    else:
        file.write_text(to_csv(report), encoding="utf-8")
