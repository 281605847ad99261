"""App Home, per role, published when the user opens the Home tab."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.standin import Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer
from core.memberships import service as memberships
from tests.bot.conftest import Slack, wait_until
from tests.conftest import ADMIN, MANAGER, STAFF
from tests.integration.credit_helpers import at
from tests.integration.helpers import plan_by_name, with_services


def home_of(slack: Slack, user: str) -> str:
    http = slack.driver.open_home(user)
    assert http.status_code == 200
    view: dict[str, Any] = wait_until(lambda: slack.standin.homes.get(user), what=f"the Home of {user}")
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    return "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")


def test_managers_see_approvals_everyone_sees_expiring_credits_and_services(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))  # a Monday
    with slack.shop.tx() as ctx:
        gold = with_services(ctx)  # a filter change every Tuesday
        ann = add_customer(ctx, CustomerInput(company="Ann's Cafe"))
        bo = add_customer(ctx, CustomerInput(company="Bo's Bakery"))
        ledger.grant(
            ctx, ann.id, Unit.CREDIT, Decimal(3), key="soon", expires_at=ctx.now() + timedelta(days=3)
        )
        ledger.grant(
            ctx, ann.id, Unit.CREDIT, Decimal(9), key="later", expires_at=ctx.now() + timedelta(days=30)
        )
    with slack.shop.tx(STAFF) as ctx:
        live = memberships.assign(ctx, ann.id, gold.id, date(2025, 1, 1))
        pending = memberships.assign(ctx, bo.id, plan_by_name(ctx, "Silver").id, date(2025, 2, 1))
    with slack.shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, live.id)
    manager = home_of(slack, MANAGER)
    assert f"*{pending.reference}* New membership: *Bo's Bakery*, Silver from Sat 1 Feb 2025" in manager
    assert "• Ann's Cafe: 3 credits, last day Thu 16 Jan 2025" in manager and "9 credits" not in manager
    assert "• Tue 14 Jan 2025 09:00 Ann's Cafe: HVAC maintenance / Filter change" in manager
    staff = home_of(slack, STAFF)
    assert "Waiting for your approval" not in staff and "Ann's Cafe: 3 credits" in staff


def test_someone_without_a_role_is_told_how_to_get_one(slack: Slack) -> None:
    assert "Ask an admin to give you one" in home_of(slack, "UOUTSIDER")


def quick_buttons(slack: Slack, user: str) -> list[str]:
    home_of(slack, user)
    view = slack.standin.homes[user]
    return [e["action_id"] for b in view["blocks"] if b.get("block_id") == "quick" for e in b["elements"]]


def test_quick_buttons_follow_the_role(slack: Slack) -> None:
    assert quick_buttons(slack, STAFF) == ["home_sell", "home_redeem", "home_customer"]
    assert quick_buttons(slack, ADMIN)[-3:] == ["home_plan", "home_settings", "home_roles"]


def press_home(slack: Slack, user: str, action_id: str, callback_id: str) -> dict[str, Any]:
    home_of(slack, user)
    home = Posted(f"D{user}", "", slack.standin.homes[user]["blocks"])
    http, _ = slack.driver.click(action_id, "", user=user, message=home)
    assert http.status_code == 200

    def opened() -> dict[str, Any] | None:
        view = slack.standin.top_modal(user)
        return view if view and view.get("callback_id") == callback_id else None

    view: dict[str, Any] = wait_until(opened, what=f"the {callback_id} form")
    return view


def test_a_sale_refreshes_the_managers_home_and_a_decision_refreshes_it_again(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 13))
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Ann's Cafe"))
    assert "Nothing is waiting for your approval" in home_of(slack, MANAGER)
    slack.command("/membership", "assign ann gold", user=STAFF)
    wait_until(
        lambda: "Ann's Cafe*, Gold" in str(slack.standin.homes.get(MANAGER)),
        what="the manager's Home to refresh",
    )
    assert "assign" in str(slack.standin.homes[MANAGER])  # recent activity


def test_a_quick_button_pressed_by_someone_without_its_role_opens_no_form(slack: Slack) -> None:
    """Staff are not shown "New plan", but a crafted press of it reaches core, which refuses the
    plan form to whoever lacks the permission to save it (core/plans/flows.plan_form)."""
    home_of(slack, STAFF)
    home = Posted(f"D{STAFF}", "", slack.standin.homes[STAFF]["blocks"])
    http, _ = slack.driver.click("home_plan", "", user=STAFF, message=home)
    assert http.status_code == 200

    def refusal() -> str | None:
        view = slack.standin.top_modal(STAFF)
        text = str(view.get("blocks")) if view else ""
        return text if "admin role" in text else None

    assert "manage plans" in wait_until(refusal, what="the refusal in the modal")
    view = slack.standin.top_modal(STAFF)
    assert view is not None and not [b for b in view["blocks"] if b["type"] == "input"]
