"""What the sandbox's page shows, without a browser: mrkdwn as HTML (never markup from the bot's
text), and a conversation composed as Slack composes it for each person; and what the browser
tests say when there is no browser."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot import views
from bot.sandbox import rendering
from bot.sandbox.forms import Note
from bot.sandbox.mrkdwn_html import to_html
from bot.sandbox.timeline import Origin, conversation
from bot.standin import Posted, SlackStandIn
from tests.e2e.sandbox import conftest

NAMES = {"USAM": "Sam Carter", "CFRONTDESK": "front-desk"}


def test_mrkdwn_styles_links_and_mentions() -> None:
    html = to_html(
        "*Gold* for _Café_ ~old~ `code` <@USAM> <#CFRONTDESK> <https://x.example/a?b=1&c|the site>", NAMES
    )
    assert "<strong>Gold</strong> for <em>Café</em> <s>old</s> <code>code</code>" in html
    assert '<span class="mention">@Sam Carter</span> <span class="mention">#front-desk</span>' in html
    assert '<a href="https://x.example/a?b=1&amp;c" target="_blank" rel="noopener">the site</a>' in html


def test_mrkdwn_never_lets_text_become_markup() -> None:
    hostile = "<script>alert(1)</script> &lt;img src=x onerror=alert(1)&gt; <javascript:alert(1)|click>"
    html = to_html(hostile, NAMES)
    assert "<script" not in html and "<img" not in html and "href" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_mrkdwn_code_blocks_quotes_and_lines() -> None:
    html = to_html("```a *b*\nc```\n> quoted\nnext", NAMES)
    assert html == '<pre>a *b*\nc</pre><br><span class="quote">quoted</span><br>next'


def _standin() -> SlackStandIn:
    return SlackStandIn(team="T1", bot_token="xoxb-1")


def _reply(standin: SlackStandIn, rid: str, reply: dict[str, object], n: int) -> None:
    standin.responses.setdefault(rid, []).append(reply)
    standin.response_log.append((rid, n))


def test_ephemeral_replies_show_only_to_whoever_asked() -> None:
    standin = _standin()
    standin.messages.append(Posted("C1", "for everyone", [], ts="1.000001"))
    standin.messages.append(Posted("C1", "for Sam only", [], ephemeral_to="USAM", ts="1.000002"))
    _reply(standin, "r1", {"text": "Sam's answer"}, 3)
    _reply(standin, "r2", {"text": "announced", "response_type": "in_channel"}, 4)
    origins = {"r1": Origin("USAM", "C1"), "r2": Origin("USAM", "C1")}
    sam = [(s.text, s.ephemeral) for s in conversation(standin, origins, {"C1"}, "USAM")]
    assert sam == [
        ("for everyone", False),
        ("for Sam only", True),
        ("Sam's answer", True),
        ("announced", False),
    ]
    taylor = [s.text for s in conversation(standin, origins, {"C1"}, "UTAYLOR")]
    assert taylor == ["for everyone", "announced"]
    assert conversation(standin, origins, {"C2"}, "USAM") == []


def test_a_reply_replaces_or_deletes_the_message_whose_button_was_pressed() -> None:
    standin = _standin()
    _reply(standin, "r1", {"text": "Redeem 2 credits?"}, 1)
    _reply(standin, "r2", {"text": "Redeemed 2 credits", "replace_original": True}, 2)
    standin.messages.append(Posted("C1", "request", [], ts="1.000003"))
    standin.messages.append(Posted("C1", "decided", [], ts="1.000004", thread_ts="1.000003"))
    _reply(standin, "r3", {"delete_original": True}, 5)
    origins = {
        "r1": Origin("USAM", "C1"),
        "r2": Origin("USAM", "C1", message="r1/0"),
        "r3": Origin("USAM", "C1", message="nothing-shown"),
    }
    shown = conversation(standin, origins, {"C1"}, "USAM")
    assert [(s.key, s.text) for s in shown] == [("r1/0", "Redeemed 2 credits"), ("1.000003", "request")]
    assert [r.text for r in shown[1].replies] == ["decided"]


def test_a_missing_browser_fails_the_tests_saying_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    problem = conftest.missing_browser()
    assert problem is not None
    assert "Chromium is missing on CI (CI=true)" in problem
    assert "apt-get install chromium" in problem


class _Form(HTMLParser):
    """The form controls of rendered HTML: what a browser would submit, and the errors shown."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.dispatching: set[str] = set()
        self.errors: dict[str, str] = {}
        self._select: str | None = None
        self._block: list[str] = []
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "data-dispatch" in a:
            self.dispatching.add(a["data-dispatch"])
        if tag == "div" and "bk-input" in a.get("class", ""):
            self._block.append(a["data-block"])
        if tag == "div" and a.get("class") == "bk-error":
            self._in_error = True
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "div" and self._in_error:
            self._in_error = False

    def handle_data(self, data: str) -> None:
        if self._in_error and self._block:
            self.errors[self._block[-1]] = data.strip()


def test_a_modal_renders_every_kind_of_input_with_its_value_and_error() -> None:
    radio = {
        "type": "input",
        "block_id": "kind",
        "label": views.plain("Kind"),
        "element": {
            "type": "radio_buttons",
            "action_id": "kind",
            "options": [views.option("x", "X"), views.option("y", "Y")],
            "initial_option": views.option("y", "Y"),
        },
    }
    blocks = [
        views.text_input("name", "Name", initial="Gold <b>"),
        views.date_input("start", "Start", initial=date(2026, 1, 2)),
        {
            "type": "input",
            "block_id": "at",
            "label": views.plain("At"),
            "element": {"type": "timepicker", "action_id": "at", "initial_time": "07:30"},
        },
        views.select("plan", "Plan", [("1", "Gold"), ("2", "Silver")], initial="2", dispatch=True),
        views.external_select("customer", "Customer", initial=("7", "Café Müller")),
        views.checkboxes("steps", "Next", [("a", "A"), ("b", "B")], initial=["b"]),
        radio,
        views.picker("who", "Who", "users_select", initial="USAM"),
        views.picker("where", "Where", "conversations_select"),
    ]
    view = {**views.modal("form", "A form", blocks), "id": "V1", "hash": "h1"}
    note = Note(values={"name": "Platinum"}, errors={"start": "The start is too early."})
    html = (
        rendering.environment()
        .get_template("_modal.html.j2")
        .render(view=view, depth=2, note=note, path="/dm")
    )
    form = _Form()
    form.feed(html)
    assert form.values == {
        "back": ["/dm"],
        "press": [""],
        "close": [""],
        "name": ["Platinum"],  # what was typed beats the initial value
        "start": ["2026-01-02"],
        "at": ["07:30"],
        "plan": ["2"],
        "customer": ["7"],
        "customer__label": ["Café Müller"],
        "steps": ["b"],
        "kind": ["y"],
        "who": ["USAM"],
    }
    assert form.dispatching == {"plan"}
    assert form.errors == {"start": "The start is too early."}
    assert "2 of 2" in html and "A form" in html
