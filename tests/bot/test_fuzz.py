"""Signed but malformed requests, for every listener the Bolt app registers: whatever their shape
(a missing view, garbled action ids, lists where objects belong, numbers where text belongs,
nulls, huge text, no team or no user), the bot answers 2xx or 4xx — never 5xx — and writes
nothing in the workspace. The listeners are read from the app itself, so a new one is fuzzed
without touching this file (and `test_every_listener_is_fuzzed` fails if one cannot be)."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt.async_app import AsyncApp
from sqlalchemy import func, select

from bot.app import build_app
from bot.deps import Deps
from bot.local_server import Running
from bot.server import create_server
from bot.standin import SlackStandIn, signature
from storage.schema import metadata
from tests.bot.conftest import SECRET, TOKEN, bot_settings
from tests.conftest import ADMIN, NOBODY, Shop

Listener = tuple[str, str | re.Pattern[str]]  # (Bolt's matcher kind, the id or pattern it matches)
KINDS = (
    "command",
    "action",
    "view_submission",
    "options",
    "event",
    "global_shortcut",
    "message_shortcut",
    "function_executed",
)


def registered(app: AsyncApp) -> list[Listener]:
    """What each of the app's listeners answers, read from Bolt's built-in matchers: the matcher
    wraps a function of Bolt's `command`, `action`, `view_submission`, `options`, `event`,
    `global_shortcut`, `message_shortcut` or `function_executed` builder, whose closure holds the
    id (or pattern) it was registered with."""
    found: list[Listener] = []
    for listener in app._async_listeners:
        for matcher in listener.matchers:
            inner = _closure(getattr(matcher, "func", None)).get("func")
            kind = getattr(inner, "__qualname__", "").split(".")[0]
            for value in _closure(inner).values():
                if isinstance(value, dict):  # event: {"type": ...}
                    value = value.get("type")
                if kind in KINDS and isinstance(value, str | re.Pattern):
                    found.append((kind, value))
    return found


def _closure(function: Any) -> dict[str, Any]:
    code, cells = getattr(function, "__code__", None), getattr(function, "__closure__", None) or ()
    return dict(zip(code.co_freevars, (c.cell_contents for c in cells), strict=True)) if code else {}


# Values of every JSON type, some huge, to stand where the listeners expect something else.
HUGE = "x" * 60_000
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["", " ", "\x00", "{", "[]", "null", "1e30", "-0", "²", "#99999999999999999999", HUGE]),
)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "\x00", "1e30", "²", "2026-02-30", "#99999999999999999999", HUGE]),
)


def _or_junk(value: Any) -> st.SearchStrategy[Any]:
    """Mostly the value Slack would send, sometimes missing (None here: dropped) or anything else."""
    return st.one_of(st.just(value), st.just(value), st.none(), junk)


def _ids(constraint: str | re.Pattern[str]) -> st.SearchStrategy[str]:
    if isinstance(constraint, str):
        return st.just(constraint)
    return st.from_regex(constraint.pattern, fullmatch=True).filter(lambda s: len(s) < 200)


@st.composite
def action_values(draw: st.DrawFn) -> Any:
    """A button's value: JSON as our buttons carry it (with wrong fields), text, or junk."""
    return draw(st.one_of(st.builds(json.dumps, junk), texts, junk))


@st.composite
def views(draw: st.DrawFn, callback_id: st.SearchStrategy[str]) -> Any:
    """A view as Slack sends it with a submission or an action, with any part garbled."""
    state = st.dictionaries(
        st.sampled_from(["name", "amount", "customer", "plan", "date", "starts_on", "email", "x"])
        | st.text(max_size=8),
        st.one_of(
            st.dictionaries(
                st.text(max_size=8),
                st.fixed_dictionaries(
                    {},
                    optional={
                        "type": st.sampled_from(
                            [
                                "plain_text_input",
                                "datepicker",
                                "static_select",
                                "external_select",
                                "checkboxes",
                                "users_select",
                                "conversations_select",
                            ]
                        )
                        | junk,
                        "value": texts | junk,
                        "selected_date": texts | junk,
                        "selected_option": st.fixed_dictionaries({"value": texts | junk}) | junk,
                        "selected_options": st.lists(
                            st.fixed_dictionaries({"value": texts | junk}) | junk, max_size=2
                        )
                        | junk,
                        "selected_user": texts | junk,
                    },
                ),
                max_size=2,
            ),
            junk,
        ),
        max_size=4,
    )
    view = {
        "id": draw(_or_junk("VFUZZ")),
        "type": draw(_or_junk("modal")),
        "callback_id": draw(callback_id),
        "private_metadata": draw(st.one_of(st.builds(json.dumps, junk), texts, junk)),
        "state": draw(st.one_of(st.fixed_dictionaries({"values": state}), junk)),
        "blocks": draw(
            st.one_of(
                st.just([]),
                st.lists(st.fixed_dictionaries({"type": st.just("input"), "block_id": texts}), max_size=2),
                junk,
            )
        ),
        "title": draw(_or_junk({"type": "plain_text", "text": "Form"})),
        "hash": draw(_or_junk("h")),
    }
    return _dropped(view)


