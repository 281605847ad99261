"""Golden files: representative payloads of the real bot, pinned in tests/bot/golden/*.json.

Each scenario drives the running bot through the Slack stand-in, normalises what changes from run
to run (database ids, idempotency keys, random invoice numbers, ts) and compares the payload with
its golden file. Every payload must also pass bot.limits. When a change to a payload is intended,
rewrite the files with

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
from bot.listeners.credits.ids import CreditsAction
from bot.standin import Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers.service import CustomerInput, add_customer
from core.memberships import service as memberships
from core.plans import service as plans
from tests.bot.billing.test_billing_commands import gold_member
from tests.bot.checkout.test_checkout_command import VISIT
from tests.bot.classes.test_classes_commands import studio, yoga
from tests.bot.conftest import Slack, wait_until
from tests.bot.credits.test_redeem import seeded
from tests.conftest import MANAGER, STAFF
from tests.integration.checkout.test_service import counter
from tests.integration.credit_helpers import at
from tests.integration.helpers import plan_by_name, with_services

GOLDEN = Path(__file__).parent / "golden"
UPDATE = "MEMBERBOT_UPDATE_GOLDEN"
CHANNEL = "CFRONTDESK"
# Database ids: membership references, lots and the approval block.
_IDS = re.compile(
    r"(?<=\bM-)\d+|(?<=\blot #)\d+|(?<=^approval-)\d+|(?<=^visits_menu_)\d+|(?<=^home-visit-)\d+"
    r"|(?<=^membership_approve_)\d+|(?<=^membership_reject_)\d+"  # the Home's buttons of one sale
)
# A charge's reference and its block; its Paid/Failed buttons' action ids (billing_mark_paid:12).
_CHARGE = re.compile(r"(?<=\bC-)\d+|(?<=^charge-)\d+")
_CHARGE_ACTION = re.compile(r"(?<=:)\d+$")
_REF = re.compile(r"(?<=\bINV-)[0-9A-F]{6}\b")  # a random invoice number of /checkout
_TS_KEYS = frozenset({"ts", "message_ts", "thread_ts", "action_ts", "event_ts"})
# In button values; c(ustomer) and l(ocation) are /checkout's short names.
_ID_KEYS = frozenset({"customer", "service", "membership", "contract", "plan", "c", "l"})
_KEY = re.compile(r"^[0-9a-f]{32}$")  # the nonce of an idempotency key (bot/keys.py)
_CUSTOMER_QUERY = re.compile(r"^#\d+$")  # /billing's buttons carry the customer found as "#7"

Payload = dict[str, Any]


# --- normalising and comparing -------------------------------------------------------------------


def normalised(value: Any, charges: dict[int, int] | None = None) -> Any:
    """The payload with database ids, idempotency keys and timestamps replaced by placeholders.
    Charges are numbered <1>, <2>... in the order they appear: a block and a button are named
    after their charge, and Slack wants those names distinct within a message."""
    charges = {} if charges is None else charges
    if isinstance(value, dict):
        out = {k: "<ts>" if k in _TS_KEYS else normalised(v, charges) for k, v in value.items()}
        if isinstance(out.get("action_id"), str):
            out["action_id"] = _CHARGE_ACTION.sub(lambda m: _charge(int(m[0]), charges), out["action_id"])
            if isinstance(out.get("value"), str):
                out["value"] = _button_value(out["value"], charges)
        return out
    if isinstance(value, list):
        return [normalised(v, charges) for v in value]
    if isinstance(value, str):
        value = _CHARGE.sub(lambda m: _charge(int(m[0]), charges), value)
        return _REF.sub("<ref>", _IDS.sub("<id>", value))
    return value


def _charge(charge: int, charges: dict[int, int]) -> str:
    return f"<{charges.setdefault(charge, len(charges) + 1)}>"


def _button_value(value: str, charges: dict[int, int]) -> str:
    """The bot's buttons carry a database id (Approve, Reject...) or a JSON request whose ids,
    idempotency key (Redeem, Cancel, Post) and digests of ids (Post) differ from run to run; the
    text of the value is normalised already (references, invoice numbers)."""
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
        elif key == "charge" and isinstance(item, int):
            request[key] = _charge(item, charges)
        elif key in ("key", "k") and isinstance(item, str):
            request[key] = _KEY.sub("<key>", item)
        elif key == "q" and isinstance(item, str):
            request[key] = _CUSTOMER_QUERY.sub("#<id>", item)
        elif key == "i" and isinstance(item, list):  # /checkout's lines: a service's is ["s", n, price, id]
            request[key] = [[*i[:3], "<id>"] if isinstance(i, list) and i[:1] == ["s"] else i for i in item]
        elif key == "h" and isinstance(item, list):  # /checkout's digests of what each line applied (ids)
            request[key] = ["<digest>" for _ in item]
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


def credits_balance(slack: Slack) -> tuple[str, Payload]:
    seeded(slack)
    return "message", slack.command("/credits", "cafe mul", user=STAFF)


def redeem_preview(slack: Slack) -> tuple[str, Payload]:
    seeded(slack)
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


def checkout_preview(slack: Slack) -> tuple[str, Payload]:
    """Service credits, two discounts and monetary credit on one invoice; points earned."""
    counter(slack.shop)
    return "message", slack.command("/checkout", VISIT, user=STAFF)


def billing_charges(slack: Slack) -> tuple[str, Payload]:
    """A page of a membership's charges, one overdue, each with Paid and Failed, and More."""
    gold_member(slack)
    return "message", slack.command("/billing", "anna", user=STAFF)


