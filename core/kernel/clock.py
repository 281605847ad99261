"""The clock core reads time from. Injected everywhere so tests, the scheduler's catch-up and the
sandbox can run the business at any date; nothing in core calls `datetime.now()` itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, the sandbox's clock control)."""

    def __init__(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def today_in(clock: Clock, tz: tzinfo) -> date:
    """The business date in a tenant's timezone."""
    return clock.now().astimezone(tz).date()


def aware(at: datetime) -> datetime:
    """`at` in UTC; a naive datetime is refused (whose local time would it be?)."""
    return _require_aware(at)


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("clock times must be timezone-aware")
    return at.astimezone(UTC)
