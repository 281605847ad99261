"""/customers end to end: search, a page at a time, and the add-a-customer form."""

from __future__ import annotations

from bot.standin import Posted
from core.customers import service as customers
from core.customers.service import CustomerInput, add_customer
from tests.bot.conftest import Slack, wait_until
from tests.conftest import STAFF


def test_customers_search_and_nothing_found(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin Spa", contact="Joao", email="joao@bluefin.example"))
    found = slack.command("/customers", "blue", user=STAFF)["text"]
    assert "• Blue Fin Spa (Joao) — joao@bluefin.example" in found
    assert "No customer matches “zzz”" in slack.command("/customers", "zzz", user=STAFF)["text"]
    assert "`/customers <search>`" in slack.command("/customers", "", user=STAFF)["text"]


def test_long_lists_come_a_page_at_a_time_with_a_more_button(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        for n in range(45):
            add_customer(ctx, CustomerInput(company=f"Harbour Unit {n:02d}"))
    first = slack.command("/customers", "harbour", user=STAFF)
    assert "(1 to 20 of 45)" in first["text"] and first["text"].count("• Harbour Unit") == 20
    more = first["blocks"][-1]["elements"][0]
    message = Posted("CFRONTDESK", first["text"], first["blocks"], ephemeral_to=STAFF, ts="1.000001")
    _, response_id = slack.driver.click(more["action_id"], more["value"], user=STAFF, message=message)
    second = wait_until(lambda: slack.standin.replies(response_id), what="the second page")[-1]
    assert "(21 to 40 of 45)" in second["text"] and "Harbour Unit 00" not in second["text"]
    assert second["replace_original"] is True


def test_customers_add_form_checks_every_field(slack: Slack) -> None:
    slack.open_modal("/customers", "add Blue Fin", user=STAFF, callback_id="customer_add")
    wrong = slack.driver.submit(STAFF, {"email": "not-an-email", "phone": "call me"})
    assert wrong["response_action"] == "errors" and set(wrong["errors"]) == {"email", "phone"}
    assert slack.driver.submit(STAFF, {"contact": "João", "email": "joao@bluefin.example"}) == {}
    with slack.shop.tx(write=False) as ctx:
        found = customers.search_customers(ctx, "blue fin")
    assert [(c.company, c.contact, c.email) for c in found] == [("Blue Fin", "João", "joao@bluefin.example")]
    assert "admin" in slack.command("/customers", "add", user="UOUTSIDER")["text"]
