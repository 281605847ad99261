"""/classes over real HTTP: the list, the set-up form (refused for staff, field errors, then a
class), booking with and without credits, a booking asked twice, refusals that write nothing, a
pick list, cancelling either side of the cut-off, the roster's attendance buttons, and help."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from bot.listeners.classes.ids import ClassesAction, ClassesView
from bot.standin import Posted
from core.catalog import locations as catalog
from core.classes import service as classes
from core.classes.rules import BookingStatus
from core.classes.service import SeriesView
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers import service as customers
from core.kernel.recurrence import Weekly
from core.memberships import service as memberships
from tests.bot.conftest import Slack, wait_until
from tests.conftest import MANAGER, STAFF
from tests.integration import helpers
from tests.integration.credit_helpers import at, credit_plan, member
from tests.integration.helpers import plan_by_name

TODAY = date(2025, 1, 15)  # a Wednesday; `at` puts the clock at 12:00 in New York
MON, WED = 0, 2
CHANNEL = "CFRONTDESK"


def studio(slack: Slack) -> dict[str, int]:
    """Downtown; Gold gives 10 session credits a month, Silver none (unlimited); Anna Berg holds
    Gold and Bruno Costa Silver."""
    at(slack.shop, TODAY)
    gold = credit_plan(slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(10)))
    with slack.shop.tx() as ctx:
        location = catalog.add_location(ctx, "Downtown")
        silver = plan_by_name(ctx, "Silver").id
        platinum = plan_by_name(ctx, "Platinum").id
    found = {"location": location, "gold": gold, "silver": silver, "platinum": platinum}
    for key, name, plan in (("anna", "Anna Berg", gold), ("bruno", "Bruno Costa", silver)):
        found[key] = add(slack, name)
        found[f"{key}_membership"] = member(slack.shop, plan, TODAY, customer=found[key])[1]
    return found


def add(slack: Slack, company: str) -> int:
    with slack.shop.tx() as ctx:
        return customers.add_customer(ctx, customers.CustomerInput(company=company)).id


def yoga(slack: Slack, s: dict[str, int], **changes: Any) -> SeriesView:
    """Yoga, Mondays and Wednesdays at 18:00, 2 places, for Gold and Silver, 12-hour cut-off."""
    return helpers.yoga(slack.shop, s, TODAY, **{"capacity": 2, **changes})


def credits(slack: Slack, customer: int) -> Decimal:
    with slack.shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def bookings(slack: Slack, customer: int) -> list[classes.BookingView]:
    with slack.shop.tx(write=False) as ctx:
        return classes.bookings_of(ctx, customer, include_past=True)


def submit(slack: Slack, user: str, values: dict[str, Any], start_time: str = "18:00") -> dict[str, Any]:
    return slack.driver.submit(user, {"start_time": start_time, **values})


def press(
    slack: Slack, reply: dict[str, Any], action_id: str, value: str, user: str = STAFF
) -> dict[str, Any]:
    """Press a button of an ephemeral reply; the bot's answer through response_url."""
    message = Posted(CHANNEL, str(reply["text"]), reply["blocks"], ephemeral_to=user, ts="1.000001")
    http, response_id = slack.driver.click(action_id, value, user=user, message=message)
    assert http.status_code == 200
    answered = wait_until(lambda: slack.standin.replies(response_id), what=f"the answer to {action_id}")[-1]
    assert isinstance(answered, dict)
    return answered


def buttons(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]


# --- setting up --------------------------------------------------------------------------------


def test_staff_may_not_set_up_a_class(slack: Slack) -> None:
    studio(slack)
    refused = slack.command("/classes", "new", user=STAFF)["text"]
    assert "You need the admin or manager role to set up class series" in refused
    assert slack.standin.top_modal(STAFF) is None


