"""The daily jobs, per workspace and business day, at the workspace's local run time: expire what
is due, grant periodic and anniversary credits, alert the membership specialist of balances
crossing the threshold, move memberships on by the calendar, extend the rolling horizon of visits,
and queue reminders.

Exactly once: every effect is keyed by what it acts on (a ledger operation per grant or expiry, a
status that only moves forward, an outbox row per reminder) under a unique constraint, so a day
run twice, a run killed half-way and rerun, or two schedulers at the same moment produce each
effect once. A day counts as done when its `daily_run` row is written.

Catch-up: after downtime, every missed day runs in order, each with the clock at that day's run
time, so grants and expiries happen as they would have. Reminders of the days that are already
past are not sent one by one: each recipient gets one summary. The days caught up are marked
done, with the summary and the last day's reminders, in one transaction at the end: a crash
before it reruns them (their effects already done change nothing) and loses no summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from core.billing import service as billing
from core.classes import service as classes
from core.context import SYSTEM, Ctx, transaction
from core.credits import alerts as balance_alerts
from core.credits import grants as credit_grants
from core.credits import ledger, reminders
from core.kernel import paging
from core.kernel.clock import Clock, FixedClock
from core.kernel.errors import InvalidInput
from core.kernel.recurrence import at_local_time
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.visits import service as visits
from core.workspace.tenants import tenant_ids
from storage.tables.workspace import DailyRun
from storage.uow import Database
from storage.upserts import insert_ignoring_duplicates

PAGE = 500  # memberships or lots per transaction


@dataclass
class DayReport:
    day: date
    expired: int = 0
    granted: int = 0
    moved: int = 0
    alerts: int = 0  # balance alerts queued
    visits: int = 0
    sessions: int = 0  # class sessions written ahead
    billed: int = 0  # planned freezes and cancellations applied, charges raised or marked overdue
    reminders: list[reminders.Reminder] = field(default_factory=list)


def run_time(ctx: Ctx, day: date) -> datetime:
    """When the jobs of `day` run: the workspace's local run time (a DST gap moves it forward)."""
    return at_local_time(day, ctx.tenant.daily_run_at, ctx.tz)


def due_days(db: Database, team: str, clock: Clock, until: date | None = None) -> list[date]:
    """The business days whose jobs are due and not done, oldest first. A workspace's first run
    is its current day (nothing before memberbot ran is replayed)."""
    with transaction(db, team, SYSTEM, clock, write=False) as ctx:
        today = ctx.today()
        through = today if ctx.now() >= run_time(ctx, today) else today - timedelta(days=1)
        if until is not None:
            if until > today:
                raise InvalidInput.single(
                    "until", f"{until} is after today ({today}); days run when they come."
                )
            through = min(through, until)
        last = ctx.uow.session.exec(
            select(func.max(DailyRun.business_date)).where(col(DailyRun.tenant_id) == team)
        ).one()
    first = last + timedelta(days=1) if last is not None else through
    return [first + timedelta(days=n) for n in range((through - first).days + 1)]


def run_day(db: Database, team: str, day: date, clock: Clock) -> DayReport:
    """The jobs of one day, each in its own transaction, with the clock at the day's run time.
    Reminders are collected, not sent: the caller decides (see catch_up)."""
    with transaction(db, team, SYSTEM, clock, write=False) as ctx:
        clock = FixedClock(run_time(ctx, day))
    report = DayReport(day)
    # Billing first: a freeze that ends today moves its lots' expiry before expiries run. Each
    # effect moves a status forward or is keyed by (membership, kind, period): a rerun adds none.
    with transaction(db, team, SYSTEM, clock) as ctx:
        report.billed = memberships.apply_planned(ctx)
    with transaction(db, team, SYSTEM, clock) as ctx:  # charge locks only, in membership order
        report.billed += billing.mark_overdue(ctx)
    report.billed += _paged(db, team, clock, lambda ctx, after: billing.due_page(ctx, after, PAGE))
    report.expired = _paged(db, team, clock, lambda ctx, after: ledger.expire_page(ctx, after, PAGE))
    report.granted = _paged(
        db, team, clock, lambda ctx, after: credit_grants.grant_due_page(ctx, after, PAGE)
    )
    with transaction(db, team, SYSTEM, clock) as ctx:
        report.alerts = balance_alerts.check(ctx, day)
    report.moved = _paged(
        db, team, clock, lambda ctx, after: _count(memberships.advance_page(ctx, after, PAGE))
    )
    report.visits = _paged(db, team, clock, lambda ctx, after: visits.extend_page(ctx, after, PAGE))
    with transaction(db, team, SYSTEM, clock) as ctx:  # a workspace has a handful of class series
        report.sessions = classes.extend_horizons(ctx)
    with transaction(db, team, SYSTEM, clock, write=False) as ctx:
        report.reminders = reminders.collect(ctx, day)
    return report


def _paged(db: Database, team: str, clock: Clock, page: Callable[[Ctx, int], tuple[int, int | None]]) -> int:
    """A job in bounded pages, each in a transaction of its own: memory and lock time stay the same
    however many memberships and lots a workspace holds; a crash loses at most one page, which the
    rerun redoes (its effects are keyed)."""

    def in_its_own(after: int) -> tuple[int, int | None]:
        with transaction(db, team, SYSTEM, clock) as ctx:
            return page(ctx, after)

    return sum(paging.pages(in_its_own))


def _count(moved: tuple[list[tuple[int, Status, Status]], int | None]) -> tuple[int, int | None]:
    return len(moved[0]), moved[1]


def catch_up(db: Database, team: str, clock: Clock, until: date | None = None) -> list[DayReport]:
    """Run every due day of the workspace in order; see the module's docstring."""
    days = due_days(db, team, clock, until)
    if not days:
        return []
    reports = [run_day(db, team, day, clock) for day in days]
    clock = FixedClock(clock.now())  # one moment for the whole transaction (a test clock is read once)
    with transaction(db, team, SYSTEM, clock) as ctx:
        *past, current = reports
        late = [r for report in past for r in report.reminders]
        if late:
            reminders.send_summary(ctx, past[0].day, past[-1].day, late)
        reminders.send(ctx, current.reminders)
        for report in reports:  # another scheduler may have finished the same day: both are right
            done = {"tenant_id": team, "business_date": report.day, "finished_at": clock.now()}
            insert_ignoring_duplicates(ctx.uow, "daily_run", done, ["tenant_id", "business_date"])
    return reports


def sweep(db: Database, clock: Clock, until: date | None = None) -> dict[str, list[DayReport]]:
    """Catch every workspace up (the scheduler's job, and `memberbot sweep`)."""
    return {team: catch_up(db, team, clock, until) for team in tenant_ids(db)}
