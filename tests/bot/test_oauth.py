"""Many workspaces: each installs the app through Bolt's OAuth flow, the installation is stored in
our database (SQLite and PostgreSQL), each request is authorized with its own workspace's token,
a workspace that never installed is refused, and no workspace sees another's data."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.app import NOT_INSTALLED, build_app
from bot.deps import Deps
from bot.local_server import Running
from bot.server import create_server
from bot.settings import MANIFEST_BOT_SCOPES, OAuth, Settings
from bot.standin import Driver, SlackStandIn
from bot.standin_install import InstallStandIn
from core.context import transaction
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer
from core.workspace import roles
from storage.tables.slack import SLACK_INSTALLATIONS
from storage.tables.workspace import Tenant
from tests.bot.conftest import SECRET, TOKEN, bot_settings, wait_until
from tests.conftest import ADMIN, Shop, new_team

OWNER = "UOWNER"  # installs the app in a second workspace


@dataclass
class Workspaces:
    shop: Shop
    standin: SlackStandIn
    slack: InstallStandIn
    bot_url: str
    slack_url: str

    def install(self, team: str, installer: str) -> httpx.Response:
        """What a browser does: open the install link, approve in Slack, follow the redirect back."""
        page = httpx.get(f"{self.bot_url}/slack/install")
        state = _authorize_query(page.text)["state"]
        code = self.slack.authorize(team, installer=installer, name=f"Shop {team}")
        # The state cookie is Secure: a browser sends it back over HTTPS, so the test does by hand.
        cookie = page.headers["set-cookie"].partition(";")[0]
        return httpx.get(
            f"{self.bot_url}/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"cookie": cookie},
        )

    def command(self, team: str, user: str, command: str, text: str) -> dict[str, Any]:
        driver = Driver(bot_url=self.bot_url, standin_url=self.slack_url, secret=SECRET, team=team)
        # Every workspace's driver numbers its response URLs from r1: wait for a new reply, not any.
        before = self._replies()
        http, response_id = driver.slash(command, text, user=user)
        assert http.status_code == 200, http.text
        wait_until(lambda: self._replies() > before, what=f"a reply to {command} {text}")
        reply = self.standin.replies(response_id)[-1]
        assert isinstance(reply, dict)
        return reply

    def _replies(self) -> int:
        return sum(len(replies) for replies in list(self.standin.responses.values()))

    def authorized_with(self, *, since: int = 0) -> list[str]:
        """The tokens checked with auth.test (Bolt checks the token of every request it authorizes,
        and the install flow its new token) from call number `since` on."""
        return [c.bearer for c in self.slack.calls[since:] if c.method == "auth.test"]


def _authorize_query(install_page: str) -> dict[str, str]:
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', install_page)
    assert link, install_page
    query = urllib.parse.urlsplit(link.group(1).replace("&amp;", "&")).query
    return dict(urllib.parse.parse_qsl(query, keep_blank_values=True))


@pytest.fixture
def workspaces(shop: Shop) -> Iterator[Workspaces]:
    standin = SlackStandIn(team=shop.team, bot_token=TOKEN)  # answers response_url replies
    slack = standin.install
    fake = Running(standin.web_app())
    settings = bot_settings(
        shop,
        fake.url,
        bot_token=None,
        admins=(),  # a new workspace's admin is whoever installed it
        oauth=OAuth(slack.client_id, slack.client_secret),
    )
    bot = Running(
        create_server(build_app(settings, Deps(shop.db, shop.clock)), shop.db, signing_secret=SECRET)
    )
    try:
        yield Workspaces(shop, standin, slack, bot.url, fake.url)
    finally:
        bot.stop()
        fake.stop()


def test_the_install_link_asks_for_the_manifest_scopes(workspaces: Workspaces) -> None:
    page = httpx.get(f"{workspaces.bot_url}/slack/install")
    query = _authorize_query(page.text)
    assert query["client_id"] == workspaces.slack.client_id
    assert query["scope"].split(",") == list(MANIFEST_BOT_SCOPES)
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"slack-app-oauth-state={query['state']};") and "Secure" in cookie


def test_an_installation_is_stored_and_requests_use_its_token(workspaces: Workspaces) -> None:
    team = workspaces.shop.team
    assert workspaces.install(team, ADMIN).status_code == 200
    token = workspaces.slack.token_of(team)
    with workspaces.shop.db.engine.connect() as conn:
        stored = conn.execute(
            select(SLACK_INSTALLATIONS.c.bot_token, SLACK_INSTALLATIONS.c.user_id).where(
                SLACK_INSTALLATIONS.c.team_id == team
            )
        ).all()
    assert [tuple(row) for row in stored] == [(token, ADMIN)]

    installed = len(workspaces.slack.calls)
    for _ in range(2):
        reply = workspaces.command(team, ADMIN, "/credits", "help")
        assert "`/credits <customer>`" in reply["text"]
    assert workspaces.authorized_with(since=installed) == [token]  # checked once, then remembered


def test_a_workspace_that_never_installed_is_refused(workspaces: Workspaces) -> None:
    stranger = new_team()
    reply = workspaces.command(stranger, "USTRANGER", "/credits", "help")
    assert reply["text"] == NOT_INSTALLED
    assert workspaces.authorized_with() == []
    with Session(workspaces.shop.db.engine) as session:  # no listener ran: not even set up
        assert session.get(Tenant, stranger) is None


def test_two_workspaces_see_only_their_own_data(workspaces: Workspaces) -> None:
    first, second = workspaces.shop.team, new_team()
    workspaces.install(first, ADMIN)
    workspaces.install(second, OWNER)
    with workspaces.shop.tx() as ctx:
        customer = add_customer(ctx, CustomerInput(company="Alpha Plumbing"))
        ledger.grant(ctx, customer.id, Unit.CREDIT, Decimal(4), key="seed")

    assert "*4* credits" in workspaces.command(first, ADMIN, "/credits", "alpha plumbing")["text"]
    elsewhere = workspaces.command(second, OWNER, "/credits", "alpha plumbing")["text"]
    assert elsewhere.startswith("No customer matches")
    tokens = {workspaces.slack.token_of(first), workspaces.slack.token_of(second)}
    assert set(workspaces.authorized_with()) == tokens


def test_whoever_installs_administers_their_workspace(workspaces: Workspaces) -> None:
    second = new_team()
    workspaces.install(second, OWNER)
    shop = workspaces.shop
    with transaction(shop.db, second, OWNER, shop.clock, write=False) as ctx:
        assert roles.roles_of(ctx, OWNER) == {roles.Role.ADMIN}
        assert ctx.tenant.name == f"Shop {second}"


def test_a_redirect_that_did_not_start_here_is_refused_and_stores_nothing(workspaces: Workspaces) -> None:
    team = new_team()
    code = workspaces.slack.authorize(team, installer=OWNER)
    forged = httpx.get(f"{workspaces.bot_url}/slack/oauth_redirect", params={"code": code, "state": "forged"})
    assert forged.status_code == 400
    assert workspaces.slack.token_of(team) is None  # the code was never exchanged
    with workspaces.shop.db.engine.connect() as conn:
        stored = conn.execute(select(SLACK_INSTALLATIONS.c.id).where(SLACK_INSTALLATIONS.c.team_id == team))
        assert stored.first() is None


def test_in_socket_mode_the_install_pages_stay_on_http(shop: Shop) -> None:
    settings = Settings(
        signing_secret=None,
        bot_token=None,
        database_url=shop.db.url,
        port=0,
        api_url=None,
        admins=(),
        app_token="xapp-1-A1-2",
        oauth=OAuth("1111.2222", "client-s3cret"),
    )
    bot = Running(create_server(build_app(settings, Deps(shop.db, shop.clock)), shop.db, signing_secret=None))
    try:
        assert httpx.get(f"{bot.url}/slack/install").status_code == 200
        assert httpx.get(f"{bot.url}/healthz").json() == {"ok": True}
        assert httpx.post(f"{bot.url}/slack/events").status_code == 404
    finally:
        bot.stop()
