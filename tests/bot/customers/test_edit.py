"""Correcting a customer through the real Bolt app: /customers edit and a search's Edit buttons open
the form filled in; core's errors land under their fields, nothing written; the confirmation says
what changed; none and the wrong role are answered in place, several with the picker."""

from __future__ import annotations

from typing import Any

from bot.standin import Posted
from core.catalog import locations as catalog
from core.customers.service import CustomerInput, CustomerView, add_customer, get_customer, search_customers
from tests.bot.conftest import Slack, wait_until
from tests.conftest import NOBODY, SPECIALIST, STAFF

CHANNEL = "CFRONTDESK"


def cafe(slack: Slack) -> CustomerView:
    with slack.shop.tx() as ctx:
        catalog.add_location(ctx, "Downtown")
        catalog.add_location(ctx, "North")
        return add_customer(
            ctx,
            CustomerInput(
                company="Cafe Muler", contact="Anna", email="anna@cafe.example", location="Downtown"
            ),
        )


def initial(view: dict[str, Any]) -> dict[str, Any]:
    """What each input of the form shows before anyone types."""
    shown: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element", {})
        if block["type"] == "input":
            chosen = element.get("initial_option")
            shown[block["block_id"]] = chosen["value"] if chosen else element.get("initial_value")
    return shown


def told(slack: Slack, user: str) -> str:
    said = wait_until(
        lambda: [m for m in slack.standin.messages if m.channel == CHANNEL and m.ephemeral_to == user],
        what="the confirmation",
    )
    return str(said[-1].text)


def stored(slack: Slack, customer_id: int) -> CustomerView:
    with slack.shop.tx(write=False) as ctx:
        return get_customer(ctx, customer_id)


def test_the_form_opens_filled_in_and_saving_says_what_changed(slack: Slack) -> None:
    added = cafe(slack)
    view = slack.open_modal("/customers", "edit cafe muler", user=STAFF, callback_id="customer_edit")
    assert initial(view) == {
        "company": "Cafe Muler",
        "contact": "Anna",
        "email": "anna@cafe.example",
        "phone": None,
        "location": "Downtown",
        "notes": None,
        "unsubscribed": None,  # checkboxes, none ticked
    }
    answer = slack.driver.submit(STAFF, {"company": "Café Müller", "email": "anna@cafe-mueller.example"})
    assert answer == {}
    said = told(slack, STAFF)
    assert "Renamed “Cafe Muler” to “Café Müller”; e-mail set to “anna@cafe-mueller.example”." in said
    assert "`/membership assign Café Müller`" in said
    assert (stored(slack, added.id).company, stored(slack, added.id).email) == (
        "Café Müller",
        "anna@cafe-mueller.example",
    )
    with slack.shop.tx(write=False) as ctx:
        assert [c.id for c in search_customers(ctx, "cafe muller")] == [added.id]


def test_every_field_error_under_its_field_and_nothing_written(slack: Slack) -> None:
    added = cafe(slack)
    slack.open_modal("/customers", "edit cafe", user=STAFF, callback_id="customer_edit")
    wrong = slack.driver.submit(STAFF, {"company": "", "contact": "", "email": "nope", "phone": "call me"})
    assert wrong["response_action"] == "errors"
    assert set(wrong["errors"]) == {"company", "email", "phone"}
    assert wrong["errors"]["company"] == "Give a company name or a contact person."
    assert stored(slack, added.id) == added
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin", email="joao@bluefin.example"))
    taken = slack.driver.submit(STAFF, {"email": "joao@bluefin.example"})
    assert taken["errors"] == {"email": "Blue Fin already has the email joao@bluefin.example."}
    assert stored(slack, added.id) == added


def test_none_or_several_customers_are_answered_in_place(slack: Slack) -> None:
    cafe(slack)
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Cafe Rosa"))
    missing = slack.command("/customers", "edit zed", user=STAFF)["text"]
    assert (
        missing
        == "No customer matches “zed”. Add one with `/customers add`, or try part of the company or contact "
        "name."
    )
    several = slack.command("/customers", "edit cafe", user=STAFF)
    assert several["text"].startswith("Several customers match “cafe”; which one?")
    assert "• Cafe Muler (Anna)" in several["text"] and "• Cafe Rosa" in several["text"]
    assert "`/customers edit <customer>`" in slack.command("/customers", "edit", user=STAFF)["text"]
    assert slack.standin.top_modal(STAFF) is None
    # each choice beside the picker's button, which runs `/customers edit #<id>`: that customer's form
    assert [b["text"]["text"] for b in several["blocks"][1:]] == ["• Cafe Rosa", "• Cafe Muler (Anna)"]
    rosa = several["blocks"][1]["accessory"]
    assert rosa["action_id"] == "pick:0"
    message = Posted(CHANNEL, several["text"], several["blocks"], ephemeral_to=STAFF, ts="1.000001")
    slack.driver.click(rosa["action_id"], rosa["value"], user=STAFF, message=message)
    view = wait_until(
        lambda: (v := slack.standin.top_modal(STAFF)) and v.get("callback_id") == "customer_edit" and v,
        what="the edit form",
    )
    assert initial(view)["company"] == "Cafe Rosa"


def test_a_user_without_the_role_is_refused_and_sees_no_edit_buttons(slack: Slack) -> None:
    cafe(slack)
    for user in (SPECIALIST, NOBODY):
        refused = slack.command("/customers", "edit cafe", user=user)["text"]
        assert "add or edit customers" in refused, user
        assert slack.standin.top_modal(user) is None
    listed = slack.command("/customers", "cafe", user=SPECIALIST)
    assert "• Cafe Muler (Anna) — anna@cafe.example" in listed["text"]
    assert not any("accessory" in block for block in listed["blocks"])


def test_a_searchs_edit_button_opens_the_form(slack: Slack) -> None:
    added = cafe(slack)
    listed = slack.command("/customers", "cafe", user=STAFF)
    assert listed["text"].startswith("*Customers matching “cafe”*")  # the text fallback is unchanged
    edit = listed["blocks"][1]["accessory"]
    assert (edit["action_id"], edit["value"]) == (f"customer_edit:{added.id}", str(added.id))
    message = Posted(CHANNEL, listed["text"], listed["blocks"], ephemeral_to=STAFF, ts="1.000001")
    slack.driver.click(edit["action_id"], edit["value"], user=STAFF, message=message)
    view = wait_until(
        lambda: (v := slack.standin.top_modal(STAFF)) and v.get("callback_id") == "customer_edit" and v,
        what="the edit form",
    )
    assert initial(view)["company"] == "Cafe Muler"
    options = [
        o["value"] for b in view["blocks"] if b["block_id"] == "location" for o in b["element"]["options"]
    ]
    assert options == ["-", "Downtown", "North"]  # "No location" first: a chosen menu cannot be emptied
    assert slack.driver.submit(STAFF, {"phone": "+1 555 0100", "location": "-"}) == {}
    assert "*Cafe Muler*: phone set to “+1 555 0100”; location removed." in told(slack, STAFF)
    assert stored(slack, added.id).location == ""
    assert "`/customers edit <customer>`" in slack.command("/customers", "help", user=STAFF)["text"]
