"""/visits end to end: signed requests to the running bot, buttons pressed and forms submitted
through the Slack stand-in, and what core then holds."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.listeners.visits.ids import Action
from bot.standin import Posted
from core.memberships import service as memberships
from core.visits import service as visits
from core.visits.service import VisitStatus
from core.workspace import roles
from tests.bot.conftest import Slack, wait_until
from tests.conftest import MANAGER, STAFF
from tests.integration.credit_helpers import at
from tests.integration.helpers import add_customer, plan_by_name, with_services

CHANNEL = "CFRONTDESK"


def sold(slack: Slack, company: str = "Acme Heating") -> int:
    """A Gold membership from Wed 1 Jan 2025 with a weekly filter change (Tuesdays, 09:00) and a tune-up
    on 15 March and September (14:00)."""
    shop = slack.shop
    with shop.tx() as ctx:
        gold = plan_by_name(ctx, "Gold")
        if not gold.terms.services:
            gold = with_services(ctx)
    with shop.tx(STAFF) as ctx:
        m = memberships.assign(ctx, add_customer(ctx, company=company), gold.id, date(2025, 1, 1), None)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m.id)
    return m.id


def press(slack: Slack, reply: dict[str, Any], action_id: str, value: str, *, user: str = STAFF) -> None:
    message = Posted(CHANNEL, str(reply["text"]), reply["blocks"], ephemeral_to=user, ts="1.000001")
    http, _ = slack.driver.click(action_id, value, user=user, message=message)
    assert http.status_code == 200


def buttons(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]


def form(slack: Slack, user: str = STAFF) -> dict[str, Any]:
    def opened() -> dict[str, Any] | None:
        view = slack.standin.top_modal(user)
        return view if view and view.get("callback_id") == "visits_close" else None

    found = wait_until(opened, what="the visit form")
    assert isinstance(found, dict)
    return found


def opened_on_7_jan(slack: Slack, button: int) -> tuple[int, dict[str, Any]]:
    """Acme's membership, /visits on 7 Jan and its first visit's button (0 Complete, 1 Skip,
    2 Reschedule) pressed: the membership and the form that opened."""
    at(slack.shop, date(2025, 1, 7))
    m = sold(slack)
    reply = slack.command("/visits", "acme", user=STAFF)
    pressed = buttons(reply)[button]
    press(slack, reply, pressed["action_id"], pressed["value"])
    return m, form(slack)


def told(slack: Slack, user: str = STAFF) -> str:
    said = wait_until(
        lambda: [m for m in slack.standin.messages if m.ephemeral_to == user and m.channel == CHANNEL],
        what="the confirmation",
    )
    return str(said[-1].text)


def test_the_next_two_weeks_with_a_button_row_under_each_visit(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 6))
    sold(slack)
    reply = slack.command("/visits", "", user=STAFF)
    assert reply["text"].startswith("*Visits*, overdue and to Mon 20 Jan 2025")
    lines = [b["text"]["text"] for b in reply["blocks"][1:] if b["type"] == "section"]
    assert lines == [
        "*Tue 7 Jan 2025 09:00* Acme Heating: HVAC maintenance / Filter change",
        "*Tue 14 Jan 2025 09:00* Acme Heating: HVAC maintenance / Filter change",
    ]
    labels = [e["text"]["text"] for e in buttons(reply)]
    assert labels == ["Complete", "Skip", "Reschedule", "Assign"] * 2


def test_a_customers_visits_over_a_range_and_the_planning_horizon(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 6))
    sold(slack)
    reply = slack.command("/visits", "acme from 1 Mar 2025 to 31 Mar 2025", user=STAFF)
    assert reply["text"].startswith("*Visits* of *Acme Heating (Ann Lee)* from Sat 1 Mar to Mon 31 Mar 2025")
    lines = [b["text"]["text"] for b in reply["blocks"] if b["type"] == "section"][1:]
    assert len(lines) == 5 and "Tune-up" in lines[2]  # four Tuesdays and the tune-up on the 15th
    far = slack.command("/visits", "acme from in 6 months to in 7 months", user=STAFF)
    assert "No visits to do for *Acme Heating (Ann Lee)*" in far["text"]


def test_a_long_list_comes_a_page_at_a_time(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 6))
    sold(slack)
    sold(slack, "Birch Bakery")
    reply = slack.command("/visits", "from today to in 6 weeks", user=STAFF)
    assert "(1 to" not in reply["text"]  # six Tuesdays each: one page
    reply = slack.command("/visits", "from today to in 12 weeks", user=STAFF)
    assert "(1 to 15 of 26)" in reply["text"]  # twelve Tuesdays and a tune-up each
    more = [e for e in buttons(reply) if e["action_id"] == Action.MORE]
    message = Posted(CHANNEL, str(reply["text"]), reply["blocks"], ephemeral_to=STAFF, ts="1.000001")
    http, response_id = slack.driver.click(Action.MORE, more[0]["value"], user=STAFF, message=message)
    assert http.status_code == 200
    page = wait_until(lambda: slack.standin.replies(response_id), what="the next page")[-1]
    assert "(16 to 26 of 26)" in page["text"]


def test_complete_with_a_note_from_the_button(slack: Slack) -> None:
    m, view = opened_on_7_jan(slack, 0)
    assert view["title"]["text"] == "Complete a visit"
    assert "Tue 7 Jan 2025 09:00" in view["blocks"][0]["text"]["text"]
    slack.driver.submit(STAFF, {"note": "Filter replaced, coil cleaned"})
    assert told(slack).startswith("Done: *Tue 7 Jan 2025 09:00* — Acme Heating")
    with slack.shop.tx(write=False) as ctx:
        done = visits.visits_of(ctx, m)[0]
        assert (done.status, done.note) == (VisitStatus.COMPLETED, "Filter replaced, coil cleaned")
        report = memberships.report(ctx, m)
    assert report.progress[0].completed == 1


def test_skip_needs_a_reason_and_writes_nothing_without_one(slack: Slack) -> None:
    m, _ = opened_on_7_jan(slack, 1)
    answer = slack.driver.submit(STAFF, {"note": ""})
    assert answer["response_action"] == "errors" and "reason" in answer["errors"]["note"].lower()
    with slack.shop.tx(write=False) as ctx:
        assert visits.visits_of(ctx, m)[0].status is VisitStatus.UPCOMING
    slack.driver.submit(STAFF, {"note": "Customer away"})
    assert told(slack).startswith("Skipped:")
    with slack.shop.tx(write=False) as ctx:
        assert visits.visits_of(ctx, m)[0].status is VisitStatus.SKIPPED


def test_reschedule_refuses_a_past_day_under_the_field_then_moves_it(slack: Slack) -> None:
    m, view = opened_on_7_jan(slack, 2)
    assert view["blocks"][1]["element"]["initial_date"] == "2025-01-07"
    answer = slack.driver.submit(STAFF, {"date": "2025-01-02"})
    assert "in the past" in answer["errors"]["date"]
    slack.driver.submit(STAFF, {"date": "2025-01-09"})
    assert told(slack).startswith("Moved to Thu 9 Jan 2025 09:00")
    with slack.shop.tx(write=False) as ctx:
        moved = visits.visits_of(ctx, m)[0]
    assert (moved.due_on, moved.rescheduled_from) == (date(2025, 1, 9), date(2025, 1, 7))


def test_someone_without_a_role_sees_nothing_and_cannot_close_a_visit(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 7))
    m = sold(slack)
    assert "You need the" in slack.command("/visits", "", user="UOUTSIDER")["text"]
    reply = slack.command("/visits", "acme", user=STAFF)
    first = buttons(reply)[0]
    press(slack, reply, first["action_id"], first["value"], user="UOUTSIDER")

    def notice() -> dict[str, Any] | None:
        view = slack.standin.top_modal("UOUTSIDER")
        return view if view and view.get("callback_id") == "notice" else None

    assert "You need the" in json.dumps(wait_until(notice, what="a notice"))
    with slack.shop.tx(write=False) as ctx:
        assert visits.visits_of(ctx, m)[0].status is VisitStatus.UPCOMING


def test_help_bad_dates_and_unknown_customers_answer_with_what_to_type(slack: Slack) -> None:
    assert "`/visits <customer>`" in slack.command("/visits", "help", user=STAFF)["text"]
    assert "is not a date I understand" in slack.command("/visits", "from someday", user=STAFF)["text"]
    assert "before the first" in slack.command("/visits", "from 2025-03-10 to 2025-03-01", user=STAFF)["text"]
    assert slack.command("/visits", "nobody", user=STAFF)["text"].startswith("No customer matches “nobody”")


def test_the_home_lists_todays_visits_with_a_menu_that_completes_one(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 6))  # a Monday: tomorrow's filter change is on the Home
    m = sold(slack)
    assert slack.driver.open_home(STAFF).status_code == 200
    home = wait_until(lambda: slack.standin.homes.get(STAFF), what="the Home")
    menus = [b for b in home["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    assert [b["text"]["text"] for b in menus] == [
        "• Tue 7 Jan 2025 09:00 Acme Heating: HVAC maintenance / Filter change"
    ]
    action_id = menus[0]["accessory"]["action_id"]
    http, _ = slack.driver.click(action_id, Action.COMPLETE, user=STAFF, home=home, kind="overflow")
    assert http.status_code == 200
    form(slack)
    slack.driver.submit(STAFF, {"note": "Done early"})
    said = wait_until(
        lambda: [p for p in slack.standin.messages if p.channel == STAFF and p.text.startswith("Done:")],
        what="the confirmation in the app's DM",
    )
    assert "Acme Heating" in said[-1].text
    with slack.shop.tx(write=False) as ctx:
        assert visits.visits_of(ctx, m)[0].status is VisitStatus.COMPLETED


def test_someone_who_cannot_work_visits_sees_them_without_a_menu(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 6))
    sold(slack)
    with slack.shop.tx() as ctx:
        roles.grant(ctx, "USPECIALIST2", "specialist")
    assert slack.driver.open_home("USPECIALIST2").status_code == 200
    home = wait_until(lambda: slack.standin.homes.get("USPECIALIST2"), what="the Home")
    assert not [b for b in home["blocks"] if "accessory" in b]
    assert "Tue 7 Jan 2025 09:00 Acme Heating" in "\n".join(
        b["text"]["text"] for b in home["blocks"] if b["type"] == "section"
    )
