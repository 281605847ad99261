"""bot.limits: each of Slack's limits fails one past the boundary and passes at it; every template,
rendered through bot.messages with long and hostile input, stays within the limits and escaped;
bot.pagination pages long lists."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    InteractiveElement,
    Option,
    OverflowMenuElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import limits, messages
from bot.limits import message_problems, view_problems
from bot.mrkdwn import escape
from bot.pagination import more_button, page, read_more
from bot.shape import Unreadable
from core.checkout.service import Card
from core.classes.rules import BookingStatus
from core.credits.ledger import Balance, Expiring
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry, Frequency
from core.customers.merge import Moves
from core.memberships.flows import Effects
from core.memberships.lifecycle import Status
from core.memberships.service import MembershipView

Payload = dict[str, Any]
Check = Callable[[Payload], list[str]]


def plain(text: str) -> Payload:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> Payload:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "x", **more: Any) -> Payload:
    return {"type": "section", "text": mrkdwn(text), **more}


def button(text: str = "Go", value: str = "v", action_id: str = "go") -> Payload:
    return {"type": "button", "text": plain(text), "value": value, "action_id": action_id}


def actions(*elements: Payload) -> Payload:
    return {"type": "actions", "elements": list(elements)}


def option(text: str = "o", value: str = "v") -> Payload:
    return {"text": plain(text), "value": value}


def select(options: list[Payload]) -> Payload:
    return {"type": "static_select", "action_id": "pick", "placeholder": plain("Pick"), "options": options}


def input_block(label: str = "Name") -> Payload:
    return {
        "type": "input",
        "label": plain(label),
        "element": {"type": "plain_text_input", "action_id": "name"},
    }


def msg(*blocks: Payload) -> Payload:
    return {"text": "fallback", "blocks": list(blocks)}


def modal(*blocks: Payload, **more: Any) -> Payload:
    return {"type": "modal", "title": plain("Title"), "blocks": list(blocks) or [section()], **more}


def home(*blocks: Payload) -> Payload:
    return {"type": "home", "blocks": list(blocks)}


def home_of_size(size: int) -> Payload:
    """A Home view whose JSON is exactly `size` bytes (ASCII only, so characters are bytes)."""
    view = home(*[section("x" * 2900) for _ in range(84)], section("x"))
    view["blocks"][-1]["text"]["text"] = "x" * (1 + size - len(json.dumps(view)))
    assert len(json.dumps(view)) == size
    return view


def options(n: int) -> list[Payload]:
    return [option(value=f"v{i}") for i in range(n)]


BOUNDARIES: list[Any] = [
    pytest.param(message_problems, lambda n: msg(*[section()] * n), 50, id="blocks per message"),
    pytest.param(view_problems, lambda n: modal(*[section()] * n), 100, id="blocks per modal"),
    pytest.param(view_problems, lambda n: home(*[section()] * n), 100, id="blocks per home view"),
    pytest.param(view_problems, home_of_size, 250_000, id="home view bytes"),
    pytest.param(message_problems, lambda n: {"text": "x" * n}, 40_000, id="text fallback"),
    pytest.param(message_problems, lambda n: msg(section("x" * n)), 3000, id="section text"),
    pytest.param(
        message_problems, lambda n: msg({"type": "header", "text": plain("x" * n)}), 150, id="header"
    ),
    pytest.param(message_problems, lambda n: msg(actions(button(text="x" * n))), 75, id="button text"),
    pytest.param(message_problems, lambda n: msg(actions(button(value="x" * n))), 2000, id="button value"),
    pytest.param(message_problems, lambda n: msg(actions(button(action_id="a" * n))), 255, id="action_id"),
    pytest.param(message_problems, lambda n: msg(section(block_id="b" * n)), 255, id="block_id"),
    pytest.param(
        message_problems, lambda n: msg({"type": "section", "fields": [mrkdwn("f")] * n}), 10, id="fields"
    ),
    pytest.param(
        message_problems,
        lambda n: msg({"type": "section", "fields": [mrkdwn("f" * n)]}),
        2000,
        id="field text",
    ),
    pytest.param(
        message_problems,
        lambda n: msg({"type": "context", "elements": [mrkdwn("c")] * n}),
        10,
        id="context elements",
    ),
    pytest.param(
        message_problems,
        lambda n: msg(actions(*[button(action_id=f"b{i}") for i in range(n)])),
        25,
        id="actions elements",
    ),
    pytest.param(message_problems, lambda n: msg(actions(select(options(n)))), 100, id="select options"),
    pytest.param(
        message_problems, lambda n: msg(actions(select([option(text="o" * n)]))), 75, id="option text"
    ),
    pytest.param(
        message_problems, lambda n: msg(actions(select([option(value="v" * n)]))), 150, id="option value"
    ),
    pytest.param(
        message_problems,
        lambda n: msg(actions({"type": "overflow", "action_id": "more", "options": options(n)})),
        5,
        id="overflow options",
    ),
    pytest.param(view_problems, lambda n: modal(title=plain("t" * n)), 24, id="modal title"),
    pytest.param(view_problems, lambda n: modal(submit=plain("s" * n)), 24, id="modal submit"),
    pytest.param(view_problems, lambda n: modal(close=plain("c" * n)), 24, id="modal close"),
    pytest.param(view_problems, lambda n: modal(private_metadata="m" * n), 3000, id="private_metadata"),
    pytest.param(view_problems, lambda n: modal(callback_id="c" * n), 255, id="callback_id"),
    pytest.param(
        view_problems, lambda n: modal(input_block("l" * n), submit=plain("Save")), 2000, id="input label"
    ),
]


@pytest.mark.parametrize(("check", "make", "limit"), BOUNDARIES)
def test_a_limit_passes_at_the_boundary_and_fails_one_past_it(
    check: Check, make: Callable[[int], Payload], limit: int
) -> None:
    assert check(make(limit)) == []
    problems = check(make(limit + 1))
    assert len(problems) == 1 and str(limit) in problems[0], problems


SDK_NUMBERS = {
    "section text": (limits.SECTION_TEXT, SectionBlock.text_max_length),
    "fields": (limits.SECTION_FIELDS, SectionBlock.fields_max_length),
    "header": (limits.HEADER_TEXT, HeaderBlock.text_max_length),
    "actions elements": (limits.ACTIONS_ELEMENTS, ActionsBlock.elements_max_length),
    "context elements": (limits.CONTEXT_ELEMENTS, ContextBlock.elements_max_length),
    "input label": (limits.INPUT_LABEL, InputBlock.label_max_length),
    "block_id": (limits.ID_LENGTH, Block.block_id_max_length),
    "action_id": (limits.ID_LENGTH, InteractiveElement.action_id_max_length),
    "button text": (limits.BUTTON_TEXT, ButtonElement.text_max_length),
    "button value": (limits.BUTTON_VALUE, ButtonElement.value_max_length),
    "option text": (limits.OPTION_TEXT, Option.label_max_length),
    "option value": (limits.OPTION_VALUE, Option.value_max_length),
    "select options": (limits.SELECT_OPTIONS, StaticSelectElement.options_max_length),
    "overflow options": (limits.OVERFLOW_OPTIONS, OverflowMenuElement.options_max_length),
    "view blocks": (limits.VIEW_BLOCKS, View.blocks_max_length),
    "modal title": (limits.MODAL_TEXT, View.title_max_length),
    "modal submit": (limits.MODAL_TEXT, View.submit_max_length),
    "modal close": (limits.MODAL_TEXT, View.close_max_length),
    "private_metadata": (limits.PRIVATE_METADATA, View.private_metadata_max_length),
    "callback_id": (limits.CALLBACK_ID, View.callback_id_max_length),
}


@pytest.mark.parametrize(("ours", "sdk"), SDK_NUMBERS.values(), ids=SDK_NUMBERS.keys())
def test_the_numbers_agree_with_slack_sdk_where_it_has_them(ours: int, sdk: int) -> None:
    assert ours == sdk


def test_a_message_needs_a_text_fallback() -> None:
    assert "text fallback" in message_problems({"blocks": [section()]})[0]
    assert "text fallback" in message_problems({"text": "  ", "blocks": [section()]})[0]
    assert message_problems({"text": "just text"}) == []


def test_ids_are_unique_within_a_surface() -> None:
    twice = message_problems(msg(section(block_id="a"), section(block_id="a")))
    assert len(twice) == 1 and "'a' is used twice" in twice[0]
    buttons = message_problems(msg(actions(button()), actions(button())))
    assert len(buttons) == 1 and "'go' is used twice" in buttons[0]
    accessory = view_problems(home(section(accessory=button()), actions(button())))
    assert len(accessory) == 1 and "used twice on this home" in accessory[0]


def test_block_types_belong_to_their_surface() -> None:
    assert "not a block type for a message" in message_problems(msg(input_block()))[0]
    assert view_problems(modal(input_block(), submit=plain("Save"))) == []
    assert "needs a submit button" in view_problems(modal(input_block()))[0]
    assert "not a block type for a modal" in view_problems(modal({"type": "file"}))[0]
    assert "not a view type" in view_problems({"type": "workflow_step", "blocks": [section()]})[0]


def test_a_home_view_has_no_submit_or_close_and_a_modal_needs_a_title() -> None:
    assert len(view_problems({**home(section()), "submit": plain("Go"), "close": plain("No")})) == 2
    assert "title" in view_problems({"type": "modal", "blocks": [section()]})[0]
    assert "blocks: needs a non-empty list" in view_problems({"type": "home", "blocks": []})


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (msg(actions({**button(), "text": mrkdwn("Go")})), "plain_text"),
        (msg({"type": "header", "text": mrkdwn("Title")}), "plain_text"),
        (msg(section("")), "must not be empty"),
        (msg({"type": "section"}), "needs text or fields"),
        (msg(actions()), "needs a non-empty list"),
        (msg(actions({**button(), "style": "green"})), "not primary or danger"),
        (msg(actions(select([{"text": plain("o")}]))), "value: must be a non-empty string"),
        ({"text": "t", "blocks": "[not json"}, "not valid JSON"),
        ({"text": "t", "blocks": ["section"]}, "every item must be an object"),
        (msg(actions({**button(), "confirm": {"title": plain("Sure?"), "text": mrkdwn("x" * 301)}})), "300"),
    ],
)
def test_malformed_blocks_are_named(payload: Payload, problem: str) -> None:
    problems = message_problems(payload)
    assert any(problem in p for p in problems), problems


def test_blocks_sent_as_a_json_string_are_checked() -> None:
    assert message_problems({"text": "t", "blocks": json.dumps([section()])}) == []
    assert "51 items" in message_problems({"text": "t", "blocks": json.dumps([section()] * 51)})[0]


# --- every template, rendered with long and hostile user text ------------------------------------

TEMPLATES = Path(messages.__file__).parent / "templates"
RAW = [
    "<!channel>",
    "*bold*",
    "_italic_",
    "~strike~",
    "`code`",
    "<https://evil.example|click me>",
    "<@U0EVIL>",
]
HOSTILE = (" ".join(RAW) + " & ") * 40  # one line, as customer and plan names are
USER = escape(HOSTILE)  # what listeners pass to templates


def membership() -> MembershipView:
    return MembershipView(
        id=12,
        customer_id=3,
        customer=HOSTILE,
        plan_id=2,
        plan=HOSTILE,
        plan_code="GOLD",
        plan_version=1,
        status=Status.PENDING,
        start=date(2025, 2, 1),
        end=date(2026, 1, 31),
        summary=HOSTILE,
        location=HOSTILE,
        seller="USTAFF",
        renewal_of_id=None,
        created_by="USTAFF",
    )


def balance() -> Balance:
    credit, points = Decimal(5), Decimal("12.5")
    return Balance(
        available={},
        by_scope={(Unit.CREDIT, "any service"): credit, (Unit.POINTS, "any use"): points},
        upcoming={},
        on_hold={},
        expiring=tuple(Expiring(date(2025, 2, day), Unit.CREDIT, Decimal(1)) for day in range(1, 29)),
        granted={Unit.CREDIT: Decimal(9), Unit.POINTS: points},
        used={Unit.CREDIT: Decimal(4)},
        expired={},
        transferred_in={},
        transferred_out={},
        adjusted={},
    )


def plan_row() -> dict[str, Any]:
    services = [f"{USER} / {USER}: Every week on Tue"] * 5
    return {
        "name": USER,
        "code": "GOLD-24",
        "enabled": False,
        "price": Decimal("49.00"),
        "billing": "monthly",
        "term": "12 months",
        "credits": CreditTerms(
            kind=CreditKind.SERVICE,
            per_period=Decimal(4),
            initial=Decimal(2),
            frequency=Frequency.EVERY_N_DAYS,
        ),
        "services": services,
        "discounts": "; ".join([f"10% off {USER}, {USER}"] * 3 + ["5.00 off Products"]),
    }


def home_values(visits_below: bool) -> dict[str, Any]:
    return {
        "expiring": [f"{USER}: 3 credit, last day Thu 16 Jan"] * 15,  # home.LISTED per section
        "services": [f"Tue 09:00 {USER}: {USER} / {USER}"] * 15,
        "visits_below": visits_below,
    }


CONTEXTS: dict[str, list[dict[str, Any]]] = {
    "approval_outcome": [
        {
            "reference": "M-12",
            "start": date(2025, 2, 1),
            "end": date(2026, 1, 31),
            "status": "scheduled",
            "customer": USER,
            "plan": USER,
            "outcome": "Approved",
            "by": "UMGR",
            "reason": USER,
        }
    ],
    "approval_request": [
        {
            "m": membership(),
            "customer": USER,
            "plan": USER,
            "price": Decimal("49.00"),
            "currency": "USD",
            "billing": "monthly",
        }
    ],
    "balance": [{"customer": USER, "balance": balance()}],
    "credits_help": [{}],
    "merge_preview": [
        {
            "merged": USER,
            "merged_id": 12,
            "survivor": USER,
            "survivor_id": 3,
            "moves": Moves(3, 36, 48, 20, 400, Decimal("1234.5"), 30, 40, 5),
            "differences": [(f, USER, USER) for f in ("company", "contact", "email", "phone", "notes")],
            "filled": [("location", USER)],
            "blockers": [],
        },
        {
            "merged": USER,
            "merged_id": 12,
            "survivor": USER,
            "survivor_id": 3,
            "moves": Moves(0, 0, 0, 0, 0, Decimal(0), 0, 0, 0),
            "differences": [],
            "filled": [],
            "blockers": [USER, USER],
        },
    ],
    "customers": [
        {"customers": [USER] * 20, "query": USER, "first": 21, "total": 200},  # catalog.CUSTOMERS_PAGE
        {"customers": [], "query": USER, "first": 1, "total": 0},
    ],
    "customers_help": [{}],
    "home": [home_values(False), home_values(True)],
    "home_recent": [
        {"recent": [f"22 Nov 10:15 M-12 assign → pending by <@{USER}>"] * 8},
        {"recent": []},
    ],  # RECENT
    "membership_help": [{}],
    "plans": [
        {"plans": [plan_row()] * 10, "currency": "USD", "first": 11, "total": 40},  # catalog.PLANS_PAGE
        {"plans": [], "currency": "USD", "first": 1, "total": 0},
    ],
    "plans_help": [{}],
    "services": [
        {
            "services": [
                {
                    "name": USER,
                    "kind": "product",
                    "active": False,
                    "price": Decimal("1234567.89"),
                    "category": USER,
                    "minutes": 90,
                    "location_prices": [(USER, Decimal("110.00"))] * 5,
                }
            ]
            * 20,  # bot/pagination.PAGE_SIZE
            "currency": "USD",
            "first": 21,
            "total": 60,
        },
        {"services": [], "currency": "USD", "first": 1, "total": 0},
    ],
    "services_help": [{}],
    "equality_templates": [
        {"templates": [{"name": USER, "costs": [(USER, 100)] * 10}] * 20},
        {"templates": []},
    ],
    "billing_help": [{}],
    # notifications (bot/notifications): what core queued, worded at delivery
    "credits_expiring": [
        {
            "customer": USER,
            "unit": unit,
            "quantity": "12.5",
            "currency": "USD",
            "last_day": date(2025, 2, 13),
            "lead_days": 7,
        }
        for unit in Unit
    ],
    "credits_weekly_digest": [
        {
            "week_from": date(2025, 1, 13),
            "currency": "USD",
            "credits": [{"customer": USER, "unit": Unit.MONEY, "quantity": "50"}] * 40,  # reminders.SHOWN
        },
        {"week_from": date(2025, 1, 13), "currency": "USD", "credits": []},
    ],
    "balance_alert": [
        {
            "customer": USER,
            "balance": "150",
            "threshold": "100",
            "currency": "USD",
            "history": [{"at": datetime(2025, 1, 15, 9, 0, tzinfo=UTC), "kind": "grant", "quantity": "+150"}]
            * 5,  # alerts.HISTORY_SHOWN
        }
    ],
    "membership_ending": [{"customer": USER, "contract_id": 12, "ends_on": date(2025, 2, 13)}],
    "class_waitlist_booked": [
        {
            "customer": USER,
            "series": USER,
            "starts_at": datetime(2025, 1, 20, 18, 0, tzinfo=UTC),
            "booking_id": 41,
            "membership_id": 12,
            "credit_spent": spent,
            "skipped": [{"customer": USER, "reason": USER}] * 3,
        }
        for spent in (True, False)
    ],
    "services_tomorrow": [
        {
            "day": date(2025, 1, 14),
            "visits": [
                {
                    "starts_at": datetime(2025, 1, 14, 9, 0, tzinfo=UTC),
                    "customer": USER,
                    "job": USER,
                    "task": USER,
                }
            ]
            * 40,
            "count": 45,
        },
        {"day": date(2025, 1, 14), "visits": [], "count": 0},
    ],
    "catch_up_summary": [
        {"first": date(2025, 2, 2), "last": date(2025, 2, 13), "count": 25, "lines": [USER] * 20},
    ],
}
RENDERINGS = [
    pytest.param(name, values, id=f"{name}-{i}")
    for name, contexts in CONTEXTS.items()
    for i, values in enumerate(contexts)
]


def test_every_template_has_hostile_values_here() -> None:
    files = {p.name.removesuffix(".md.j2") for p in TEMPLATES.glob("*/*.md.j2")} - {"replies"}
    assert set(messages.wording().templates) == files
    assert set(CONTEXTS) == files
    assert len(HOSTILE) > 3000


# The short replies (each domain's replies.md.j2, one macro each): every argument given hostile user
# text, or the kind of value its name says it is.
SHOWN_MEMBERSHIP = {"reference": "M-12", "customer": USER, "plan": USER, "status": "active"}
REPLY_VALUES: dict[str, Any] = {
    "start": date(2025, 1, 1),
    "end": date(2026, 1, 1),
    "until": date(2025, 3, 1),
    "names": [USER] * 10,
    "lines": [USER] * 25,
    "rows": [{**SHOWN_MEMBERSHIP, "start": date(2025, 1, 1), "end": None}] * 10,
    "progress": [{"job": USER, "task": USER, "completed": 1, "upcoming": 2, "overdue": 0, "skipped": 0}] * 3,
    "m": {**SHOWN_MEMBERSHIP, "start": date(2025, 1, 1), "end": None},
    "replayed": True,
    "enabled": False,
    "older": 12,
    "left": Decimal(3),
    "available": Decimal(4),
    "verb": "Grant",
    # freezes, cancellations and billing (bot/listeners/memberships/, bot/listeners/billing.py)
    "starts": date(2025, 2, 20),
    "effective": date(2025, 4, 10),
    "due": date(2025, 4, 1),
    "voided": [{"reference": "C-12", "period_start": date(2025, 5, 1), "amount": "$49.00"}] * 10,
    "more": 3,
    "months": 3,
    "waits": True,
    "planned": True,
    "already": False,
    "overdue": True,
    "count": 12,
    "memberships": 2,
    "offset": 10,
}
# classes and revenue (bot/listeners/classes.py, bot/listeners/revenue.py)
AT = datetime(2025, 3, 1, 23, 0, tzinfo=UTC)
BOOKING = {
    "id": 12,
    "series": USER,
    "starts_at": AT,
    "customer": USER,
    "membership_id": 3,
    "status": BookingStatus.LATE_CANCEL,
    "credit_spent": True,
    "credit_returned": False,
    "replayed": False,
}
WAIT = {"series": USER, "starts_at": AT, "customer": USER, "position": 12, "note": USER, "replayed": False}
REPLY_VALUES.update(
    {
        "w": WAIT,
        "b": BOOKING,
        "cutoff": 12,
        "spent": True,
        "credits_left": "3",
        "on": date(2025, 3, 1),
        "upcoming": True,
        "first": date(2025, 3, 1),
        "starts_at": AT,
        "taken": 11,
        "capacity": 12,
        "month": date(2025, 1, 1),
        "hidden": 3,
        "exported": True,
    }
)
# visits (bot/listeners/visits/)
VISIT = {
    "id": 7,
    "customer": USER,
    "job": USER,
    "task": USER,
    "due_on": date(2025, 3, 4),
    "starts_at": AT,
    "overdue": True,
    "rescheduled_from": date(2025, 3, 1),
    "note": USER,
    "assignee": "U0123ABCDEF",
}
REPLY_VALUES.update({"v": VISIT, "from_day": date(2025, 3, 1), "day": date(2025, 6, 1)})
AMOUNTS = dict.fromkeys(("sold", "recognised", "irr", "mrr", "scr", "to_date", "deferred"), "$1,234,567.89")
# Arguments whose name means something else in these macros.
EFFECTS = Effects(
    999, date(2025, 1, 21), date(2025, 4, 15), 120, Decimal("99999.00"), Decimal(400), Decimal("1000.00")
)
MACRO_VALUES: dict[str, dict[str, Any]] = {
    "edit_preview": {"before": EFFECTS, "after": replace(EFFECTS, visits=3, charges=2), "waits": True},
    "discounts_adjusted": {"labels": [f"#12: 10% off {USER}, {USER}"] * 20},  # a plan's most discounts
    "class_list": {
        "rows": [
            {
                "name": USER,
                "location": USER,
                "schedule": USER,
                "capacity": 12,
                "plans": [USER] * 3,
                "sessions": [
                    {"starts_at": AT, "seats_left": left, "capacity": 12, "waiting": 480} for left in (0, 2)
                ],
            }
        ]
        * 10,
        "first": 11,
        "last": 20,
        "total": 31,
    },
    "bookings_of": {"rows": [BOOKING] * 40, "waiting": [WAIT] * 20},
    "waitlist": {"rows": [WAIT] * 40, "more": 12, "cutoff": 12, "taken": 500, "capacity": 500},
    "roster_heading": {"waiting": 12},
    "visits_heading": {"first": 16, "last": 30, "total": 31},
    "membership_revenue": {
        "s": {"reference": "M-12", "sold_on": date(2025, 1, 15), "month": date(2026, 12, 1)},
        "months": [(date(2025, 1, 1), *["$1,234,567.89"] * 3)] * 24,  # revenue.commands.MONTHS_SHOWN
        "earlier": 12,
        "sold": "$1,234,567.89",
        "recognised": "$1,234,567.89",
        "deferred": "$1,234,567.89",
    },
    "customer_edited": {
        "changes": [(f, USER, USER) for f in ("company", "contact", "email", "phone", "notes")]
    },
    "follow_ups": {
        "rows": [
            {
                "customer": USER,
                "balance": "1234.5",
                "opened_on": date(2025, 1, 15),
                "followed_up_at": AT,
                "followed_up_by": "USPECIALIST",
                "note": USER,
                "snoozed_until": date(2025, 3, 15),
            }
        ]
        * 40,  # alerts.commands.SHOWN
        "currency": "USD",
        "today": date(2025, 3, 1),
    },
    "service_saved": {"price": Decimal("1234567.89"), "kind": "service", "created": True, "currency": "USD"},
    "service_enabled": {"active": False},
    "service_priced": {"price": Decimal("110.00"), "currency": "USD"},
    "template_saved": {"costs": [f"{USER} 100"] * 45, "created": False},
    "revenue_totals": {"lines": [{"plan": USER, "location": USER, **AMOUNTS}] * 30, "total": AMOUNTS},
    # what a redemption or transfer takes from each lot: (last day or never, credits)
    "redeem_preview": {"lots": [(date(2025, 3, 1), "10000"), (None, "2")] * 20, "left": "9999"},
    "redeemed": {
        "lots": [(date(2025, 3, 1), "10000"), (None, "2")] * 20,
        "expiring": [Expiring(date(2025, 3, 1), Unit.CREDIT, Decimal(5))] * 10,
        "replayed": True,
    },
    "transfer_preview": {"lots": [(date(2025, 3, 1), "10000"), (None, "2")] * 20, "kept": "3"},
    "transferred": {"arrived": [(None, "2")] * 40, "replayed": True},
    "pending_heading": {"first": 11, "last": 20, "total": 120},
    "pending_sale": {"at": AT},
    "pending_change": {"at": AT},
    "more_pending": {"more": 12},
    "checkout_cards": {"cards": [Card("PC-12", Decimal("225.00"), Decimal("200.00"))] * 20},
    "checkout_posted": {"cards": [Card("PC-12", Decimal("225.00"), Decimal("225.00"))] * 20, "void": False},
}
# The plan form's steps in words (bot/listeners/plans/forms.py), every rule at its longest.
EVERY_CREDIT_RULE = CreditTerms(
    kind=CreditKind.MONETARY,
    per_period=Decimal("1234567.89"),
    frequency=Frequency.EVERY_N_DAYS,
    every_days=3650,
    expiry=Expiry.DAYS,
    expiry_days=3650,
    initial=Decimal("1234567.89"),
    for_services=Decimal("234567.89"),
    for_products=Decimal("34567.89"),
    wait_days=365,
    max_per_redemption=Decimal("1234567.89"),
    ends_when_used_up=True,
    transferable=True,
    anniversary_amount=Decimal("1234567.89"),
)
CREDIT_WORDS = {"c": EVERY_CREDIT_RULE, "currency": "USD", "good_for": [USER] * 10, "template": USER}
MACRO_VALUES.update(
    {
        "plan_credit_amount": {"c": EVERY_CREDIT_RULE, "value": Decimal("1234567.89"), "currency": "USD"},
        "plan_credit_terms": CREDIT_WORDS,
        "credit_summary": {"c": EVERY_CREDIT_RULE, "currency": "USD"},
        "plan_credits_now": CREDIT_WORDS,
        "plan_credits_sold": {"sold": 12345},
        "plan_discounts_now": {"discounts": [{"off": "100%", "on": USER}] * 3},  # forms.DISCOUNT_ROWS
        "plan_locations_now": {
            "locations": [
                {
                    "name": USER,
                    "price": Decimal("1234567.89"),
                    "setup_fee": Decimal("1234567.89"),
                    "split": "20 / 80 / 0",
                }
            ]
            * 10,  # forms.LOCATION_ROWS
            "currency": "USD",
        },
        "plan_services_now": {
            "services": [{"job": USER, "task": USER, "schedule": "Every 52 weeks on Mon, Tue", "at": "09:00"}]
            * 9
        },
        "plan_sold_terms": {"sold": 12345, "billing": "twice a year", "prorated": True, "term": 120},
    }
)
REPLIES = sorted(messages.wording().replies)


def test_every_macro_of_every_domain_is_a_reply_tried_here() -> None:
    defined = re.compile(r"{%-? macro (\w+)\(")
    macros = [m for p in TEMPLATES.glob("*/replies.md.j2") for m in defined.findall(p.read_text())]
    assert sorted(macros) == REPLIES


@pytest.mark.parametrize("reply", REPLIES)
def test_every_short_reply_renders_within_the_limits_with_user_text_escaped(reply: str) -> None:
    macro = messages.wording().replies[reply]
    values = {name: REPLY_VALUES.get(name, USER) for name in macro.arguments} | MACRO_VALUES.get(reply, {})
    payload = messages.message(messages.say(reply, **values))
    assert message_problems(payload) == []
    for raw in RAW:
        assert raw not in payload["text"], f"{raw!r} reached Slack unescaped"


@pytest.mark.parametrize(("template", "values"), RENDERINGS)
def test_every_template_renders_within_the_limits_with_user_text_escaped(
    template: str, values: dict[str, Any]
) -> None:
    payload = messages.message(messages.render(template, **values))
    assert message_problems(payload) == []
    if template == "home":  # the Home view is the same blocks in a view (bot.listeners.home)
        assert view_problems({"type": "home", "blocks": payload["blocks"]}) == []
    shown = [payload["text"], *(b["text"]["text"] for b in payload["blocks"])]
    for raw in RAW:
        assert not any(raw in text for text in shown), f"{raw!r} reached Slack unescaped"
    if USER in json.dumps(values, default=str, ensure_ascii=False):  # help texts have no user text
        assert escape("<!channel> *bold*") in payload["text"]


# --- pagination ------------------------------------------------------------------------------------


def test_pages_cover_the_list_once_and_say_where_the_next_starts() -> None:
    items = [f"line {i}" for i in range(45)]
    assert page(items, 0, 20) == (items[:20], 20)
    assert page(items, 20, 20) == (items[20:40], 40)
    assert page(items, 40, 20) == (items[40:], None)
    assert page(items[:40], 20, 20) == (items[20:40], None)  # an exact fit has no next page
    assert page(items, 99, 20) == ([], None)
    with pytest.raises(ValueError):
        page(items, -1, 20)


def test_the_more_button_carries_the_offset_and_state_within_the_limits() -> None:
    block = more_button("customers_more", 40, {"query": USER[:500]})
    assert message_problems(msg(section(), block)) == []
    assert read_more(block["elements"][0]["value"]) == (40, {"query": USER[:500]})
    with pytest.raises(ValueError, match="Slack allows 2000"):
        more_button("customers_more", 40, {"query": "x" * 2000})
    with pytest.raises(Unreadable):  # a forged button: the app's error handler logs a warning
        read_more('{"offset": -1}')
    with pytest.raises(Unreadable):
        read_more("null")


def test_one_credit_is_singular_in_the_balance_and_the_redemption() -> None:
    one = Decimal(1)
    balance = Balance(
        available={},
        by_scope={(Unit.CREDIT, "any service"): one},
        upcoming={},
        on_hold={},
        expiring=(
            Expiring(date(2026, 12, 13), Unit.CREDIT, one),
            Expiring(date(2026, 12, 25), Unit.CREDIT, Decimal(3)),
        ),
        granted={Unit.CREDIT: Decimal(4)},
        used={},
        expired={},
        transferred_in={},
        transferred_out={},
        adjusted={},
    )
    text = messages.render("balance", customer="Ann", balance=balance)
    assert "• *1* credit available for any service" in text
    assert "• 1 credit, last day Sun 13 Dec 2026" in text and "• 3 credits, last day" in text
    said = messages.say("redeemed", quantity="1", customer="Ann", left=2, replayed=False)
    assert said.startswith("Redeemed *1* credit from *Ann*")
    assert messages.say("redeemed", quantity="2", customer="Ann", left=2, replayed=False).startswith(
        "Redeemed *2* credits"
    )
