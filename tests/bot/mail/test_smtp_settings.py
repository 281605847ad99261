"""The SMTP settings in the workspace settings form: admins only, every bad field under its name
with nothing written, and the password never shown back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core import outbox
from core.credits import flows as credit_flows
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer
from core.kernel.clock import FixedClock
from core.kernel.errors import PermissionDenied
from core.mail import service as mail
from core.workspace import tenants
from core.workspace.tenants import MailChange, Tls
from tests.bot.conftest import Slack
from tests.bot.home.test_home import press_home
from tests.bot.mail.conftest import Smtp, send_mail
from tests.conftest import ADMIN, MANAGER, STAFF, Shop

GOOD = {
    "smtp_host": "smtp.shop.example",
    "smtp_port": "2525",
    "smtp_tls": "none",
    "smtp_user": "mailer",
    "smtp_password": "s3cret-pw",
    "mail_from": "Test Shop <hello@shop.example>",
}


def saved(shop: Shop) -> mail.SmtpServer | None:
    with shop.tx(write=False) as ctx:
        return mail.smtp_server(ctx)


@pytest.mark.parametrize(
    ("typed", "errors"),
    [
        ({"smtp_port": "abc"}, {"smtp_port": "“abc” is not a port number (such as 587)."}),
        ({"smtp_port": "²"}, {"smtp_port": "“²” is not a port number (such as 587)."}),
        ({"smtp_port": "70000"}, {"smtp_port": "70000 is not a port: give a number from 1 to 65535."}),
        (
            {"mail_from": "hello at shop"},
            {"mail_from": "“hello at shop” is not an address such as Studio <hello@studio.example>."},
        ),
        ({"mail_from": ""}, {"mail_from": "Give the address member e-mails come from."}),
        ({"smtp_host": ""}, {"smtp_host": "Give the SMTP server member e-mails go through."}),
        (
            {"smtp_host": "smtp shop"},
            {"smtp_host": "“smtp shop” is not a host name such as smtp.example.com."},
        ),
        ({"smtp_user": ""}, {"smtp_user": "Give the user name this password belongs to."}),
    ],
)
def test_a_bad_smtp_field_is_named_and_nothing_is_written(
    slack: Slack, typed: dict[str, str], errors: dict[str, str]
) -> None:
    press_home(slack, ADMIN, "home_settings", "workspace_settings")
    answer = slack.driver.submit(ADMIN, GOOD | typed)
    assert answer == {"response_action": "errors", "errors": errors}
    assert saved(slack.shop) is None


def test_the_password_is_kept_never_shown_and_dropped_with_the_user(slack: Slack) -> None:
    view = press_home(slack, ADMIN, "home_settings", "workspace_settings")
    assert {"smtp_host", "smtp_port", "smtp_tls", "smtp_user", "smtp_password", "mail_from"} <= {
        b.get("block_id") for b in view["blocks"]
    }
    assert slack.driver.submit(ADMIN, GOOD) == {}
    assert saved(slack.shop) == mail.SmtpServer(
        "smtp.shop.example", 2525, "none", "mailer", "s3cret-pw", "Test Shop <hello@shop.example>"
    )
    view = press_home(slack, ADMIN, "home_settings", "workspace_settings")
    assert "s3cret-pw" not in json.dumps(view)
    (password,) = [b for b in view["blocks"] if b.get("block_id") == "smtp_password"]
    assert password["hint"]["text"] == "A password is set; leave this empty to keep it."
    assert "initial_value" not in password["element"]
    assert slack.driver.submit(ADMIN, {"smtp_port": ""}) == {}  # the password field left empty
    kept = saved(slack.shop)
    assert kept is not None and (kept.password, kept.port, kept.tls) == ("s3cret-pw", 25, Tls.NONE)
    press_home(slack, ADMIN, "home_settings", "workspace_settings")
    assert slack.driver.submit(ADMIN, {"smtp_user": ""}) == {}
    dropped = saved(slack.shop)
    assert dropped is not None and (dropped.user, dropped.password) == ("", "")
    press_home(slack, ADMIN, "home_settings", "workspace_settings")
    assert slack.driver.submit(ADMIN, {"smtp_host": "", "mail_from": ""}) == {}
    assert saved(slack.shop) is None  # e-mail off


def test_only_admins_change_the_smtp_server(shop: Shop) -> None:
    change = MailChange("smtp.shop.example", None, "ssl", "", None, "hello@shop.example")
    with pytest.raises(PermissionDenied), shop.tx(MANAGER) as ctx:
        tenants.update_mail_settings(ctx, change)
    with shop.tx(ADMIN) as ctx:
        assert tenants.update_mail_settings(ctx, change).port == 465


def test_a_workspace_mistake_and_an_smtp_mistake_are_named_together(slack: Slack) -> None:
    press_home(slack, ADMIN, "home_settings", "workspace_settings")
    answer = slack.driver.submit(ADMIN, GOOD | {"timezone": "Mars/Olympus", "smtp_port": "0"})
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"timezone", "smtp_port"}
    assert saved(slack.shop) is None
    with slack.shop.tx(write=False) as ctx:
        assert tenants.settings(ctx).timezone != "Mars/Olympus"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_deliverer_logs_in_and_a_refused_login_waits_for_the_right_password(
    smtp: Smtp, shop: Shop
) -> None:
    smtp.stop()
    smtp.login = ("mailer", "right-pw")
    smtp.start()
    customer = _member_with_credits(shop)
    with shop.tx() as ctx:
        tenants.update_mail_settings(
            ctx, MailChange(smtp.host, smtp.port, "none", "mailer", "wrong-pw", "hello@shop.example")
        )
    with shop.tx(STAFF) as ctx:
        credit_flows.redeem(ctx, customer, Decimal(1), key="desk:1", service_id=None, reference="")
    timer = FixedClock(datetime(2026, 12, 4, 18, 0, tzinfo=UTC))
    assert send_mail(shop, timer) == 0
    with shop.tx(write=False) as ctx:
        (row,) = outbox.pending(ctx)
    assert row.attempts == 1 and "SMTP server unreachable" in row.last_error  # a refused login too
    with shop.tx() as ctx:
        tenants.update_mail_settings(
            ctx, MailChange(smtp.host, smtp.port, "none", "mailer", "right-pw", "hello@shop.example")
        )
    timer.advance(timedelta(seconds=10))
    assert send_mail(shop, timer) == 1
    assert len(smtp.inbox.to("anna@cafe.example")) == 1


def _member_with_credits(shop: Shop) -> int:
    with shop.tx() as ctx:
        c = add_customer(ctx, CustomerInput(company="Café Müller", contact="Anna", email="anna@cafe.example"))
        ledger.grant(ctx, c.id, Unit.CREDIT, Decimal(5), key="never")
        return c.id
