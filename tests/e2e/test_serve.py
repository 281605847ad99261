"""End to end: `memberbot serve` started as its own process, as an operator starts it, over HTTP
against the Slack stand-in, on the test database. It runs two serving processes under its
supervisor (one per core, as on PostgreSQL by default), so requests land on either. The bot's
clock is the real one here, so these tests use dates relative to today."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.listeners.credits.ids import CreditsAction
from bot.listeners.memberships.ids import MembershipAction
from bot.local_server import Running, free_port
from bot.standin import Driver, Posted, SlackStandIn
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers.service import CustomerInput, add_customer
from core.memberships import service as memberships
from core.plans import service as plans
from storage.uow import Database
from tests.bot.conftest import SECRET, TOKEN, wait_until
from tests.conftest import ADMIN, MANAGER, STAFF, Shop


@dataclass
class Served:
    url: str
    standin: SlackStandIn
    standin_url: str
    supervisor: int  # the pid of `memberbot serve`


def serving(supervisor: int) -> list[int]:
    """The serving processes `memberbot serve` started (multiprocessing's helper excluded)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == supervisor and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def served(db: Database) -> Iterator[Served]:
    standin = SlackStandIn(team="TSERVE", bot_token=TOKEN)
    fake = Running(standin.web_app())
    standin.url = fake.url
    port = free_port()
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": f"{fake.url}/api/",
        "DATABASE_URL": db.url,
        "PORT": str(port),
        "MEMBERBOT_ADMINS": ADMIN,
        "MEMBERBOT_SCHEDULER": "off",  # the database is shared by the session's tests
        "MEMBERBOT_PROCESSES": "2",
    }
    for unset in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        env.pop(unset, None)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "memberbot"), "serve", "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else "exited"
        try:
            return bool(httpx.get(f"{url}/healthz", timeout=1).json() == {"ok": True})
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, what="memberbot serve to answer /healthz", timeout=120)
        wait_until(lambda: len(serving(process.pid)) == 2, what="two serving processes", timeout=60)
        yield Served(url, standin, fake.url, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        fake.stop()


@pytest.fixture
def driver(served: Served, shop: Shop) -> Driver:
    return Driver(served.url, served.standin_url, SECRET, shop.team, served.standin)


def command(
    served: Served, driver: Driver, text: str, *, user: str, name: str = "/credits"
) -> dict[str, object]:
    http, response_id = driver.slash(name, text, user=user)
    assert http.status_code == 200, http.text
    reply = wait_until(lambda: served.standin.replies(response_id), what=f"a reply to {name} {text}")[-1]
    assert isinstance(reply, dict)
    return reply


def replied(served: Served, response_id: str) -> Callable[[], list[dict[str, Any]]]:
    return lambda: served.standin.replies(response_id)


def test_serve_answers_health_and_refuses_a_forged_signature(
    served: Served, driver: Driver, shop: Shop
) -> None:
    assert httpx.get(f"{served.url}/healthz").json() == {"ok": True}
    forged, _ = driver.slash("/credits", "help", user=STAFF, secret="not-the-secret")
    assert forged.status_code == 401
    assert "`/credits <customer>`" in str(command(served, driver, "help", user=STAFF)["text"])


@pytest.mark.faults
def test_a_serving_process_that_dies_is_replaced_and_the_bot_keeps_answering(
    served: Served, driver: Driver
) -> None:
    before = serving(served.supervisor)
    os.kill(before[0], signal.SIGKILL)
    for _ in range(6):  # answered meanwhile by the one left
        assert "`/credits <customer>`" in str(command(served, driver, "help", user=STAFF)["text"])
    wait_until(
        lambda: len(now := serving(served.supervisor)) == 2 and before[0] not in now,
        what="a new serving process",
        timeout=60,
    )
    assert httpx.get(f"{served.url}/healthz").json() == {"ok": True}


def test_sell_approve_redeem_and_an_unknown_customer(served: Served, driver: Driver, shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx, CustomerInput(company="Harbour Gym")).id
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
    reply = command(served, driver, "assign harbour gym gold", user=STAFF, name="/membership")
    assert "waiting for a manager's approval" in str(reply["text"])
    request = wait_until(
        lambda: [m for m in served.standin.channel_messages("CFRONTDESK") if "Harbour Gym" in m.text],
        what="the approval request",
    )[-1]
    assert isinstance(request, Posted)
    contract = request.blocks[1]["elements"][0]["value"]
    _, response_id = driver.click(MembershipAction.APPROVE, contract, user=STAFF, message=request)
    assert (
        "admin or manager role"
        in wait_until(lambda: served.standin.replies(response_id), what="refusal")[-1]["text"]
    )
    driver.click(MembershipAction.APPROVE, contract, user=MANAGER, message=request)
    wait_until(lambda: "Approved by" in request.text, what="the approval")
    with shop.tx(MANAGER, write=False) as ctx:
        assert memberships.get(ctx, int(contract)).plan_id == gold.id
    with shop.tx() as ctx:
        ledger.grant(ctx, customer, Unit.CREDIT, Decimal(3), key="e2e")
    assert "*3* credits available" in str(command(served, driver, "harbour", user=STAFF)["text"])
    preview = command(served, driver, "redeem harbour 2", user=STAFF)
    blocks = preview["blocks"]
    assert isinstance(blocks, list)
    button = blocks[-1]["elements"][0]
    shown = Posted("CFRONTDESK", str(preview["text"]), blocks, ephemeral_to=STAFF, ts="1.000001")
    for _ in range(2):  # pressed twice: redeemed once
        _, response_id = driver.click(
            CreditsAction.CONFIRM_REDEEM, button["value"], user=STAFF, message=shown
        )
        answered = wait_until(replied(served, response_id), what="the redemption")
        assert "Redeemed *2* credits" in answered[-1]["text"]
    with shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == Decimal(1)
    assert "No customer matches “Nobody”" in str(command(served, driver, "Nobody", user=STAFF)["text"])


def test_a_modal_with_bad_input_shows_field_errors_and_a_good_one_creates_the_plan(
    served: Served, driver: Driver, shop: Shop
) -> None:
    http, _ = driver.slash("/plans", "new", user=ADMIN)
    assert http.status_code == 200
    wait_until(
        lambda: (served.standin.top_modal(ADMIN) or {}).get("callback_id") == "plan_details", what="the form"
    )
    wrong = driver.submit(ADMIN, {"name": "Harbour Plus", "price": "a lot"})
    assert wrong["response_action"] == "errors" and "price" in wrong["errors"]
    assert driver.submit(ADMIN, {"name": "Harbour Plus", "price": "35"}) == {"response_action": "clear"}
    with shop.tx(write=False) as ctx:
        assert [p.terms.price for p in plans.list_plans(ctx) if p.name == "Harbour Plus"] == [
            Decimal("35.00")
        ]


def test_edit_a_plan_transfer_credits_and_export_the_report(
    served: Served, driver: Driver, shop: Shop
) -> None:
    with shop.tx() as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
        plans.update_plan(
            ctx, gold.id, replace(gold.terms, credits=CreditTerms(kind=CreditKind.SERVICE, transferable=True))
        )
        anna = add_customer(ctx, CustomerInput(company="Anna Yoga")).id
        bruno = add_customer(ctx, CustomerInput(company="Bruno Fitness")).id
    contracts = {}
    for customer in (anna, bruno):
        with shop.tx(STAFF) as ctx:
            sold = memberships.assign(ctx, customer, gold.id, shop_today(shop))
        with shop.tx(MANAGER) as ctx:
            contracts[customer] = memberships.approve(ctx, sold.id).id
    with shop.tx() as ctx:
        ledger.grant(ctx, anna, Unit.CREDIT, Decimal(5), key="e2e-anna", contract_id=contracts[anna])
    # Edit Gold through the form: its price.
    driver.slash("/plans", "edit gold", user=ADMIN)
    wait_until(
        lambda: (served.standin.top_modal(ADMIN) or {}).get("callback_id") == "plan_details", what="form"
    )
    assert driver.submit(ADMIN, {"price": "52"}) == {"response_action": "clear"}
    with shop.tx(write=False) as ctx:
        assert plans.get_plan(ctx, gold.id).terms.price == Decimal("52.00")
    # Transfer two credits, confirmed by the button.
    preview = command(served, driver, "transfer 2 from anna to bruno", user=STAFF)
    blocks = preview["blocks"]
    assert isinstance(blocks, list) and "Transfer *2* credits" in str(preview["text"]), preview["text"]
    button = blocks[-1]["elements"][0]
    shown = Posted("CFRONTDESK", str(preview["text"]), blocks, ephemeral_to=STAFF, ts="1.000002")
    _, response_id = driver.click(button["action_id"], button["value"], user=STAFF, message=shown)
    assert "Transferred *2* credits" in wait_until(replied(served, response_id), what="transfer")[-1]["text"]
    with shop.tx(write=False) as ctx:
        # (The served bot runs on the real clock, the shop's reads on its test clock: compare totals.)
        assert ledger.balance(ctx, bruno).transferred_in[Unit.CREDIT] == Decimal(2)
    # Export: the Excel report, sent to whoever asked in the app's DM.
    assert "in your direct messages" in str(command(served, driver, "export bruno", user=STAFF)["text"])
    uploaded = wait_until(
        lambda: [
            f for f in served.standin.files.values() if f["channel"] == f"D{STAFF}" and "bruno" in f["name"]
        ],
        what="the upload",
    )
    assert uploaded[0]["content"][:2] == b"PK"


def shop_today(shop: Shop) -> date:
    with shop.tx(write=False) as ctx:
        return ctx.today()
