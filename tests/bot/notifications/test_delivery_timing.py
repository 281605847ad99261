"""When the deliverer tries a message again runs on real elapsed time, not on the workspace's
clock: a sandbox's test clock stands still between moves, and may stand in the future. Slack's
Retry-After holds back the whole workspace it was given for, and only that workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import outbox
from core.context import SYSTEM, transaction
from core.kernel.clock import FixedClock
from core.workspace.flows import ensure_tenant
from tests.bot.conftest import Slack
from tests.bot.test_scheduler import deliver, reminder_due
from tests.conftest import STAFF

pytestmark = pytest.mark.faults

REAL = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def test_a_failed_message_is_retried_as_real_time_passes_while_the_workspace_clock_stands_still(
    slack: Slack,
) -> None:
    reminder_due(slack.shop)
    business = slack.shop.clock.now()
    timer = FixedClock(REAL)
    slack.standin.down = True
    assert deliver(slack, timer) == 0
    slack.standin.down = False
    assert deliver(slack, timer) == 0  # not before its next attempt
    timer.advance(timedelta(minutes=1))
    assert deliver(slack, timer) == 1
    assert slack.shop.clock.now() == business  # nobody moved the workspace's clock
    assert len(slack.standin.channel_messages(STAFF)) == 1


def test_a_workspace_clock_ahead_of_real_time_does_not_hold_new_messages_back(slack: Slack) -> None:
    reminder_due(slack.shop)  # queued on 15 Jan 2025, business time
    assert deliver(slack, FixedClock(datetime(2024, 6, 1, tzinfo=UTC))) == 1


def queue(slack: Slack, team: str, count: int) -> None:
    clock = slack.shop.clock
    ensure_tenant(slack.shop.db, clock, team)
    with transaction(slack.shop.db, team, SYSTEM, clock) as ctx:
        for n in range(count):
            outbox.enqueue(ctx, f"test:{n}", STAFF, outbox.Kind.RENDERED, {"text": f"{team} message {n}"})


def texts(slack: Slack, team: str) -> list[str]:
    return [m.text for m in slack.standin.channel_messages(STAFF) if m.text.startswith(f"{team} ")]


def test_slacks_retry_after_pauses_that_workspace_and_the_others_still_get_theirs(slack: Slack) -> None:
    limited, other = slack.shop.team, f"{slack.shop.team}Z"  # in this order: tenants go by id
    queue(slack, limited, 3)
    queue(slack, other, 2)
    timer = FixedClock(REAL)
    slack.standin.rate_limited["chat.postMessage"] = 30  # the first post, the limited workspace's
    assert deliver(slack, timer) == 2
    assert texts(slack, limited) == [] and len(texts(slack, other)) == 2
    assert slack.standin.calls.count("chat.postMessage") == 3  # nothing more was tried in the limited one
    timer.advance(timedelta(seconds=20))
    assert deliver(slack, timer) == 0  # still within Slack's 30 s
    timer.advance(timedelta(seconds=11))
    assert deliver(slack, timer) == 3
    assert sorted(texts(slack, limited)) == [f"{limited} message {n}" for n in range(3)]
    timer.advance(timedelta(hours=1))
    assert deliver(slack, timer) == 0  # each once
