"""Only what Slack signed reaches Bolt, and no body, signed or not, is answered with a 5xx or a trace."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.standin import signature
from storage.tables.customers import Customer
from tests.bot.conftest import SECRET, Slack

FORM = "application/x-www-form-urlencoded"
COMMAND = "command=%2Fcustomers&text=add+Forged+Ltd&user_id=U1&team_id=T1&response_url=http%3A%2F%2Fx"


def _post(slack: Slack, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{slack.driver.bot_url}/slack/events", content=body, headers={"content-type": FORM, **headers}
    )


def _signed(body: bytes, *, age: int = 0, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(time.time()) - age)
    return {"x-slack-request-timestamp": stamp, "x-slack-signature": signature(secret, stamp, body.decode())}


NOW = str(int(time.time()))


def _customers(slack: Slack) -> int:
    """The test workspace's (the database is shared by the session's tests)."""
    with slack.shop.db.session() as s:
        return int(s.scalar(select(func.count()).where(col(Customer.tenant_id) == slack.shop.team)) or 0)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (COMMAND.encode(), {}),
        (b"payload={", {}),
        (b"payload={", {"x-slack-request-timestamp": NOW, "x-slack-signature": "v0=00"}),
        (COMMAND.encode(), {"x-slack-request-timestamp": "soon", "x-slack-signature": "v0=00"}),
        (COMMAND.encode(), {"x-slack-request-timestamp": "1.7e9", "x-slack-signature": "v0=00"}),
        (b"\xff\xfe\x00payload", {"x-slack-request-timestamp": NOW, "x-slack-signature": "v0=00"}),
        (COMMAND.encode(), _signed(COMMAND.encode(), age=6 * 60)),  # a replay older than five minutes
        (COMMAND.encode(), _signed(COMMAND.encode(), secret="not-the-secret")),
    ],
    ids=[
        "unsigned",
        "unsigned-bad-json",
        "bad-signature",
        "word-timestamp",
        "float-timestamp",
        "not-utf8",
        "stale",
        "other-secret",
    ],
)
def test_what_slack_did_not_sign_is_refused_before_it_is_read(
    slack: Slack, body: bytes, headers: dict[str, str]
) -> None:
    answer = _post(slack, body, headers)
    assert (answer.status_code, answer.json()) == (401, {"error": "invalid request"})
    assert _customers(slack) == 0


@pytest.mark.parametrize(
    "body",
    [b"payload={", b"payload=%5B1%2C2%5D", b"{", b"[1, 2]"],
    ids=["bad-json", "payload-list", "bad-raw-json", "raw-list"],
)
def test_a_signed_body_that_is_no_slack_payload_is_a_4xx_not_a_500(slack: Slack, body: bytes) -> None:
    answer = _post(slack, body, _signed(body))
    assert 400 <= answer.status_code < 500 and "Traceback" not in answer.text


def test_a_correctly_signed_command_still_goes_through(slack: Slack) -> None:
    reply = slack.command("/customers", "help")
    assert "customers" in str(reply).lower()


@pytest.mark.parametrize("who", ["system", "SYSTEM", " system"])
def test_nobody_acts_as_the_internal_system_actor(slack: Slack, who: str) -> None:
    # Signed, so only someone holding the secret could send it: still never with every permission.
    http, response_id = slack.driver.slash("/customers", "add Forged Ltd", user=who)
    assert http.status_code == 403 and not slack.standin.replies(response_id)
    http, _ = slack.driver.click("approval_approve", "1", user=who)
    assert http.status_code == 403
    assert _customers(slack) == 0