def test_the_form_names_bad_fields_and_writes_nothing_then_sets_up_the_class(slack: Slack) -> None:
    s = studio(slack)
    form = slack.open_modal("/classes", "new", user=MANAGER, callback_id=ClassesView.NEW_FORM)
    assert [b["block_id"] for b in form["blocks"]] == [
        "name",
        "location",
        "weekdays",
        "start_time",
        "starts_on",
        "ends_on",
        "capacity",
        "duration_minutes",
        "cancel_cutoff_hours",
        "plans",
    ]
    typo = submit(slack, MANAGER, {"name": "Yoga", "weekdays": ["0", "2"], "capacity": "two"})
    assert typo == {
        "response_action": "errors",
        "errors": {"capacity": "The number of places must be a whole number, not “two”."},
    }
    wrong = submit(
        slack,
        MANAGER,
        {"name": "Yoga", "weekdays": [], "capacity": "0", "ends_on": "2025-01-01", "plans": []},
    )
    assert wrong["response_action"] == "errors"
    assert set(wrong["errors"]) == {"weekdays", "capacity", "ends_on"}
    assert "Choose at least one weekday" in wrong["errors"]["weekdays"]
    with slack.shop.tx(write=False) as ctx:
        assert classes.list_series(ctx) == []

    done = submit(
        slack,
        MANAGER,
        {"name": "Yoga", "weekdays": ["0", "2"], "capacity": "12", "plans": [str(s["gold"])]},
        start_time="19:15",
    )
    assert done["response_action"] == "update"
    shown = slack.standin.top_modal(MANAGER)
    assert shown is not None and shown["callback_id"] == ClassesView.CREATED
    said = shown["blocks"][0]["text"]["text"]
    assert "*Yoga* is set up at Downtown: Every week on Mon, Wed at 19:15." in said
    assert "The first session is on Wed 15 Jan 2025." in said
    with slack.shop.tx(write=False) as ctx:
        (made,) = classes.list_series(ctx)
    assert (made.capacity, made.cancel_cutoff_hours, made.duration_minutes) == (12, 12, 60)
    assert made.plans == ("Gold",)

    slack.open_modal("/classes", "new", user=MANAGER, callback_id=ClassesView.NEW_FORM)
    again = submit(slack, MANAGER, {"name": "yoga", "weekdays": ["1"], "capacity": "5"}, start_time="07:30")
    assert again["errors"] == {"name": "There is already a class called Yoga at Downtown."}


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_the_next_sessions_and_places_left_a_page_at_a_time(slack: Slack) -> None:
    s = studio(slack)
    assert "No classes yet" in slack.command("/classes", "", user=STAFF)["text"]
    series = yoga(slack, s)
    for n in range(10):
        yoga(slack, s, name=f"Zumba {n:02}", plan_ids=None)
    slack.command("/classes", f"book anna berg {series.name}", user=STAFF)
    first = slack.command("/classes", "", user=STAFF)
    text = first["text"]
    assert "*Classes* (1 to 10 of 11)" in text
    assert "*Yoga* at Downtown — Every week on Mon, Wed at 18:00, 2 places, for Gold, Silver" in text
    assert (
        "Wed 15 Jan 2025 18:00: 1 of 2 places left" in text
        and "Mon 20 Jan 2025 18:00: 2 of 2 places left" in text
    )
    assert "Zumba 09" not in text
    (more,) = buttons(first)
    assert more["action_id"] == ClassesAction.LIST_MORE
    second = press(slack, first, ClassesAction.LIST_MORE, more["value"])
    assert "*Classes* (11 to 11 of 11)" in second["text"] and "*Zumba 09*" in second["text"]
    assert buttons(second) == []


# --- booking -----------------------------------------------------------------------------------


def test_booking_spends_a_credit_of_a_limited_plan_once_and_none_of_an_unlimited_one(slack: Slack) -> None:
    s = studio(slack)
    yoga(slack, s)
    booked = slack.command("/classes", "book anna berg yoga", user=STAFF)["text"]
    (anna,) = bookings(slack, s["anna"])
    assert (
        f"Booked *Anna Berg* into *Yoga* on Wed 15 Jan 2025 18:00: *B-{anna.id}*. "
        f"One credit of M-{s['anna_membership']} (Gold) was spent; 9 credits left. 1 place left."
    ) == booked
    again = slack.command("/classes", "book anna berg yoga", user=STAFF)["text"]
    assert f"*Anna Berg* was already booked into *Yoga* on Wed 15 Jan 2025 18:00 (*B-{anna.id}*)" in again
    assert credits(slack, s["anna"]) == 9 and len(bookings(slack, s["anna"])) == 1

    free = slack.command("/classes", "book bruno yoga on 20 Jan 2025", user=STAFF)["text"]
    assert "into *Yoga* on Mon 20 Jan 2025 18:00" in free
    assert f"No credit was spent: M-{s['bruno_membership']} (Silver) books without credits." in free

    listed = slack.command("/classes", "bookings anna", user=STAFF)["text"]
    assert (
        f"*Bookings of Anna Berg*\n• *B-{anna.id}* Yoga, Wed 15 Jan 2025 18:00 — booked, a credit of M-"
        in listed
    )


