"""What people can type — superscript digits, 1e30, -0, NaN, ids beyond 64 bits, dates that do not
exist, a NUL byte, a 50 KB search — is answered with a message naming what was wrong, never the
generic apology, and writes nothing."""

from __future__ import annotations

import pytest

from core.workspace import tenants
from tests.bot.conftest import Slack
from tests.bot.home.test_home import press_home
from tests.conftest import ADMIN, NOBODY

APOLOGY = "Sorry, something went wrong"
HUGE_ID = "99999999999999999999"

TYPED = [
    ("/credits", "redeem Alice ²"),
    ("/credits", "redeem Alice 1e30"),
    ("/credits", f"redeem Alice {HUGE_ID}"),
    ("/credits", f"#{HUGE_ID}"),
    ("/credits", "history #99999999999999999999"),
    ("/customers", f"#{HUGE_ID}"),
    ("/customers", "edit #99999999999999999999"),
    ("/customers", "Al\x00ice"),
    ("/customers", "x" * 50_000),
    ("/membership", f"list #{HUGE_ID}"),
    ("/membership", f"report M-{HUGE_ID}"),
    ("/billing", f"M-{HUGE_ID}"),
    ("/billing", f"pay C-{HUGE_ID}"),
    ("/billing", f"#{HUGE_ID}"),
    ("/classes", f"cancel B-{HUGE_ID}"),
    ("/classes", "roster Yoga on 2026-02-30"),
    ("/classes", "book Alice Yoga on 9999-12-31"),
    ("/revenue", "2026-13"),
    ("/revenue", "9999-12"),
    ("/revenue", "0000-01"),
    ("/revenue", "export 2026-13"),
    ("/visits", "from 2026-02-30"),
    ("/visits", "from 9999-12-31 to 9999-12-31"),
    ("/visits", "Al\x00ice"),
    ("/checkout", "Alice: 2 x Massage @ 1e30"),
    ("/checkout", "Alice: 2 x Massage @ NaN"),
    ("/checkout", "Alice: 2 x Massage @ Infinity"),
    ("/checkout", "Alice: ² x Massage @ 10"),
    ("/checkout", f"Alice: {HUGE_ID} x Massage @ 10"),
    ("/checkout", f"show INV-{HUGE_ID}"),
    ("/checkout", f"void INV-{HUGE_ID} wrong"),
    ("/checkout", "Alice: 2 x Massage @ -0"),
    ("/services", "price Massage at Main 1e30"),
    ("/services", "price Massage at Main NaN"),
    ("/plans", "edit \x00"),
]


@pytest.mark.parametrize(("command", "text"), TYPED)
def test_typed_input_is_answered_with_its_field(slack: Slack, command: str, text: str) -> None:
    said = slack.command(command, text, user=ADMIN)["text"]
    assert APOLOGY not in said


def test_someone_with_no_role_asking_for_the_customer_picker_gets_no_options(slack: Slack) -> None:
    payload = {
        "type": "block_suggestion",
        "team": {"id": slack.shop.team, "domain": "sandbox"},
        "user": {"id": NOBODY, "team_id": slack.shop.team},
        "api_app_id": "AMEMBERBOT",
        "action_id": "customer",
        "block_id": "customer",
        "value": "Al",
        "view": {"id": "VSALE", "type": "modal", "callback_id": "membership_assign"},
    }
    answer = slack.driver._interaction(payload)
    assert answer.status_code == 200 and answer.json() == {"options": []}


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("approve_grants_above", "²"),
        ("approve_grants_above", "99999999999999999999999"),
        ("balance_alert_above", "1e30"),
        ("balance_alert_above", "NaN"),
        ("balance_alert_above", "Infinity"),
        ("balance_alert_above", "-0"),
        ("grace_days", "²"),
        ("grace_days", "99999999999999999999"),
        ("visit_horizon_days", "1e30"),
        ("expiry_reminder_days", "7,²"),
        ("name", "Shop\x00"),
    ],
)
def test_a_setting_typed_wrong_is_refused_under_its_field(slack: Slack, field: str, typed: str) -> None:
    press_home(slack, ADMIN, "home_settings", "workspace_settings")
    with slack.shop.tx(write=False) as ctx:
        before = tenants.settings(ctx)
    answer = slack.driver.submit(ADMIN, {field: typed})
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [field], answer
    assert APOLOGY not in answer["errors"][field]
    with slack.shop.tx(write=False) as ctx:
        assert tenants.settings(ctx) == before
