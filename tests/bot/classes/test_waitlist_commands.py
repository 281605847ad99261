"""/classes' waitlist over real HTTP: a full session offers Join the waitlist, joining by the
button or the verb, refusals (not full: book instead; after the cut-off; not on it), the list and
the member's place in line, leaving, and a cancellation booking the first in line who can be
booked (spending their credit, passing over one without credits), the seller told once."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

from slack_sdk.web.async_client import AsyncWebClient

from bot.deliver import deliver_due
from bot.listeners.classes.ids import ClassesAction
from core.credits import ledger
from tests.bot.classes.test_classes_commands import add, bookings, buttons, credits, press, studio, yoga
from tests.bot.conftest import TOKEN, Slack
from tests.conftest import STAFF
from tests.integration.credit_helpers import member

MONDAY = "on 20 Jan 2025"


def deliver(slack: Slack) -> int:
    client = AsyncWebClient(token=TOKEN, base_url=f"{slack.standin.url}/api/")

    async def client_for(team: str) -> AsyncWebClient | None:
        return client if team == slack.shop.team else None

    return asyncio.run(deliver_due(slack.shop.db, client_for, slack.shop.clock))


def say(slack: Slack, text: str) -> str:
    return str(slack.command("/classes", text, user=STAFF)["text"])


def test_a_full_session_offers_the_waitlist_and_a_cancellation_books_the_first_who_can_be_booked(
    slack: Slack,
) -> None:
    s = studio(slack)
    yoga(slack, s, capacity=1)
    carla, dora = add(slack, "Carla Dias"), add(slack, "Dora Eck")
    for customer in (carla, dora):
        member(slack.shop, s["gold"], date(2025, 1, 15), customer=customer)
    assert say(slack, f"book bruno yoga {MONDAY}").startswith(
        "Booked *Bruno Costa* into *Yoga* on Mon 20 Jan"
    )
    (bruno,) = bookings(slack, s["bruno"])

    full = slack.command("/classes", f"book anna berg yoga {MONDAY}", user=STAFF)
    assert full["text"].startswith(
        "Yoga on Mon 20 Jan 2025 18:00 is full (1 booked). Put Anna Berg on its waitlist?"
    )
    (offer,) = buttons(full)
    assert (offer["action_id"], offer["text"]["text"]) == (ClassesAction.JOIN_WAITLIST, "Join the waitlist")
    joined = press(slack, full, offer["action_id"], offer["value"])["text"]
    assert joined.startswith(
        "*Anna Berg* is on the waitlist of *Yoga* on Mon 20 Jan 2025 18:00: number 1 in line."
    )
    again = press(slack, full, offer["action_id"], offer["value"])["text"]
    assert "was already on the waitlist" in again and "number 1 in line; nothing changed." in again
    assert say(slack, f"wait carla yoga {MONDAY}").endswith(
        "Mon 20 Jan 2025 18:00: number 2 in line. "
        "Nothing is spent until a place frees up and they are booked."
    )
    assert "number 3 in line" in say(slack, f"wait dora yoga {MONDAY}")
    assert (
        say(slack, "leave dora yoga") == "*Dora Eck* is off the waitlist of *Yoga* on Mon 20 Jan 2025 18:00."
    )
    assert "had already left" in say(slack, f"leave dora yoga {MONDAY}")
    assert bookings(slack, s["anna"]) == [] and credits(slack, s["anna"]) == 10

    assert "Mon 20 Jan 2025 18:00: full, 2 waiting" in say(slack, "")
    assert say(slack, "bookings anna berg").endswith(
        "*On the waitlist*\n• Yoga, Mon 20 Jan 2025 18:00 — number 1 in line"
    )
    listed = say(slack, "waitlist yoga")
    assert listed.startswith("*Waitlist of Yoga* at Downtown, Mon 20 Jan 2025 18:00 — 1 of 1 places taken")
    assert listed.endswith("\n1. Anna Berg\n2. Carla Dias")

    with slack.shop.tx(STAFF) as ctx:  # Anna spends her credits elsewhere: she is passed over
        ledger.redeem(ctx, s["anna"], Decimal(10), key="spent-elsewhere")
    cancelled = say(slack, f"cancel B-{bruno.id}")
    assert cancelled.startswith(f"Cancelled *B-{bruno.id}* (Bruno Costa, Yoga on Mon 20 Jan 2025 18:00).")
    (carla_booking,) = bookings(slack, carla)
    assert carla_booking.credit_spent and credits(slack, carla) == 9
    assert bookings(slack, s["anna"]) == []
    after = say(slack, f"waitlist yoga {MONDAY}")
    assert "\n1. Anna Berg — passed over last time: Anna Berg has no session credit" in after
    assert "Carla Dias" not in after
    roster = say(slack, f"roster yoga {MONDAY}")
    assert roster == "*Yoga* at Downtown, Mon 20 Jan 2025 18:00 — 1 of 1 places taken, 1 on the waitlist"

    assert deliver(slack) == 1
    assert deliver(slack) == 0  # told once
    (dm,) = slack.standin.channel_messages(STAFF)  # the seller of Carla's membership
    assert dm.text.startswith(
        f"Carla Dias was on the waitlist of *Yoga* on Mon 20 Jan 2025 18:00 and a place freed up: "
        f"they are booked, *B-{carla_booking.id}*. One credit of M-{carla_booking.membership_id} was spent."
    )
    assert "\nPassed over: Anna Berg — Anna Berg has no session credit that can be used now" in dm.text
    say(slack, f"cancel B-{bruno.id}")  # cancelled again: nobody more is booked, nobody told
    assert deliver(slack) == 0


def test_joining_is_refused_when_there_is_room_after_the_cut_off_and_leaving_one_not_on_it(
    slack: Slack,
) -> None:
    s = studio(slack)
    yoga(slack, s, capacity=1)
    assert say(slack, f"wait anna berg yoga {MONDAY}") == (
        "Anna Berg cannot join the waitlist of Yoga on Mon 20 Jan 2025 18:00: "
        "it is not full (1 place left): book them instead."
    )
    say(slack, "book bruno yoga")  # today's 18:00 session, past its 12-hour cut-off at noon
    full = slack.command("/classes", "book anna berg yoga", user=STAFF)
    assert full["text"] == "Yoga on Wed 15 Jan 2025 18:00 is full (1 booked)." and buttons(full) == []
    assert say(slack, "wait anna berg yoga").endswith(
        "its waitlist closed at the cut-off, 12 hours before the start."
    )
    assert say(slack, f"leave anna berg yoga {MONDAY}") == (
        "Anna Berg is not on the waitlist of Yoga on Mon 20 Jan 2025 18:00."
    )
    assert say(slack, "waitlist yoga").endswith("Nobody is waiting.")
    assert "“anna pilates” names no class" in say(slack, "wait anna pilates")
    assert bookings(slack, s["anna"]) == [] and credits(slack, s["anna"]) == 10