def classes_listing(slack: Slack) -> tuple[str, Payload]:
    """A class and its next sessions, one place of the first taken."""
    s = studio(slack)
    yoga(slack, s)
    slack.command("/classes", "book anna berg yoga", user=STAFF)
    return "message", slack.command("/classes", "", user=STAFF)


def cancel_preview(slack: Slack) -> tuple[str, Payload]:
    """Cancelling inside the lock-in: the fee, the charges voided, and Confirm."""
    m = gold_member(slack, lock_in=6, today=date(2025, 4, 10))
    return "message", slack.command("/membership", f"cancel M-{m} now moving away", user=MANAGER)


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
    "checkout_preview": checkout_preview,
    "billing_charges": billing_charges,
    "classes": classes_listing,
    "membership_cancel_preview": cancel_preview,
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
        assert dumped(payload) == (GOLDEN / f"{name}.json").read_text(encoding="utf-8"), name  # normalised
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
        "action_id": CreditsAction.CONFIRM_REDEEM,
        "value": '{"customer": 7, "key": "ab12ab12ab12ab12ab12ab12ab12ab12", "service": 3}',
    }
    buttons = [{"action_id": "a", "value": "31"}, {"action_id": "b", "value": "keep 31"}]
    assert normalised([redeem, *buttons, {"ts": "1.2"}, "M-31 (not XM-31)", {"block_id": "approval-31"}]) == [
        {
            "action_id": CreditsAction.CONFIRM_REDEEM,
            "value": '{"customer": "<id>", "key": "<key>", "service": "<id>"}',
        },
        {"action_id": "a", "value": "<id>"},
        {"action_id": "b", "value": "keep 31"},
        {"ts": "<ts>"},
        "M-<id> (not XM-31)",
        {"block_id": "approval-<id>"},
    ]


def test_normalising_the_newer_surfaces_ids_references_and_digests() -> None:
    charge = {"action_id": "billing_mark_paid:37", "value": '{"charge":37,"q":"#2","o":0}'}
    failed = {"action_id": "billing_mark_failed:38", "value": '{"charge":38,"q":"#2","o":0}'}
    more = {"action_id": "billing_more", "value": '{"q": "anna #2", "offset": 10}'}
    post = {
        "action_id": "checkout_post",
        "value": '{"r":"INV-64934B","c":1,"l":4,"i":[["s",3,"100",9],["p",2,"25","lotion"]],'
        '"k":"0a8bbcc629744954944c56b28c759140","h":["c302ceadf0"],"m":1}',
    }
    text = "Paid C-38, C-37 (lot #3) on INV-64934B, not INV-1 nor ABC-37; charge-37"
    assert normalised([charge, failed, more, post, text, {"block_id": "charge-37"}]) == [
        {"action_id": "billing_mark_paid:<1>", "value": '{"charge": "<1>", "q": "#<id>", "o": 0}'},
        {"action_id": "billing_mark_failed:<2>", "value": '{"charge": "<2>", "q": "#<id>", "o": 0}'},
        {"action_id": "billing_more", "value": '{"q": "anna #2", "offset": 10}'},
        {
            "action_id": "checkout_post",
            "value": '{"r": "INV-<ref>", "c": "<id>", "l": "<id>", "i": [["s", 3, "100", "<id>"], '
            '["p", 2, "25", "lotion"]], "k": "<key>", "h": ["<digest>"], "m": 1}',
        },
        "Paid C-<2>, C-<1> (lot #<id>) on INV-<ref>, not INV-1 nor ABC-37; charge-37",
        {"block_id": "charge-<1>"},
    ]
