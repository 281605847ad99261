"""Member e-mail: each outbox row of an e-mail kind (core/mail/service.py) worded from the Jinja
templates in bot/templates/email/ — plain text and HTML, the subject set by the text template —
and sent through the workspace's SMTP server with the standard library's smtplib (blocking, so the
deliverer runs it in a thread; a dozen e-mails a minute need no asynchronous client).

Every e-mail ends with the unsubscribe line and carries a List-Unsubscribe header; its Message-ID
is the outbox row's, so the one duplicate a crash between the server's answer and our commit could
cause is recognisable as such by the receiving side."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.mail.service import Recipient, SmtpServer
from core.outbox import Kind

TEMPLATES = Path(__file__).parent / "templates" / "email"
TIMEOUT = 30.0  # seconds for connecting and for each SMTP command


class UnknownMail(LookupError):
    """An e-mail kind this bot has no templates for (queued by a newer version)."""


class Unreachable(Exception):
    """The SMTP server could not be reached or refused our login: the batch's rest waits too."""


def _amount(value: str | Decimal) -> str:
    """A quantity as people write it: 2, 2.5, 1,200.50 — no trailing zeros of a whole number."""
    number = Decimal(value)
    return format_decimal(number.normalize() if number == number.to_integral() else number, locale="en")


def _long_date(value: str | date | None) -> str:
    if value is None:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        keep_trailing_newline=True,
    )
    env.filters["amount"] = _amount
    env.filters["long_date"] = _long_date
    # The shared wording (_words.j2) is plain text: in HTML it is escaped like any value.
    env.filters["plain_text"] = str.__str__
    return env


Prepare = Callable[[dict[str, Any]], dict[str, Any]]


def _receipt(data: dict[str, Any]) -> dict[str, Any]:
    at = datetime.fromisoformat(data["at"]).astimezone(ZoneInfo(data["timezone"]))
    return {
        **data,
        "at": at,
        "expiring": [{**e, "on": date.fromisoformat(e["on"])} for e in data["expiring"]],
    }


def _expiring(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "last_day": date.fromisoformat(data["last_day"])}


PREPARE: Mapping[str, Prepare] = {
    Kind.EMAIL_WELCOME: dict,
    Kind.EMAIL_RECEIPT: _receipt,
    Kind.EMAIL_CREDITS_EXPIRING: _expiring,
}
NAMES: Mapping[str, str] = {
    Kind.EMAIL_WELCOME: "welcome",
    Kind.EMAIL_RECEIPT: "receipt",
    Kind.EMAIL_CREDITS_EXPIRING: "credits_expiring",
}


def compose(
    kind: str, data: dict[str, Any], server: SmtpServer, to: Recipient, *, message_id: str
) -> EmailMessage:
    """The e-mail of an outbox row: UnknownMail for a kind without templates; a KeyError or the
    like for data its templates cannot read (the deliverer keeps that one for later)."""
    if kind not in PREPARE:
        raise UnknownMail(f"No e-mail templates for kind {kind!r}.")
    values = PREPARE[kind](data) | {"recipient": to.name, "reply_to": parseaddr(server.sender)[1]}
    name = NAMES[kind]
    text = _env().get_template(f"{name}.txt.j2").make_module(values)
    subject = " ".join(str(vars(text)["subject"]).split())  # one line, whatever the data held
    html = _env().get_template(f"{name}.html.j2").render(values | {"subject": subject})
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = server.sender
    message["To"] = formataddr((to.name, to.address))
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = f"<mailto:{values['reply_to']}?subject=unsubscribe>"
    message.set_content(str(text).strip() + "\n")
    message.add_alternative(html, subtype="html")
    return message


def message_id(team: str, outbox_id: int, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "memberbot.invalid"
    return f"<outbox.{outbox_id}.{team.lower()}@{domain}>"


class Sender:
    """One SMTP connection for a batch, opened at the first e-mail and again after a failure."""

    def __init__(self, server: SmtpServer, timeout: float = TIMEOUT) -> None:
        self.server, self.timeout = server, timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        smtp = self._smtp or self._connect()
        try:
            smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            raise
        except smtplib.SMTPException:
            self.close()
            raise

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _connect(self) -> smtplib.SMTP:
        """Connect, secure the connection as the settings say (certificates verified) and log in;
        Unreachable if any of it fails, the half-open connection closed."""
        s = self.server
        smtp: smtplib.SMTP | None = None
        try:
            if s.tls == "ssl":
                smtp = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
                if s.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
        except (smtplib.SMTPException, OSError) as exc:
            if smtp is not None:
                smtp.close()
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        self._smtp = smtp
        return smtp
