"""The daily work as an operator asks for it: the credit jobs now, and a test clock moved on
(which runs every day passed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from core.context import SYSTEM, Ctx, transaction
from core.credits import grants as credit_grants
from core.credits import ledger
from core.daily.jobs import DayReport, sweep
from core.workspace import roles
from core.workspace.roles import Action
from core.workspace.test_clock import clock_for, move_test_clock
from storage.uow import Database

MIDDAY = time(12, 0)  # where a moved test clock stands in the workspace: after the daily run


@dataclass(frozen=True)
class Due:
    expired: int  # lots
    granted: int  # lots


@dataclass(frozen=True)
class Advanced:
    before: datetime
    now: datetime
    days: dict[str, list[DayReport]]  # by workspace, the days run


def run_due(ctx: Ctx) -> Due:
    """Expire what is due, then grant what has come due, now. Safe to run any number of times."""
    roles.require(ctx, Action.RUN_JOBS)
    return Due(ledger.expire_due(ctx), credit_grants.grant_due(ctx))


def advance_clock(db: Database, team: str, day: date) -> Advanced:
    """Move the test clock to midday of `day` in the workspace's time zone, then run the daily jobs
    of every workspace for each day passed (their reminders go out through the outbox)."""
    with transaction(db, team, SYSTEM, clock_for(db), write=False) as ctx:
        target = datetime.combine(day, MIDDAY, tzinfo=ctx.tz)
    before = move_test_clock(db, target)
    clock = clock_for(db)
    return Advanced(before, clock.now(), sweep(db, clock))