def _dropped(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}


@st.composite
def payloads(
    draw: st.DrawFn, listener: Listener, team: str, respond_url: str, standin: SlackStandIn
) -> tuple[str, str]:
    """(content type, body) of a signed request aimed at `listener`, malformed at random."""
    kind, constraint = listener
    user = draw(st.sampled_from([NOBODY, ADMIN]))
    # A trigger id the stand-in issued (as Slack does: a forged one only makes views.open fail), or none.
    triggers = st.one_of(st.builds(standin.issue_trigger, st.just(user)), st.none())
    who = {
        "team": draw(_or_junk({"id": team, "domain": "fuzz"})),
        "user": draw(_or_junk({"id": user, "team_id": team})),
        "api_app_id": "AMEMBERBOT",
        "trigger_id": draw(triggers),
    }
    if kind == "command":
        fields = {
            "command": constraint,
            "text": draw(texts),
            "team_id": draw(st.sampled_from([team, None, "", "T" + "9" * 40])),
            "user_id": draw(st.sampled_from([user, None, "", "U" + "9" * 40])),
            "channel_id": draw(st.sampled_from(["CFUZZ", None, ""])),
            "trigger_id": draw(triggers),
            "response_url": respond_url,
        }
        return "application/x-www-form-urlencoded", urllib.parse.urlencode(_dropped(fields))
    if kind == "function_executed":  # a workflow step; its actor has no role, so nothing may be written
        inputs = {
            "customer": draw(texts),
            "plan": draw(texts),
            "quantity": draw(junk),
            "actor": draw(_or_junk(NOBODY)),
        }
        step = {
            "type": "function_executed",
            "function": draw(_or_junk({"callback_id": constraint, "id": "FnFUZZ"})),
            "inputs": draw(_or_junk(_dropped(inputs))),
            "function_execution_id": draw(_or_junk(f"Fx{time.time_ns()}")),
            "bot_access_token": draw(_or_junk("xwfp-fuzz")),
        }
        body = {"type": "event_callback", "team_id": draw(_or_junk(team)), "event": _dropped(step)}
        return "application/json", json.dumps(_dropped(body))
    if kind == "event":
        event = {
            "type": constraint,
            "user": draw(_or_junk(user)),
            "tab": draw(_or_junk("home")),
            "channel": draw(_or_junk("D1")),
            "channel_type": draw(_or_junk("im")),
            "text": draw(st.one_of(texts.map(lambda t: f"<@UMEMBERBOT> credits {t}"), texts, junk)),
            "ts": draw(_or_junk("1.000001")),
            "thread_ts": draw(st.one_of(st.none(), st.none(), junk)),
            "subtype": draw(st.one_of(st.none(), st.none(), st.just("message_changed"), junk)),
        }
        body = {
            "type": "event_callback",
            "team_id": draw(_or_junk(team)),
            "event_id": draw(_or_junk(f"Ev{time.time_ns()}")),
            "event": _dropped(event),
        }
        return "application/json", json.dumps(_dropped(body))
    if kind in ("global_shortcut", "message_shortcut"):
        payload = {
            "type": "shortcut" if kind == "global_shortcut" else "message_action",
            **who,
            "callback_id": draw(_ids(constraint)),
            "action_ts": f"{time.time():.6f}",
        }
        if kind == "message_shortcut":
            payload["channel"] = draw(_or_junk({"id": "CFUZZ"}))
            payload["message"] = draw(
                _or_junk({"type": "message", "ts": "1.1", "text": draw(st.one_of(texts, junk))})
            )
            payload["response_url"] = respond_url
    elif kind == "view_submission":
        payload = {
            "type": "view_submission",
            **who,
            "view": draw(st.one_of(views(_ids(constraint)), views(_ids(constraint)), junk)),
        }
    elif kind == "options":
        payload = {
            "type": "block_suggestion",
            **who,
            "action_id": draw(_ids(constraint)),
            "block_id": draw(_or_junk("customer")),
            "value": draw(texts | junk),
            "view": draw(st.one_of(views(texts), junk)),
        }
    else:
        action = {
            "type": draw(_or_junk("button")),
            "action_id": draw(_ids(constraint)),
            "block_id": draw(_or_junk("b")),
            "value": draw(action_values()),
            "selected_option": draw(
                st.one_of(st.none(), st.fixed_dictionaries({"value": texts | junk}), junk)
            ),
            "action_ts": f"{time.time():.6f}",
        }
        in_message = draw(st.booleans())
        payload = {
            "type": "block_actions",
            **who,
            "actions": draw(st.one_of(st.just([_dropped(action)]), st.just([_dropped(action)]), junk)),
            "container": draw(
                _or_junk(
                    {"type": "message", "channel_id": "CFUZZ", "message_ts": "1.1"}
                    if in_message
                    else {"type": "view", "view_id": "VFUZZ"}
                )
            ),
            "response_url": respond_url if in_message else None,
            "view": None if in_message else draw(st.one_of(views(texts), junk)),
            "channel": {"id": "CFUZZ"} if in_message else None,
        }
    return "application/x-www-form-urlencoded", urllib.parse.urlencode(
        {"payload": json.dumps(_dropped(payload))}
    )


