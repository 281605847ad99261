"""What the sandbox's page keeps beyond what the stand-in holds: where each response_url it
handed out came from, what was typed into modals, notices, and the last move of the clock; and
moving the clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from bot.sandbox import people
from bot.sandbox.forms import Note
from bot.sandbox.timeline import Origin, fingerprint
from bot.standin import Driver, Posted, SlackStandIn
from core.context import SYSTEM, transaction
from core.daily import jobs as daily
from core.kernel.clock import Clock
from core.workspace.test_clock import move_test_clock
from storage.uow import Database

STEP_DAYS = 62  # the clock steps a day at a time up to this far ahead (Sandbox.advance)
WAIT_SECONDS = 4.0  # how long a request waits for the bot's answer before showing the page


@dataclass
class ClockMove:
    before: datetime
    after: datetime
    days: list[daily.DayReport]
    arrived: list[Posted]


@dataclass
class Sandbox:
    standin: SlackStandIn
    driver: Driver
    db: Database
    clock: Clock
    deliver_now: Callable[[], int]  # sends what the outbox holds now (on the bot's event loop)
    origins: dict[str, Origin] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)  # by modal hash
    flashes: dict[str, list[str]] = field(default_factory=dict)  # user -> notices for the next page
    last_move: ClockMove | None = None

    def changed(self, user: str, before: tuple[Any, ...], *, until: Callable[[], bool] | None = None) -> None:
        """Wait, with a deadline, for the bot's answer to what `user` did to show (or `until` to
        hold), and for their modal to be past its loading view."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            done = until() if until else fingerprint(self.standin, people.BY_ID) != before
            stack = self.standin.modal_stack(user)
            if done and not (stack and stack[-1].get("callback_id") == "loading"):
                return
            time.sleep(0.02)

    def advance(self, day: date) -> ClockMove:
        """`memberbot clock advance` from the page: move the test clock to midday of `day` and run
        the daily jobs of each day passed, sending their reminders now rather than at the next
        tick. Up to STEP_DAYS ahead it steps a day at a time, so each day's reminders arrive as
        they would have with the bot running; further, it jumps, and the bot's catch-up sums up
        the days it missed, as after downtime."""
        with transaction(self.db, people.TEAM, SYSTEM, self.clock, write=False) as ctx:
            tz, today = ctx.tz, ctx.today()
        span = (day - today).days
        steps = [today + timedelta(days=n) for n in range(1, span + 1)] if 0 < span <= STEP_DAYS else [day]
        known = {m.ts for m in self.standin.snapshot()[0]}
        started, days = self.clock.now(), []
        for step in steps:
            move_test_clock(self.db, datetime.combine(step, clock_time(12, 0), tzinfo=tz))
            days += daily.sweep(self.db, self.clock).get(people.TEAM, [])
            while self.deliver_now():
                pass
        arrived = [m for m in self.standin.snapshot()[0] if m.ts not in known]
        return ClockMove(started, self.clock.now(), days, arrived)