def test_refusals_are_explained_and_write_nothing(slack: Slack) -> None:
    s = studio(slack)
    yoga(slack, s, capacity=1)
    carla, dora, emil = add(slack, "Carla Dias"), add(slack, "Dora Eck"), add(slack, "Emil Fox")
    member(slack.shop, s["platinum"], TODAY, customer=carla)
    _, frozen = member(slack.shop, s["gold"], TODAY, customer=dora)
    with slack.shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, frozen, "travelling")
    member(slack.shop, s["gold"], TODAY, customer=emil)
    with slack.shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, emil, Decimal(10), key="used-them-all")

    plan = slack.command("/classes", "book carla yoga", user=STAFF)["text"]
    assert "Carla Dias cannot book Yoga on Wed 15 Jan 2025 18:00." in plan
    assert "Platinum is not one of the plans this class accepts" in plan
    assert (
        f"M-{frozen} (Gold) is frozen; it can book again once unfrozen."
        in (slack.command("/classes", "book dora yoga", user=STAFF)["text"])
    )
    assert (
        "Emil Fox has no session credit that can be used now to book Yoga"
        in (slack.command("/classes", "book emil yoga", user=STAFF)["text"])
    )
    slack.command("/classes", "book bruno yoga", user=STAFF)
    full = slack.command("/classes", "book anna berg yoga", user=STAFF)["text"]
    assert full == "Yoga on Wed 15 Jan 2025 18:00 is full (1 booked)."
    assert [bookings(slack, c) for c in (carla, dora, emil, s["anna"])] == [[], [], [], []]
    assert credits(slack, s["anna"]) == 10 and credits(slack, emil) == 0

    assert "No customer matches “Zed”" in slack.command("/classes", "book Zed yoga", user=STAFF)["text"]
    assert (
        "“bruno pilates” names no class"
        in slack.command("/classes", "book bruno pilates", user=STAFF)["text"]
    )
    assert (
        "“someday” is not a date I understand"
        in (slack.command("/classes", "book bruno yoga on someday", user=STAFF)["text"])
    )
    assert (
        "*Yoga* has no session on Tue 21 Jan 2025 still to start"
        in (slack.command("/classes", "book bruno yoga on 21 Jan 2025", user=STAFF)["text"])
    )


def test_an_ambiguous_customer_or_class_gets_a_pick_list_never_a_guess(slack: Slack) -> None:
    s = studio(slack)
    yoga(slack, s)
    with slack.shop.tx() as ctx:
        uptown = catalog.add_location(ctx, "Uptown")
    yoga(slack, s, location_id=uptown)
    lind = add(slack, "Anna Lind")
    member(slack.shop, s["silver"], TODAY, customer=lind)

    which = slack.command("/classes", "book anna yoga", user=STAFF)
    assert which["text"] == "Several classes match “yoga”; which one?"
    assert [b["text"]["text"] for b in buttons(which)] == ["Yoga (Downtown)", "Yoga (Uptown)"]
    downtown = buttons(which)[0]
    who = press(slack, which, downtown["action_id"], downtown["value"])
    assert who["text"] == "Several customers match “anna”; which one?"
    assert [b["text"]["text"] for b in buttons(who)] == ["Anna Berg", "Anna Lind"]
    assert bookings(slack, s["anna"]) == [] and bookings(slack, lind) == []

    pick = next(b for b in buttons(who) if b["text"]["text"] == "Anna Lind")
    assert pick["action_id"].startswith(ClassesAction.PICK)
    done = press(slack, who, pick["action_id"], pick["value"])["text"]
    assert done.startswith("Booked *Anna Lind* into *Yoga* on Wed 15 Jan 2025 18:00")
    twice = press(slack, who, pick["action_id"], pick["value"])["text"]
    assert "was already booked" in twice
    (booked,) = bookings(slack, lind)
    with slack.shop.tx(write=False) as ctx:
        assert (
            classes.get_series(ctx, classes.get_session(ctx, booked.session_id).series_id).location
            == "Downtown"
        )
    assert bookings(slack, s["anna"]) == []


# --- cancelling and attendance -----------------------------------------------------------------


