"""A COMMIT that reaches PostgreSQL but whose answer is lost on the way back (the connection cut
at that moment): the write happened, and the person is told what was done — not "Sorry", which
would invite them to do it again — because the request's key, written in the same transaction,
is looked up on a fresh connection. A write whose COMMIT never arrived leaves no key and is
reported as the outage it is."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storage.limits import Limits
from storage.uow import Database
from tests.bot.test_stalls import a_priced_service, bot_on, location_prices
from tests.conftest import Shop
from tests.stall_proxy import proxied_postgresql

pytestmark = [pytest.mark.postgresql, pytest.mark.faults]

LIMITS = Limits(connect=2, statement=2, pool=2, busy=1)


def test_a_write_whose_commit_answer_is_lost_is_answered_as_done_once(shop: Shop) -> None:
    a_priced_service(shop)
    with proxied_postgresql() as (proxy, url), bot_on(shop, Database(url, LIMITS)) as bot:
        assert "Massage 60" in bot.slack.command("/services", "")["text"]  # a pooled connection
        proxy.lose_next_commit_answer()
        reply = bot.slack.command("/services", "price massage 60 at downtown 110")["text"]
        assert "*Massage 60* costs $110.00 at Downtown" in reply
        assert not proxy.losing_commit  # the COMMIT did go through the proxy and lose its answer
    assert location_prices(shop) == [("Downtown", Decimal(110))]


def test_a_write_cut_before_its_commit_is_told_sorry_and_wrote_nothing(shop: Shop) -> None:
    a_priced_service(shop)
    with proxied_postgresql() as (proxy, url), bot_on(shop, Database(url, LIMITS)) as bot:
        assert "Massage 60" in bot.slack.command("/services", "")["text"]
        proxy.cut()
        reply = bot.slack.command("/services", "price massage 60 at downtown 110")["text"]
        assert reply.startswith("Sorry, something went wrong on our side.")
    assert location_prices(shop) == []
