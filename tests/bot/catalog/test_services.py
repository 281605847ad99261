"""/services end to end through the Bolt app: the list, the add and edit forms (every bad field
at once, nothing written), disable and enable, a location's price, the role refusal, and the
equality-template forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.standin import Posted
from core.catalog import locations as catalog
from core.catalog import services
from core.catalog.services import ServiceInput, ServiceKind
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, STAFF


def add(slack: Slack, name: str, **fields: Any) -> services.ServiceView:
    with slack.shop.tx() as ctx:
        return services.create_service(ctx, ServiceInput(name, **fields))


def test_services_lists_prices_categories_durations_and_location_prices(slack: Slack) -> None:
    add(slack, "Massage 60", category="Massage", price=Decimal(100), duration_minutes=60)
    add(slack, "Oil", kind=ServiceKind.PRODUCT, price=Decimal("18.50"))
    add(slack, "Consultation")
    with slack.shop.tx() as ctx:
        catalog.add_location(ctx, "Downtown")
    priced = slack.command("/services", "price massage 60 at downtown 110")["text"]
    assert "*Massage 60* costs $110.00 at Downtown" in priced
    text = slack.command("/services", "", user=STAFF)["text"]
    assert "• *Massage 60*: $100.00, Massage, 60 min; $110.00 at Downtown" in text
    assert "• *Oil* (product): $18.50" in text
    assert "• *Consultation*: priced at checkout" in text


def test_help_and_unknown_subcommands(slack: Slack) -> None:
    assert "`/services template new`" in slack.command("/services", "help")["text"]
    assert (
        "`/services frobnicate` is not a services command" in slack.command("/services", "frobnicate")["text"]
    )
    assert "No services or products yet" in slack.command("/services", "")["text"]


def test_the_add_form_reports_every_bad_field_and_writes_nothing(slack: Slack) -> None:
    slack.open_modal("/services", "add", callback_id="service_form")
    wrong = slack.driver.submit(ADMIN, {"name": "Massage 60", "price": "a lot", "duration_minutes": "long"})
    assert wrong["response_action"] == "errors" and set(wrong["errors"]) == {"price", "duration_minutes"}
    with slack.shop.tx(write=False) as ctx:
        assert services.list_services(ctx) == []
    done = slack.driver.submit(
        ADMIN, {"name": "Massage 60", "price": "100", "duration_minutes": "60", "category": "Massage"}
    )
    assert done["response_action"] == "update"
    said = done["view"]["blocks"][0]["text"]["text"]
    assert (
        "*Massage 60* is in the catalogue at $100.00" in said
        and "/checkout <customer>: 1 x Massage 60 @ 100.00" in said
    )
    with slack.shop.tx(write=False) as ctx:
        made = services.find_service(ctx, "massage 60")
    assert made is not None and (made.price, made.duration_minutes, made.category) == (
        Decimal("100.00"),
        60,
        "Massage",
    )


def test_add_with_a_name_fills_it_in(slack: Slack) -> None:
    view = slack.open_modal("/services", "add Hot stones", callback_id="service_form")
    name = next(b for b in view["blocks"] if b["block_id"] == "name")
    assert name["element"]["initial_value"] == "Hot stones"


def test_the_edit_form_opens_with_the_service_and_saves_it(slack: Slack) -> None:
    made = add(slack, "Facial", price=Decimal(80), duration_minutes=45)
    view = slack.open_modal("/services", "edit facial", callback_id="service_form")
    names = [b for b in view["blocks"] if b.get("block_id") == "name"]
    assert names[0]["element"]["initial_value"] == "Facial"
    done = slack.driver.submit(ADMIN, {"name": "Facial deluxe", "price": "95", "kind": "service"})
    assert "*Facial deluxe* is saved at $95.00" in done["view"]["blocks"][0]["text"]["text"]
    with slack.shop.tx(write=False) as ctx:
        assert services.get_service(ctx, made.id).price == Decimal("95.00")
    assert "No service or product matches “zzz”" in slack.command("/services", "edit zzz")["text"]


def test_disable_and_enable(slack: Slack) -> None:
    add(slack, "Manicure")
    off = slack.command("/services", "disable manicure")["text"]
    assert "*Manicure* is disabled" in off
    assert "*Manicure* — _disabled_" in slack.command("/services", "")["text"]
    assert "*Manicure* is sold again" in slack.command("/services", "enable Manicure")["text"]


def test_non_admins_get_the_role_message_and_nothing_opens(slack: Slack) -> None:
    add(slack, "Manicure")
    for text in ("add", "edit manicure", "disable manicure", "template new"):
        said = slack.command("/services", text, user=STAFF)["text"]
        assert "You need the" in said and "admin" in said, text
    with slack.shop.tx(write=False) as ctx:
        assert services.list_services(ctx)[0].active


def test_templates_are_created_edited_and_listed(slack: Slack) -> None:
    short = add(slack, "Massage 30", duration_minutes=30)
    long = add(slack, "Massage 60", duration_minutes=60)
    add(slack, "Oil", kind=ServiceKind.PRODUCT)
    assert "No equality templates yet" in slack.command("/services", "templates")["text"]
    view = slack.open_modal("/services", "template new", callback_id="equality_template_form")
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == ["name", f"costs.{short.id}", f"costs.{long.id}"]  # services, not products
    wrong = slack.driver.submit(ADMIN, {"name": "Massage minutes", f"costs.{short.id}": "one"})
    assert set(wrong["errors"]) == {f"costs.{short.id}"}
    with slack.shop.tx(write=False) as ctx:
        assert services.list_templates(ctx) == []
    done = slack.driver.submit(
        ADMIN, {"name": "Massage minutes", f"costs.{short.id}": "1", f"costs.{long.id}": "2"}
    )
    assert (
        "*Massage minutes* is a new equality template: Massage 30 1, Massage 60 2"
        in done["view"]["blocks"][0]["text"]["text"]
    )
    listed = slack.command("/services", "templates", user=STAFF)["text"]
    assert "• *Massage minutes*: Massage 30 1, Massage 60 2" in listed
    slack.open_modal("/services", "template edit minutes", callback_id="equality_template_form")
    done = slack.driver.submit(ADMIN, {f"costs.{long.id}": "3"})
    assert (
        "*Massage minutes* is saved: Massage 30 1, Massage 60 3" in done["view"]["blocks"][0]["text"]["text"]
    )


def test_a_long_catalogue_comes_a_page_at_a_time(slack: Slack) -> None:
    with slack.shop.tx() as ctx:
        for n in range(25):
            services.create_service(ctx, ServiceInput(f"Treatment {n:02d}", price=Decimal(n)))
    first = slack.command("/services", "", user=STAFF)
    assert "(1 to 20 of 25)" in first["text"] and first["text"].count("• *Treatment") == 20
    more = first["blocks"][-1]["elements"][0]
    message = Posted("CFRONTDESK", first["text"], first["blocks"], ephemeral_to=STAFF, ts="1.000001")
    _, response_id = slack.driver.click(more["action_id"], more["value"], user=STAFF, message=message)
    second = wait_until(lambda: slack.standin.replies(response_id), what="the second page")[-1]
    assert "(21 to 25 of 25)" in second["text"] and "Treatment 00" not in second["text"]
