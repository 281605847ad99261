"""Golden files: representative payloads of the real bot, pinned in tests/bot/golden/*.json.

Each scenario drives the running bot through the Slack stand-in, normalises what changes from run
to run (database ids, idempotency keys, ts) and compares the payload with its golden file. Every
payload must also pass bot.limits. When a change to a payload is intended, rewrite the files with

    MEMBERBOT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/bot/test_golden.py

and review the diff of tests/bot/golden/ like any other change.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.limits import message_problems, view_problems
from bot.listeners.credits import CONFIRM_REDEEM
from bot.standin import Posted
from core import ledger, memberships, plans, services
from core.credit_terms import CreditKind, CreditTerms
from core.customers import CustomerInput, add_customer
from core.lots import Unit
from tests.bot.conftest import Slack, wait_until
from tests.conftest import MANAGER, STAFF
from tests.integration.credit_helpers import at
from tests.integration.helpers import plan_by_name, with_services

GOLDEN = Path(__file__).parent / "golden"
UPDATE = "MEMBERBOT_UPDATE_GOLDEN"
CHANNEL = "CFRONTDESK"
_IDS = re.compile(r"(?<=\bM-)\d+|(?<=^approval-)\d+")  # membership references and the approval block
_TS_KEYS = frozenset({"ts", "message_ts", "thread_ts", "action_ts", "event_ts"})
_ID_KEYS = frozenset({"customer", "service", "membership", "contract", "plan"})
_KEY = re.compile(r"[0-9a-f]{32}$")  # uuid4().hex in an idempotency key

Payload = dict[str, Any]


# --- normalising and comparing -------------------------------------------------------------------


def normalised(value: Any) -> Any:
    """The payload with database ids, idempotency keys and timestamps replaced by placeholders."""
    if isinstance(value, dict):
        out = {k: "<ts>" if k in _TS_KEYS else normalised(v) for k, v in value.items()}
        if "action_id" in out and isinstance(out.get("value"), str):
            out["value"] = _button_value(out["value"])
        return out
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, str):
        return _IDS.sub("<id>", value)
    return value


def _button_value(value: str) -> str:
    """The bot's buttons carry a database id (Approve, Reject...) or a JSON request whose ids and
    idempotency key (Redeem) differ from run to run."""
    if value.isdigit():
        return "<id>"
    try:
        request = json.loads(value)
    except ValueError:
        return value
    if not isinstance(request, dict):
        return value
    for key, item in request.items():
        if key in _ID_KEYS and isinstance(item, int):
            request[key] = "<id>"
        elif key == "key" and isinstance(item, str):
            request[key] = _KEY.sub("<key>", item)
    return json.dumps(request)


def dumped(payload: Payload) -> str:
    return json.dumps(normalised(payload), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def problems(kind: str, payload: Payload) -> list[str]:
    return view_problems(payload) if kind == "view" else message_problems(payload)


def match_golden(name: str, kind: str, payload: Payload) -> None:
    """Compare with (or, with MEMBERBOT_UPDATE_GOLDEN=1, rewrite) tests/bot/golden/<name>.json."""
    assert problems(kind, payload) == [], f"{name} breaks Slack's limits"
    path = GOLDEN / f"{name}.json"
    actual = dumped(payload)
    if os.environ.get(UPDATE) == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing; create it with {UPDATE}=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} changed; if intended, rerun with {UPDATE}=1 and review the diff"


# --- scenarios: what the bot sends, as Slack receives it -----------------------------------------


def posted(message: Posted) -> Payload:
    """A channel message as chat.postMessage / chat.update carried it."""
    return {"channel": message.channel, "text": message.text, "blocks": message.blocks}


def plans_listing(slack: Slack) -> tuple[str, Payload]:
    with slack.shop.tx() as ctx:
        gold = with_services(ctx)
        credits = CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4), initial=Decimal(2))
        plans.update_plan(ctx, gold.id, replace(gold.terms, credits=credits))
        plans.set_enabled(ctx, plan_by_name(ctx, "Silver").id, False)
    return "message", slack.command("/plans", "", user=STAFF)


def customers_search(slack: Slack) -> tuple[str, Payload]:
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Blue Fin Spa", contact="Joao", email="joao@bluefin.example"))
        add_customer(ctx, CustomerInput(company="Bluebell <Bakery> & *Co*", contact="Bo"))
    return "message", slack.command("/customers", "blue", user=STAFF)


def seeded_customer(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        c = add_customer(ctx, CustomerInput(company="Café Müller", contact="Anna"))
        services.add_service(ctx, "Yoga class", "classes", 60)
        now = ctx.now()
        ledger.grant(ctx, c.id, Unit.CREDIT, Decimal(2), key="soon", expires_at=now + timedelta(days=10))
        ledger.grant(ctx, c.id, Unit.CREDIT, Decimal(5), key="never")


def credits_balance(slack: Slack) -> tuple[str, Payload]:
    seeded_customer(slack)
    return "message", slack.command("/credits", "cafe mul", user=STAFF)


def redeem_preview(slack: Slack) -> tuple[str, Payload]:
    seeded_customer(slack)
    return "message", slack.command("/credits", "redeem cafe muller 3 for yoga class", user=STAFF)


def sold(slack: Slack) -> Posted:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        add_customer(ctx, CustomerInput(company="Café Müller", contact="Anna"))
    slack.command("/membership", "assign cafe muller gold from 1 Feb 2025", user=STAFF)
    message = wait_until(lambda: slack.standin.channel_messages(CHANNEL), what="the approval request")[-1]
    assert isinstance(message, Posted)
    return message


def approval_request(slack: Slack) -> tuple[str, Payload]:
    return "message", posted(sold(slack))


def approval_outcome(slack: Slack) -> tuple[str, Payload]:
    message = sold(slack)
    button = next(
        e
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Approve"
    )
    slack.driver.click(button["action_id"], button["value"], user=MANAGER, message=message)
    wait_until(lambda: "Approved by" in message.text, what="the message to be updated")
    return "message", posted(message)


def manager_home(slack: Slack) -> tuple[str, Payload]:
    at(slack.shop, date(2025, 1, 13))  # a Monday
    with slack.shop.tx() as ctx:
        gold = with_services(ctx)
        ann = add_customer(ctx, CustomerInput(company="Ann's Cafe"))
        bo = add_customer(ctx, CustomerInput(company="Bo's Bakery"))
        soon = ctx.now() + timedelta(days=3)
        ledger.grant(ctx, ann.id, Unit.CREDIT, Decimal(3), key="soon", expires_at=soon)
    with slack.shop.tx(STAFF) as ctx:
        live = memberships.assign(ctx, ann.id, gold.id, date(2025, 1, 1))
        memberships.assign(ctx, bo.id, plan_by_name(ctx, "Silver").id, date(2025, 2, 1))
    with slack.shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, live.id)
    assert slack.driver.open_home(MANAGER).status_code == 200
    view = wait_until(lambda: slack.standin.homes.get(MANAGER), what="the manager's Home")
    assert isinstance(view, dict)
    return "view", view


def held_view(view: Payload) -> Payload:
    """A modal as the bot built it: without what Slack adds (id, hash, state), and with database
    ids in option values replaced."""
    shown = {k: v for k, v in view.items() if k not in ("id", "hash", "state", "team_id", "user")}
    text = json.dumps(shown)
    text = re.sub(r'"value": "\d+"', '"value": "<id>"', text)
    loaded: Payload = json.loads(text)
    return loaded


def plan_form(slack: Slack) -> tuple[str, Payload]:
    slack.open_modal("/plans", "new", callback_id="plan_details")
    view = slack.standin.top_modal("UADMIN")
    assert view is not None
    return "view", held_view(view)


def assign_form(slack: Slack) -> tuple[str, Payload]:
    at(slack.shop, date(2025, 1, 15))
    with slack.shop.tx() as ctx:
        cafe = add_customer(ctx, CustomerInput(company="Café Müller", contact="Anna"))
        gold = with_services(ctx)
    slack.open_modal("/membership", "assign café", user=STAFF, callback_id="membership_assign")
    slack.driver.choose(STAFF, "plan", str(gold.id))
    view = wait_until(
        lambda: "Filter change" in str(slack.standin.top_modal(STAFF)) and slack.standin.top_modal(STAFF),
        what="the plan's summary",
    )
    del cafe
    return "view", held_view(view)


SCENARIOS: dict[str, Callable[[Slack], tuple[str, Payload]]] = {
    "modal_plan_details": plan_form,
    "modal_assign_membership": assign_form,
    "plans": plans_listing,
    "customers": customers_search,
    "credits_balance": credits_balance,
    "credits_redeem_preview": redeem_preview,
    "membership_approval_request": approval_request,
    "membership_approval_outcome": approval_outcome,
    "home_manager": manager_home,
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_payload_matches_its_golden_file(slack: Slack, name: str) -> None:
    kind, payload = SCENARIOS[name](slack)
    match_golden(name, kind, payload)


# --- the golden files themselves -----------------------------------------------------------------


def golden(name: str) -> Payload:
    loaded = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_every_golden_file_has_a_scenario_and_passes_the_limits() -> None:
    assert {p.stem for p in GOLDEN.glob("*.json")} == set(SCENARIOS)
    for name in SCENARIOS:
        payload = golden(name)
        kind = "view" if payload.get("type") in ("home", "modal") else "message"
        assert problems(kind, payload) == [], name


def test_a_changed_payload_fails_the_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE, raising=False)
    payload = golden("plans")
    match_golden("plans", "message", payload)  # a golden file is already normalised
    changed = {**payload, "blocks": [*payload["blocks"], payload["blocks"][0]]}
    with pytest.raises(AssertionError, match="plans changed"):
        match_golden("plans", "message", changed)
    with pytest.raises(AssertionError, match="breaks Slack's limits"):
        match_golden("plans", "message", {**payload, "text": ""})


def test_normalising_replaces_only_what_changes_between_runs() -> None:
    redeem = {
        "action_id": CONFIRM_REDEEM,
        "value": '{"customer": 7, "key": "slack-redeem-ab12ab12ab12ab12ab12ab12ab12ab12", "service": 3}',
    }
    buttons = [{"action_id": "a", "value": "31"}, {"action_id": "b", "value": "keep 31"}]
    assert normalised([redeem, *buttons, {"ts": "1.2"}, "M-31 (not XM-31)", {"block_id": "approval-31"}]) == [
        {
            "action_id": CONFIRM_REDEEM,
            "value": '{"customer": "<id>", "key": "slack-redeem-<key>", "service": "<id>"}',
        },
        {"action_id": "a", "value": "<id>"},
        {"action_id": "b", "value": "keep 31"},
        {"ts": "<ts>"},
        "M-<id> (not XM-31)",
        {"block_id": "approval-<id>"},
    ]
