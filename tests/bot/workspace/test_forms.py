"""The workspace settings and staff roles forms, opened from the App Home, end to end."""

from __future__ import annotations

from core.workspace import roles, tenants
from core.workspace.roles import Role
from tests.bot.conftest import Slack
from tests.bot.home.test_home import press_home
from tests.conftest import ADMIN


def test_admin_settings_and_roles_forms(slack: Slack) -> None:
    view = press_home(slack, ADMIN, "home_settings", "workspace_settings")
    assert {b["block_id"] for b in view["blocks"]} >= {"timezone", "currency", "approvals_channel"}
    wrong = slack.driver.submit(ADMIN, {"timezone": "Mars/Olympus", "grace_days": "soon"})
    assert wrong["response_action"] == "errors" and "grace_days" in wrong["errors"]
    wrong = slack.driver.submit(ADMIN, {"timezone": "Mars/Olympus"})
    assert wrong["response_action"] == "errors" and "timezone" in wrong["errors"]
    assert slack.driver.submit(ADMIN, {"timezone": "Europe/Lisbon", "approvals_channel": "CAPPROVALS"}) == {}
    with slack.shop.tx(write=False) as ctx:
        saved = tenants.settings(ctx)
    assert (saved.timezone, saved.approvals_channel) == ("Europe/Lisbon", "CAPPROVALS")
    press_home(slack, ADMIN, "home_roles", "staff_roles")
    assert slack.driver.submit(ADMIN, {"user": "UNEWBIE", "role": "staff"}) == {}
    with slack.shop.tx(write=False) as ctx:
        assert roles.roles_of(ctx, "UNEWBIE") == {Role.STAFF}
    press_home(slack, ADMIN, "home_roles", "staff_roles")
    refused = slack.driver.submit(ADMIN, {"user": ADMIN, "role": "admin", "change": "revoke"})
    assert "your own admin role" in refused["errors"]["role"]
