"""The e-mails' wording: names as typed are escaped in the HTML part (never markup), kept as typed
in the text part, and the subject stays one line."""

from __future__ import annotations

from bot import mail
from core.mail.service import Recipient, SmtpServer
from core.outbox import Kind
from tests.bot.mail.conftest import html_of, text_of

SERVER = SmtpServer("smtp.example", 25, "none", "", "", "Studio & Co <hello@studio.example>")
HOSTILE = "<script>alert(1)</script> & Co"


def welcome(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "customer": HOSTILE,
        "reference": "M-3",
        "plan": "Gold\nSubject: injected",
        "description": "<b>bold</b>",
        "start": "2025-02-01",
        "end": None,
        "price": "49.00",
        "setup_fee": "0",
        "billing": "monthly",
        "currency": "USD",
        "credits": None,
        "services": [{"job": HOSTILE, "task": "A & B", "schedule": "weekly"}],
        "location": "",
        "business": HOSTILE,
    }
    return data | changes


def test_names_are_escaped_in_html_and_as_typed_in_text() -> None:
    m = mail.compose(
        Kind.EMAIL_WELCOME, welcome(), SERVER, Recipient("a@x.example", HOSTILE), message_id="<1@x>"
    )
    html, text = html_of(m), text_of(m)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert f"member of {HOSTILE.replace('<', '&lt;').replace('>', '&gt;').replace(' & ', ' &amp; ')}." in html
    assert f"Hello {HOSTILE}," in text and "- A & B (<script>alert(1)</script> & Co), weekly" in text
    assert "\n" not in m["Subject"] and m["Subject"].startswith("Welcome to Gold Subject: injected at")
