"""Socket Mode end to end: the bot as `memberbot serve` runs it with an app token connects to the
stand-in's WebSocket, acknowledges an envelope carrying a slash command and replies through
response_url; HTTP on $PORT still answers /healthz."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.deps import Deps
from bot.local_server import Running, free_port
from bot.server import Service
from bot.standin import SlackStandIn
from bot.standin_install import SOCKET_PATH, InstallStandIn, slash_command_payload
from cli.main import cli
from tests.bot.conftest import TOKEN, bot_settings, wait_until
from tests.conftest import ADMIN, Shop


@dataclass
class SocketBot:
    shop: Shop
    standin: SlackStandIn
    slack: InstallStandIn
    slack_url: str
    port: int

    def slash(self, command: str, text: str, response_id: str) -> str:
        """Deliver a slash command over the WebSocket; returns its envelope id."""
        payload = slash_command_payload(
            command,
            text,
            team=self.shop.team,
            user=ADMIN,
            response_url=f"{self.slack_url}/respond/{response_id}",
        )
        return self.slack.deliver("slash_commands", payload)


@pytest.fixture
def socket_bot(shop: Shop) -> Iterator[SocketBot]:
    standin = SlackStandIn(team=shop.team, bot_token=TOKEN)
    slack = standin.install
    fake = Running(standin.web_app())
    settings = bot_settings(
        shop,
        fake.url,
        signing_secret=None,  # Socket Mode needs none
        port=free_port(),
        app_token=slack.app_token,
        scheduler=False,  # the database is shared by the session's tests
    )
    service = Service(settings, Deps(shop.db, shop.clock, settings.admins), host="127.0.0.1")
    thread = threading.Thread(target=asyncio.run, args=(service.run(),), daemon=True)
    thread.start()
    try:
        wait_until(lambda: service.http.started and slack.connected(), what="the bot to connect")
        yield SocketBot(shop, standin, slack, fake.url, settings.port)
    finally:
        service.stop()
        thread.join(timeout=10)
        fake.stop()
    assert not thread.is_alive(), "the bot did not stop"


def test_a_slash_command_arrives_over_the_websocket_is_acked_and_answered(socket_bot: SocketBot) -> None:
    envelope = socket_bot.slash("/credits", "help", "r1")
    ack = wait_until(lambda: socket_bot.slack.ack(envelope), what="the ack")
    assert ack == {"envelope_id": envelope}
    reply = wait_until(lambda: socket_bot.standin.replies("r1"), what="the reply")[-1]
    assert reply["response_type"] == "ephemeral"
    assert "`/credits <customer>`" in reply["text"]
    assert socket_bot.slack.calls[0].method == "apps.connections.open"


def test_http_answers_healthz_but_takes_no_requests(socket_bot: SocketBot) -> None:
    url = f"http://127.0.0.1:{socket_bot.port}"
    assert httpx.get(f"{url}/healthz").json() == {"ok": True}
    # Every request comes over the WebSocket; nothing is accepted unsigned over HTTP.
    assert httpx.post(f"{url}/slack/events", content="command=/credits").status_code == 404


def test_serve_stops_with_one_line_when_slack_refuses_the_app_token(tmp_path: Path) -> None:
    fake = Running(SlackStandIn(team="TLOCAL", bot_token=TOKEN).web_app())
    env = {
        "SLACK_APP_TOKEN": "xapp-1-revoked",
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": f"{fake.url}/api/",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite'}",
        "PORT": str(free_port()),
        "SLACK_CLIENT_ID": None,
        "SLACK_CLIENT_SECRET": None,
    }
    try:
        result = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1"], env=env)
    finally:
        fake.stop()
    assert result.exit_code == 2, result.output
    said = [line for line in result.output.splitlines() if not line.startswith("INFO:")]  # the fake's log
    assert said == ["Error: SLACK_APP_TOKEN was refused by Slack: invalid_auth"]


def test_the_stand_in_admits_only_websocket_urls_it_handed_out(socket_bot: SocketBot) -> None:
    forged = socket_bot.slack_url.replace("http://", "ws://") + f"{SOCKET_PATH}?ticket=forged"
    with pytest.raises(InvalidStatus):
        connect(forged, open_timeout=5)
