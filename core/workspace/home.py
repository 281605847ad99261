"""What a person's App Home shows, read in one unit of work: what waits for their approval, credits
expiring soon, today's and tomorrow's visits and class sessions, recent activity, and which of the
common actions their roles allow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from core.approvals import flows as approvals
from core.approvals.flows import Pending
from core.classes import service as classes
from core.classes.service import SessionView
from core.context import Ctx
from core.credits import ledger
from core.credits.ledger import ExpiringFor
from core.memberships import service as memberships
from core.memberships.service import EventView
from core.visits import service as visits
from core.visits.service import VisitView
from core.workspace import roles
from core.workspace.roles import Action


@dataclass(frozen=True)
class Home:
    workspace: str
    may: frozenset[Action]  # what the person's roles allow
    approvals: list[Pending] | None  # what they may decide, oldest first; None: they may not approve
    expiring: list[ExpiringFor]  # soonest first
    visits: list[VisitView]  # due today or tomorrow, soonest first
    sessions: list[SessionView]  # today's and tomorrow's still to start, soonest first
    recent: list[tuple[int, EventView]]  # (membership, event), newest first
    tz: ZoneInfo  # the workspace's, to show the times in
    currency: str = "USD"  # the workspace's, to word monetary credit in


def home(ctx: Ctx, *, expiring_within: int, recent: int) -> Home | None:
    """The Home of whoever asks, or None if they have no role yet."""
    if not roles.roles_of(ctx, ctx.actor):
        return None
    today = ctx.today()
    tomorrow = today + timedelta(days=1)
    sessions = [
        s for c in classes.list_series(ctx) for s in classes.upcoming_sessions(ctx, c.id, until=tomorrow)
    ]
    sessions.sort(key=lambda s: (s.starts_at, s.series))
    return Home(
        workspace=ctx.tenant.name,
        may=frozenset(a for a in Action if roles.can(ctx, a)),
        approvals=approvals.waiting_for(ctx) if roles.can(ctx, Action.APPROVE) else None,
        expiring=ledger.expiring_soon(ctx, within_days=expiring_within),
        visits=[v for v in visits.upcoming(ctx, until=tomorrow) if v.due_on >= today],
        sessions=sessions,
        recent=memberships.recent_activity(ctx, limit=recent),
        tz=ctx.tz,
        currency=ctx.tenant.currency,
    )
