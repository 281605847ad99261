"""The real bot (Bolt AsyncApp on uvicorn) and the Slack stand-in, each on its own local port."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import build_app
from bot.deps import Deps
from bot.local_server import Running
from bot.server import create_server
from bot.settings import Settings
from bot.standin import Driver, SlackStandIn
from tests.conftest import ADMIN, Shop

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"


def wait_until(condition: Callable[[], Any], *, what: str, timeout: float = 10.0) -> Any:
    """Wait on a condition with a deadline (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def bot_settings(shop: Shop, standin_url: str, **changes: Any) -> Settings:
    """The bot's settings for the shop's database and the stand-in at `standin_url` (signed HTTP
    requests, one workspace's bot token, ADMIN as admin); `changes` as a test needs them."""
    named: dict[str, Any] = {
        "signing_secret": SECRET,
        "bot_token": TOKEN,
        "database_url": shop.db.url,
        "port": 0,
        "api_url": f"{standin_url}/api/",
        "admins": (ADMIN,),
    }
    return Settings(**(named | changes))


@dataclass
class Slack:
    shop: Shop
    standin: SlackStandIn
    driver: Driver

    def command(self, command: str, text: str, *, user: str = ADMIN) -> dict[str, Any]:
        """Send a slash command and wait for the bot's reply through response_url."""
        http, response_id = self.driver.slash(command, text, user=user)
        assert http.status_code == 200, http.text
        replies = wait_until(lambda: self.standin.replies(response_id), what=f"a reply to {command} {text}")
        reply = replies[-1]
        assert isinstance(reply, dict)
        return reply

    def open_modal(self, command: str, text: str, *, user: str = ADMIN, callback_id: str) -> dict[str, Any]:
        """Send a command that opens a modal; wait until the loading view is replaced by the form."""
        http, _ = self.driver.slash(command, text, user=user)
        assert http.status_code == 200, http.text

        def opened() -> dict[str, Any] | None:
            view = self.standin.top_modal(user)
            return view if view and view.get("callback_id") == callback_id else None

        view = wait_until(opened, what=f"the {callback_id} modal")
        assert isinstance(view, dict)
        return view


@pytest.fixture
def slack(shop: Shop) -> Iterator[Slack]:
    standin = SlackStandIn(team=shop.team, bot_token=TOKEN)
    fake = Running(standin.web_app())
    standin.url = fake.url
    settings = bot_settings(shop, fake.url)
    bot = Running(
        create_server(
            build_app(settings, Deps(shop.db, shop.clock, settings.admins)), shop.db, signing_secret=SECRET
        )
    )
    try:
        yield Slack(shop, standin, Driver(bot.url, fake.url, SECRET, shop.team, standin))
    finally:
        bot.stop()
        fake.stop()
    assert standin.problems == [], "the bot sent Block Kit Slack would refuse"