def test_a_cancellation_before_the_cut_off_returns_the_credit_and_a_late_one_keeps_it(slack: Slack) -> None:
    s = studio(slack)
    yoga(slack, s)
    slack.command("/classes", "book anna berg yoga on 20 Jan 2025", user=STAFF)
    slack.command("/classes", "book anna berg yoga", user=STAFF)
    monday, today = sorted(bookings(slack, s["anna"]), key=lambda b: b.on_date, reverse=True)
    assert credits(slack, s["anna"]) == 8

    early = slack.command("/classes", f"cancel B-{monday.id} changed plans", user=STAFF)["text"]
    assert f"Cancelled *B-{monday.id}* (Anna Berg, Yoga on Mon 20 Jan 2025 18:00)." in early
    assert f"before the cut-off, so the credit went back to M-{s['anna_membership']}." in early
    assert credits(slack, s["anna"]) == 9
    repeated = slack.command("/classes", f"cancel B-{monday.id}", user=STAFF)["text"]
    assert repeated == f"*B-{monday.id}* was already cancelled; nothing changed."
    assert credits(slack, s["anna"]) == 9

    late = slack.command("/classes", f"cancel {today.id}", user=STAFF)["text"]  # 6 hours before 18:00
    assert "late cancellation (less than 12 hours before the start), so the credit is kept" in late
    assert credits(slack, s["anna"]) == 9
    assert {b.status for b in bookings(slack, s["anna"])} == {
        BookingStatus.CANCELLED,
        BookingStatus.LATE_CANCEL,
    }

    assert "“X-1” is not a booking" in slack.command("/classes", "cancel X-1", user=STAFF)["text"]
    assert "There is no booking #999999." in slack.command("/classes", "cancel B-999999", user=STAFF)["text"]


def test_the_roster_records_attendance_once_however_often_pressed(slack: Slack) -> None:
    s = studio(slack)
    yoga(slack, s)
    slack.command("/classes", "book anna berg yoga", user=STAFF)
    slack.command("/classes", "book bruno yoga", user=STAFF)
    (anna,) = bookings(slack, s["anna"])
    roster = slack.command("/classes", "roster yoga", user=STAFF)
    assert roster["text"] == "*Yoga* at Downtown, Wed 15 Jan 2025 18:00 — 2 of 2 places taken"
    lines = [b["text"]["text"] for b in roster["blocks"] if b["type"] == "section"][1:]
    assert lines[0] == f"*B-{anna.id}* Anna Berg — booked (a credit of M-{s['anna_membership']})"
    assert lines[1].endswith("Bruno Costa — booked")
    attended = next(b for b in buttons(roster) if b["action_id"] == f"{ClassesAction.ATTENDED}_{anna.id}")
    assert f'"booking": {anna.id}' in attended["value"]

    early = press(slack, roster, f"{ClassesAction.NO_SHOW}_{anna.id}", attended["value"])
    assert early["text"] == "The session has not started yet; a no-show is recorded once it has."
    assert slack.command("/classes", "bookings anna berg", user=STAFF)["text"].endswith(
        "— booked, a credit of M-" + str(s["anna_membership"])
    )

    first = press(slack, roster, attended["action_id"], attended["value"])
    assert first["text"].startswith("Anna Berg: attended.\n*Yoga* at Downtown")
    assert f"*B-{anna.id}* Anna Berg — attended" in str(first["blocks"])
    second = press(slack, roster, attended["action_id"], attended["value"])
    assert second["text"].startswith("Anna Berg was already recorded as attended.")
    assert [b.status for b in bookings(slack, s["anna"])] == [BookingStatus.ATTENDED]

    at(slack.shop, date(2025, 1, 16))  # the next day: today's roster is of the session gone by
    after = slack.command("/classes", "roster yoga on 15 Jan 2025", user=STAFF)
    assert "Wed 15 Jan 2025 18:00 — 2 of 2 places taken" in after["text"]
    bruno = [b for b in buttons(after) if b["action_id"].startswith(ClassesAction.NO_SHOW)][1]
    assert press(slack, after, bruno["action_id"], bruno["value"])["text"].startswith(
        "Bruno Costa: a no-show."
    )
    none = slack.command("/classes", "roster yoga on 14 Jan 2025", user=STAFF)["text"]
    assert none == "*Yoga* has no session on Tue 14 Jan 2025. `/classes` shows the next ones."
    upcoming = slack.command("/classes", "roster yoga", user=STAFF)["text"]
    assert upcoming == "*Yoga* at Downtown, Mon 20 Jan 2025 18:00 — 0 of 2 places taken"


