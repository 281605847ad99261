"""The App Home's list of the class sessions soon to start."""

from __future__ import annotations

from datetime import timedelta

from bot import messages
from bot.mrkdwn import escape
from core.classes import service as classes
from core.context import Ctx

HOME_LISTED = 15  # sessions on the App Home


def home_lines(ctx: Ctx) -> list[str]:
    """Today's and tomorrow's sessions still to start, soonest first, for the App Home's list of
    services."""
    tomorrow = ctx.today() + timedelta(days=1)
    found = [
        s for c in classes.list_series(ctx) for s in classes.upcoming_sessions(ctx, c.id, until=tomorrow)
    ]
    found.sort(key=lambda s: (s.starts_at, s.series))
    return [
        messages.say(
            "home_session",
            starts_at=s.starts_at.astimezone(ctx.tz),
            name=escape(s.series),
            location=escape(s.location),
            taken=s.taken,
            capacity=s.capacity,
        )
        for s in found[:HOME_LISTED]
    ]
