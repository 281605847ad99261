"""The sandbox's demo ships sales waiting for approval: its manager approves one from the Home,
through the real bot, as in the sandbox's page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app
from bot.deps import Deps
from bot.local_server import Running
from bot.sandbox import people
from bot.sandbox.run import open_database, set_up
from bot.server import create_server
from bot.settings import Settings
from bot.standin import Driver, SlackStandIn
from cli.demo import seed_sandbox
from core.context import transaction
from core.customers import service as customers
from core.kernel.clock import Clock
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from storage.uow import Database
from tests.bot.conftest import SECRET, TOKEN, wait_until


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Database, Clock, SlackStandIn, Driver]]:
    db, _ = open_database(tmp_path / "sandbox.sqlite")
    clock = set_up(db, seed_sandbox)
    standin = SlackStandIn(team=people.TEAM, bot_token=TOKEN)
    fake = Running(standin.web_app())
    standin.url = fake.url
    settings = Settings(
        signing_secret=SECRET,
        bot_token=TOKEN,
        database_url=db.url,
        port=0,
        api_url=f"{fake.url}/api/",
        admins=(people.ADMIN.id,),
    )
    bot = Running(
        create_server(build_app(settings, Deps(db, clock, settings.admins)), db, signing_secret=SECRET)
    )
    try:
        yield db, clock, standin, Driver(bot.url, fake.url, SECRET, people.TEAM, standin)
    finally:
        bot.stop()
        fake.stop()
        db.dispose()
    assert standin.problems == []


def status_of(db: Database, clock: Clock, company: str) -> Status:
    with transaction(db, people.TEAM, people.ADMIN.id, clock, write=False) as ctx:
        (customer,) = customers.search_customers(ctx, company, limit=2)
        (m,) = memberships.memberships_of(ctx, customer.id)
        return m.status


def test_the_demo_manager_approves_a_demo_sale_from_the_home(demo: tuple[Any, ...]) -> None:
    db, clock, standin, driver = demo
    manager = people.MANAGER.id
    assert status_of(db, clock, "Harbour Gym") is Status.PENDING
    assert driver.open_home(manager).status_code == 200
    view: dict[str, Any] = wait_until(lambda: standin.homes.get(manager), what="the manager's Home")
    (section,) = [
        i
        for i, b in enumerate(view["blocks"])
        if b["type"] == "section" and "*Harbour Gym*" in b["text"]["text"]
    ]
    approve = view["blocks"][section + 1]["elements"][0]
    assert approve["text"]["text"] == "Approve"
    assert "Summit Climbing" in str(view)  # the demo's other sale waiting
    http, _ = driver.click(approve["action_id"], approve["value"], user=manager, home=view)
    assert http.status_code == 200
    wait_until(lambda: status_of(db, clock, "Harbour Gym") is Status.ACTIVE, what="the demo sale approved")
    wait_until(lambda: "Harbour Gym" not in str(standin.homes[manager]), what="the Home refreshed")
    seller = people.STAFF.id
    told = wait_until(
        lambda: [m.text for m in standin.messages if m.channel == seller and "approved" in m.text],
        what="Sam told",
    )
    assert f"by <@{manager}>" in told[-1]
