"""Assigning a visit to a technician over real HTTP: the Assign button's form (a users_select),
the Home's menu, who is assigned shown by /visits, and `/visits mine`."""

from __future__ import annotations

from datetime import date

from bot.listeners.visits.ids import Action
from core.visits import service as visits
from core.workspace import roles
from tests.bot.conftest import Slack, wait_until
from tests.bot.visits.test_visits import buttons, form, press, sold, told
from tests.conftest import STAFF
from tests.integration.credit_helpers import at

TECH = "UTECH1"


def with_technician(slack: Slack) -> int:
    at(slack.shop, date(2025, 1, 7))
    with slack.shop.tx() as ctx:
        roles.grant(ctx, TECH, "staff")
        roles.grant(ctx, "USPECIALIST3", "specialist")
    return sold(slack)


def test_the_assign_button_gives_a_visit_to_a_technician_and_visits_shows_it(slack: Slack) -> None:
    m = with_technician(slack)
    reply = slack.command("/visits", "acme", user=STAFF)
    assign = buttons(reply)[3]
    assert assign["text"]["text"] == "Assign"
    press(slack, reply, assign["action_id"], assign["value"])
    view = form(slack)
    assert view["title"]["text"] == "Assign a visit"
    assert slack.driver.submit(STAFF, {"assignee": TECH}) == {}
    assert told(slack).startswith(f"Assigned to <@{TECH}>: *Tue 7 Jan 2025 09:00*")
    with slack.shop.tx(write=False) as ctx:
        assert [v.assignee for v in visits.visits_of(ctx, m)][:2] == [TECH, None]
    lines = [b["text"]["text"] for b in slack.command("/visits", "", user=STAFF)["blocks"][1:3:2]]
    assert lines[0].endswith(f"Filter change — <@{TECH}>")
    mine = slack.command("/visits", "mine", user=TECH)
    assert mine["text"].startswith("*Your visits*, overdue and to")
    assert [b["text"]["text"] for b in mine["blocks"] if b["type"] == "section"][1:] == [
        f"*Tue 7 Jan 2025 09:00* Acme Heating: HVAC maintenance / Filter change — <@{TECH}>"
    ]
    nothing = slack.command("/visits", "mine", user=STAFF)["text"]
    assert nothing.startswith("No visits assigned to you to do")


def test_someone_who_cannot_work_visits_is_refused_in_the_field(slack: Slack) -> None:
    m = with_technician(slack)
    reply = slack.command("/visits", "acme", user=STAFF)
    press(slack, reply, buttons(reply)[3]["action_id"], buttons(reply)[3]["value"])
    form(slack)
    answer = slack.driver.submit(STAFF, {"assignee": "USPECIALIST3"})
    assert answer["response_action"] == "errors"
    assert "someone who works visits" in answer["errors"]["assignee"]
    with slack.shop.tx(write=False) as ctx:
        assert visits.visits_of(ctx, m)[0].assignee is None


def test_the_home_menu_assigns_too(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 6))
    with slack.shop.tx() as ctx:
        roles.grant(ctx, TECH, "staff")
    m = sold(slack)
    assert slack.driver.open_home(STAFF).status_code == 200
    home = wait_until(lambda: slack.standin.homes.get(STAFF), what="the Home")
    menu = next(b for b in home["blocks"] if b.get("accessory", {}).get("type") == "overflow")
    http, _ = slack.driver.click(
        menu["accessory"]["action_id"], Action.ASSIGN, user=STAFF, home=home, kind="overflow"
    )
    assert http.status_code == 200
    form(slack)
    assert slack.driver.submit(STAFF, {"assignee": TECH}) == {}
    with slack.shop.tx(write=False) as ctx:
        assert visits.visits_of(ctx, m)[0].assignee == TECH