def test_a_long_roster_pages_and_names_typed_by_people_are_escaped(slack: Slack) -> None:
    s = studio(slack)
    yoga(slack, s, name="Yoga <!channel> *hot*", capacity=20, plan_ids=None)
    for n in range(16):
        customer = add(slack, f"Member {n:02}")
        member(slack.shop, s["silver"], TODAY, customer=customer)
        slack.command("/classes", f"book member {n:02} yoga", user=STAFF)
    listed = slack.command("/classes", "", user=STAFF)["text"]
    assert "*Yoga &lt;!channel&gt; \u2217hot\u2217* at Downtown" in listed
    first = slack.command("/classes", "roster yoga", user=STAFF)
    assert len(first["blocks"]) == 1 + 15 * 2 + 1 and "— 16 of 20 places taken" in first["text"]
    more = next(b for b in buttons(first) if b["action_id"] == ClassesAction.ROSTER_MORE)
    second = press(slack, first, ClassesAction.ROSTER_MORE, more["value"])
    lines = [b["text"]["text"] for b in second["blocks"] if b["type"] == "section"]
    assert len(lines) == 2 and lines[1].endswith("Member 15 — booked")
    last = next(b for b in buttons(second) if b["action_id"].startswith(ClassesAction.ATTENDED))
    marked = press(slack, second, last["action_id"], last["value"])
    assert marked["text"].startswith("Member 15: attended.") and "Member 15 — attended" in str(
        marked["blocks"]
    )
    assert "Member 00" not in str(marked["blocks"])  # the roster came back on its second page


def test_the_form_needs_a_location(slack: Slack) -> None:
    at(slack.shop, TODAY)
    form = slack.open_modal("/classes", "new", user=MANAGER, callback_id="notice")
    assert form["blocks"][0]["text"]["text"] == "A class runs at a location, and this workspace has none yet."
    assert "submit" not in form


def test_the_home_lists_today_s_and_tomorrow_s_sessions_with_the_services(slack: Slack) -> None:
    s = studio(slack)
    yoga(slack, s)
    yoga(slack, s, name="Spin", schedule=Weekly(1, (3,)), start_time=time(7, 0))  # Thursdays
    slack.command("/classes", "book bruno yoga", user=STAFF)
    http = slack.driver.open_home(STAFF)
    assert http.status_code == 200
    home = wait_until(lambda: slack.standin.homes.get(STAFF), what="the Home of staff")
    text = "\n".join(b["text"]["text"] for b in home["blocks"] if b["type"] == "section")
    services = text.split("*Services today and tomorrow*\n")[1].split("\n\n")[0]
    assert services.splitlines()[:2] == [
        "• Wed 15 Jan 2025 18:00 Yoga at Downtown: 1 of 2 booked",
        "• Thu 16 Jan 2025 07:00 Spin at Downtown: 0 of 2 booked",
    ]
    assert "Mon 20 Jan 2025 18:00" not in text


def test_managers_change_which_plans_may_book(slack: Slack) -> None:
    s = studio(slack)
    yoga(slack, s)
    shown = slack.command("/classes", "rules yoga", user=STAFF)["text"]
    assert shown.startswith("*Yoga* may be booked by members of Gold, Silver.")
    refused = slack.command("/classes", "rules yoga: gold", user=STAFF)["text"]
    assert refused.startswith("You need the admin or manager role")
    assert (
        "No plan matches “bronze”"
        in slack.command("/classes", "rules yoga: gold, bronze", user=MANAGER)["text"]
    )
    with slack.shop.tx(write=False) as ctx:
        assert classes.list_series(ctx)[0].plans == ("Gold", "Silver")

    done = slack.command("/classes", "rules yoga: gold", user=MANAGER)["text"]
    assert done == "From now on *Yoga* may be booked by members of Gold; bookings already made stay."
    assert (
        "Silver is not one of the plans this class accepts"
        in (slack.command("/classes", "book bruno yoga", user=STAFF)["text"])
    )
    every = slack.command("/classes", "rules Yoga: every plan", user=MANAGER)["text"]
    assert every == "From now on *Yoga* may be booked by members of every plan; bookings already made stay."
    assert slack.command("/classes", "book bruno yoga", user=STAFF)["text"].startswith("Booked *Bruno Costa*")


def test_help(slack: Slack) -> None:
    studio(slack)
    said = slack.command("/classes", "help", user=STAFF)["text"]
    assert said.startswith("*/classes* — classes, bookings and attendance")
    assert "`/classes book <customer> <class> [on <date>]`" in said
    assert slack.command("/classes", "dance", user=STAFF)["text"] == said
