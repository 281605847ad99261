"""What the sandbox's page shows, without a browser: mrkdwn as HTML (never markup from the bot's
text), and a conversation composed as Slack composes it for each person; and what the browser
tests say when there is no browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.mrkdwn_html import to_html
from bot.sandbox.timeline import Origin, conversation
from bot.standin import Posted, SlackStandIn
from tests.sandbox import conftest

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
