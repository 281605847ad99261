"""A real SMTP server in the test process (aiosmtpd), and what arrived at it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.deliver import deliver_mail
from core.kernel.clock import Clock
from core.workspace import tenants
from core.workspace.tenants import MailChange
from tests.conftest import Shop

SENDER = "Test Shop <hello@shop.example>"


@dataclass
class Inbox:
    """What the SMTP server received: each e-mail parsed, with its envelope's recipients."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: int = 0  # how many messages to refuse for now (451) before taking them
    unknown: set[str] = field(default_factory=set)  # addresses refused for good (550)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.unknown:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


@dataclass
class Smtp:
    host: str
    port: int
    inbox: Inbox
    controller: Controller | None = None
    login: tuple[str, str] | None = None  # (user, password) the server requires, if any

    def start(self) -> None:
        if self.login is None:
            self.controller = Controller(self.inbox, hostname=self.host, port=self.port)
        else:  # plain-text AUTH without TLS: a test server on the loopback only
            self.controller = Controller(
                self.inbox,
                hostname=self.host,
                port=self.port,
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=False,
            )
        self.controller.start()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if isinstance(data, LoginPassword) else None
        return AuthResult(success=given == self.login)

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp("127.0.0.1", free_port(), Inbox())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def use_smtp(shop: Shop, smtp: Smtp) -> None:
    with shop.tx() as ctx:
        tenants.update_mail_settings(
            ctx, MailChange(host=smtp.host, port=smtp.port, tls="none", user="", password=None, sender=SENDER)
        )


def send_mail(shop: Shop, timer: Clock | None = None) -> int:
    """The deliverer's e-mail pass for the shop (its real time read from `timer`, else the shop's clock)."""
    return asyncio.run(deliver_mail(shop.db, shop.team, timer or shop.clock, timeout=5))


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")
