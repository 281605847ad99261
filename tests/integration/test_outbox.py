"""What core queues says what happened in plain values — names as typed, amounts as strings, ISO
dates — and nothing of Slack: no mrkdwn, no blocks, no mentions, no escaping. The bot words it
(bot/notifications, tested in tests/bot/notifications)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core import outbox
from core.credits import ledger
from core.credits.lots import Pool, Unit
from core.daily import jobs as daily
from core.workspace.tenants import update_settings
from tests.conftest import ADMIN, SPECIALIST, TZ, Shop
from tests.integration.credit_helpers import at, member
from tests.integration.helpers import add_customer, with_services

NAME = "Harbour <Gym> *VIP* & <@U0EVIL>"
SLACK_SYNTAX = ("mrkdwn", '"type"', "blocks", "<", ">", "&", "*", "`")  # the name aside: as typed


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(TZ))


def test_every_notification_queued_is_a_kind_and_plain_data_without_slack_syntax(shop: Shop) -> None:
    monday = date(2025, 1, 13)
    at(shop, monday)
    with shop.tx(ADMIN) as ctx:
        update_settings(
            ctx, balance_alert_above=Decimal(100), reminders_channel="CREMIND", operations_channel="COPS"
        )
        customer = add_customer(ctx, NAME, "")
        ledger.grant(ctx, customer, Unit.MONEY, Decimal("150.50"), key="deposit", pool=Pool.COMMON)
        # last day in 7 days: an expiry reminder today
        ledger.grant(
            ctx, customer, Unit.CREDIT, Decimal(3), key="soon", expires_at=midnight(monday + timedelta(8))
        )
        # last day on Thursday: on this week's digest, and its 1-day reminder falls in the downtime
        ledger.grant(
            ctx, customer, Unit.CREDIT, Decimal(2), key="week", expires_at=midnight(monday + timedelta(4))
        )
        gold = with_services(ctx)  # a filter change on Tuesdays: tomorrow's services
    member(shop, gold.id, monday, customer=customer)
    daily.catch_up(shop.db, shop.team, shop.clock)
    at(shop, monday + timedelta(days=4))  # down for three days: a catch-up summary
    daily.catch_up(shop.db, shop.team, shop.clock)
    with shop.tx(write=False) as ctx:
        queued = outbox.pending(ctx)

    kinds = {m.kind for m in queued}
    assert {
        outbox.Kind.BALANCE_ALERT,
        outbox.Kind.CREDITS_EXPIRING,
        outbox.Kind.CREDITS_WEEKLY_DIGEST,
        outbox.Kind.SERVICES_TOMORROW,
        outbox.Kind.CATCH_UP_SUMMARY,
    } <= kinds
    for message in queued:
        said = json.dumps(message.data, ensure_ascii=False).replace(NAME, "")
        assert not [s for s in SLACK_SYNTAX if s in said], (message.kind, said)
    (alert,) = [m for m in queued if m.kind == outbox.Kind.BALANCE_ALERT]
    assert alert.to == SPECIALIST
    assert (alert.data["customer"], alert.data["balance"], alert.data["currency"]) == (NAME, "150.5", "USD")
    (expiring,) = [m for m in queued if m.kind == outbox.Kind.CREDITS_EXPIRING]
    assert expiring.data == {
        "customer_id": customer,
        "customer": NAME,
        "unit": "credit",
        "quantity": "3",
        "currency": "USD",
        "last_day": "2025-01-20",
        "lead_days": 7,
    }


def test_email_and_slack_messages_are_leased_apart_and_slacks_pause_holds_no_email(shop: Shop) -> None:
    now = datetime(2026, 12, 4, 18, 0, tzinfo=ZoneInfo("UTC"))
    with shop.tx() as ctx:
        outbox.enqueue(ctx, "slack:1", "CREMIND", outbox.Kind.RENDERED, {"text": "hello"})
        outbox.enqueue(ctx, "mail:1", "customer:1", outbox.Kind.EMAIL_RECEIPT, {"quantity": "1"})
    with shop.tx() as ctx:
        assert [r.key for r in outbox.due(ctx, now, limit=10)] == ["slack:1"]
        assert [r.key for r in outbox.due(ctx, now, limit=10, email=True)] == ["mail:1"]
        outbox.pause(ctx, now + timedelta(minutes=1))  # Slack's Retry-After
    with shop.tx() as ctx:
        assert outbox.due(ctx, now, limit=10) == []
        assert [r.key for r in outbox.due(ctx, now, limit=10, email=True)] == ["mail:1"]
