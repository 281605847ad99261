"""`memberbot classes …` through the real entry point: a session's waitlist, and raising its
places booking the first in line (the class set up in core on the CLI's own database file)."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from sqlmodel import col, select

from core.catalog import locations
from core.classes import service as classes
from core.context import SYSTEM, transaction
from core.kernel.recurrence import Weekly
from core.workspace.test_clock import clock_for
from storage.tables.memberships import Contract
from storage.uow import Database
from tests.integration.cli.conftest import Run


def test_a_sessions_waitlist_and_a_raised_capacity(run: Run, tmp_path: Path) -> None:
    assert run("demo").exit_code == 0
    db = Database(f"sqlite:///{tmp_path / 'cli.sqlite'}")
    clock = clock_for(db)
    with transaction(db, "TCLI", SYSTEM, clock) as ctx:
        where = locations.locations(ctx)[0].id or 0
        today = ctx.today()
        terms = classes.SeriesTerms(
            "Stretch",
            where,
            Weekly(1, tuple(range(7))),
            today,
            time(23, 59),
            capacity=1,
            cancel_cutoff_hours=0,
        )
        series = classes.create_series(ctx, terms)
        session = classes.upcoming_sessions(ctx, series.id)[1]  # tomorrow's
        active = (
            select(Contract.customer_id).where(col(Contract.status) == "active").order_by(col(Contract.id))
        )
        holders = list(dict.fromkeys(ctx.uow.session.exec(active)))[:2]
        classes.book(ctx, session.id, holders[0])
        classes.join_waitlist(ctx, session.id, holders[1])
    day = (today + timedelta(days=1)).isoformat()

    shown = run("classes", "waitlist", "stret")
    assert shown.exit_code == 0, shown.output
    heading, first = shown.output.splitlines()
    assert heading.startswith("Stretch at ") and heading.endswith(
        ": 1 of 1 places taken, 1 waiting (the line moves until 0 hours before the start)"
    )
    assert first.startswith(f"    1. #{holders[1]:<5} ")

    raised = run("classes", "capacity", "Stretch", "2", "--on", day)
    assert raised.exit_code == 0, raised.output
    assert raised.output.splitlines()[0].endswith(
        ": 2 of 2 places taken, 0 waiting (the line moves until 0 hours before the start)"
    )
    zero = run("classes", "capacity", "stretch", "0", "--on", day)
    assert zero.exit_code == 2 and "capacity: The capacity must be 1 to 500 people." in zero.output
    none = run("classes", "capacity", "stretch", "3", "--on", "2000-01-01")
    assert none.exit_code == 2 and "The class has no such session." in none.output
    unknown = run("classes", "waitlist", "pilates")
    assert unknown.exit_code == 2 and "No class matches “pilates”." in unknown.output