def _rows(shop: Shop) -> dict[str, int]:
    """Rows of every table that belongs to a workspace, for the test's workspace only (the
    database is shared by the session's tests). Not slack_event: each event delivered is noted
    there to refuse its retries, a well-formed app_home_opened too; nor slack_request: a
    well-formed Sell a membership shortcut claims its request's key (bot/once.py) on the way to
    the sale form, as `/membership assign` does, and writes nothing else."""
    with shop.db.engine.connect() as conn:
        return {
            table.name: conn.execute(
                select(func.count()).select_from(table).where(table.c.tenant_id == shop.team)
            ).scalar_one()
            for table in metadata.sorted_tables
            if "tenant_id" in table.c and table.name not in ("slack_event", "slack_request")
        }


class Bot:
    def __init__(self, shop: Shop) -> None:
        self.standin = SlackStandIn(team=shop.team, bot_token=TOKEN)
        self.fake = Running(self.standin.web_app())
        self.standin.url = self.fake.url
        settings = bot_settings(shop, self.fake.url)
        self.app = build_app(settings, Deps(shop.db, shop.clock, settings.admins))
        self.server = Running(create_server(self.app, shop.db, signing_secret=SECRET))

    def send(self, content_type: str, body: str) -> httpx.Response:
        stamp = str(int(time.time()))
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": signature(SECRET, stamp, body),
        }
        # A connection of its own: a server error may close one (and a reset counts as a 5xx).
        try:
            return httpx.post(
                f"{self.server.url}/slack/events", content=body.encode(), headers=headers, timeout=15
            )
        except httpx.TransportError as error:
            return httpx.Response(599, text=f"transport error: {error!r}")

    def stop(self) -> None:
        self.server.stop()
        self.fake.stop()


@pytest.fixture
def bot(shop: Shop) -> Iterator[Bot]:
    running = Bot(shop)
    try:
        yield running
    finally:
        running.stop()


def test_every_listener_is_fuzzed(bot: Bot) -> None:
    """Each listener the app registers is one the fuzz below can aim at: if Bolt's matchers change
    shape, or a listener is registered another way, this says so rather than fuzzing fewer."""
    listeners = registered(bot.app)
    assert len(listeners) == len(bot.app._async_listeners)
    assert {kind for kind, _ in listeners} == set(KINDS)


def test_no_malformed_payload_answers_5xx_or_writes(bot: Bot, shop: Shop) -> None:
    listeners = registered(bot.app)
    respond_url = f"{bot.fake.url}/respond/fuzz"
    before = _rows(shop)
    failures: list[str] = []

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        listener = data.draw(st.sampled_from(listeners), label="listener")
        content_type, body = data.draw(
            payloads(listener, shop.team, respond_url, bot.standin), label="payload"
        )
        answer = bot.send(content_type, body)
        if answer.status_code >= 500:
            failures.append(f"{answer.status_code} for {listener}: {body[:300]}")
        assert answer.status_code < 500, body[:2000]

    fuzz()
    # Work after the acknowledgement runs on: let it finish before counting what it wrote.
    _settle(bot)
    assert failures == []
    assert _rows(shop) == before


def _settle(bot: Bot, quiet: float = 0.5, timeout: float = 20.0) -> None:
    """Until the stand-in has heard nothing from the bot for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    seen, since = len(bot.standin.calls), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.05)
        if len(bot.standin.calls) != seen:
            seen, since = len(bot.standin.calls), time.monotonic()
