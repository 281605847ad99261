"""The deliverer words each notification as it sends it; one of a kind this bot has no renderer
for (queued by a newer version), or with data its renderer cannot read, is logged and tried again
later, and the others still go out."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from core import outbox
from storage.tables.outbox import Outbox
from tests.bot.conftest import Slack
from tests.bot.test_scheduler import deliver, reminder_due
from tests.conftest import STAFF


@pytest.mark.parametrize(
    ("kind", "data", "error"),
    [
        ("credits.someday", {"customer_id": 1}, "unknown kind 'credits.someday'"),
        ("credits.expiring", {"customer_id": 1}, "KeyError: 'customer'"),
    ],
)
def test_a_message_that_cannot_be_worded_is_logged_and_kept_for_later(
    slack: Slack, caplog: pytest.LogCaptureFixture, kind: str, data: dict[str, object], error: str
) -> None:
    reminder_due(slack.shop)
    with slack.shop.tx() as ctx:
        now = ctx.now()
        ctx.uow.add(
            Outbox(
                tenant_id=ctx.uow.tenant_id,
                key="future:1",
                to=STAFF,
                kind=kind,
                data=data,
                created_at=now,
                next_attempt_at=now,
            )
        )
    with caplog.at_level(logging.WARNING, logger="memberbot.deliver"):
        assert deliver(slack) == 1  # the expiry reminder
    (dm,) = slack.standin.channel_messages(STAFF)
    assert "expire after" in dm.text
    with slack.shop.tx(write=False) as ctx:
        (kept,) = outbox.pending(ctx)
    assert (kept.key, kept.attempts, kept.last_error) == ("future:1", 1, error)
    assert kind in caplog.text
    slack.shop.clock.advance(timedelta(seconds=10))
    assert deliver(slack) == 0  # tried again, still unworded: not sent, not crashed on
