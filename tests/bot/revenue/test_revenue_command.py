"""/revenue over real HTTP: a month's totals by plan and location, the Excel report uploaded to the
conversation, a month that is not one quoted back, and help."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from core.catalog import locations as catalog
from core.credits.terms import CreditKind, CreditTerms
from core.customers import service as customers
from tests.bot.conftest import Slack, wait_until
from tests.conftest import MANAGER, STAFF
from tests.integration.credit_helpers import at, credit_plan, member

TOTAL = (
    "*Total*: sold $588.00, recognised $27.39 (IRR $0.00, MRR $27.39, SCR $0.00), "
    "recognised to date $27.39, deferred $560.61"
)


def sold(slack: Slack) -> int:
    """Gold, 49.00 a month for twelve months, sold to Anna on 15 January 2025 (365 days: January's
    17 of them earn 588.00 x 17 / 365 = 27.39, all of it MRR until a split is set)."""
    at(slack.shop, date(2025, 1, 15))
    gold = credit_plan(slack.shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4)))
    with slack.shop.tx() as ctx:
        catalog.add_location(ctx, "Downtown")
        anna = customers.add_customer(ctx, customers.CustomerInput(company="Anna Berg")).id
    return member(slack.shop, gold, date(2025, 1, 15), customer=anna)[1]


def test_a_month_s_totals_by_plan_and_location(slack: Slack) -> None:
    sold(slack)
    text = slack.command("/revenue", "2025-01", user=MANAGER)["text"]
    assert text == "\n".join(
        [
            "*Deferred revenue, January 2025*",
            "• *Gold* (sold without a location): sold $588.00, recognised $27.39 "
            "(IRR $0.00, MRR $27.39, SCR $0.00), "
            "to date $27.39, deferred $560.61",
            TOTAL,
            "`/revenue export 2025-01` sends you the Excel report.",
        ]
    )
    february = slack.command("/revenue", "2025-02", user=MANAGER)["text"]
    assert "sold $0.00, recognised $45.10" in february and "deferred $515.51" in february
    before = slack.command("/revenue", "2024-12", user=MANAGER)["text"]
    assert "Nothing sold by the end of the month." in before
    assert slack.standin.files == {}  # nothing uploaded without `export`


def test_money_is_shown_in_the_workspace_currency(slack: Slack) -> None:
    sold(slack)
    with slack.shop.tx() as ctx:
        ctx.tenant.currency = "EUR"
        ctx.uow.session.add(ctx.tenant)
    text = slack.command("/revenue", "2025-01", user=MANAGER)["text"]
    assert "*Total*: sold €588.00, recognised €27.39" in text and "$" not in text


def test_export_uploads_the_excel_report_and_replies_with_the_totals(slack: Slack) -> None:
    sold(slack)
    said = slack.command("/revenue", "export 2025-01", user=MANAGER)["text"]
    assert TOTAL in said and said.endswith("The Excel report is in your direct messages with memberbot.")
    (uploaded,) = wait_until(
        lambda: [f for f in slack.standin.files.values() if f["channel"]], what="the upload"
    )
    assert (
        uploaded["name"] == "deferred-revenue-2025-01.xlsx" and uploaded["channel"] == f"D{MANAGER}"
    )  # to whoever asked, not the channel
    book = load_workbook(io.BytesIO(uploaded["content"]))
    assert book.sheetnames == ["By plan and location", "Memberships"]
    rows = list(book["By plan and location"].iter_rows(values_only=True))
    assert rows[1][:4] == ("Gold", "No location", 0, 588)
    assert rows[-1][0] == "Total"


def test_a_month_that_is_not_one_is_quoted_back_with_the_form_expected(slack: Slack) -> None:
    sold(slack)
    said = slack.command("/revenue", "2025-13", user=MANAGER)["text"]
    assert said == "'2025-13' is not a month; write it as YYYY-MM, such as 2025-03."
    assert "'March' is not a month" in slack.command("/revenue", "export March", user=MANAGER)["text"]
    assert slack.standin.files == {}


def test_help(slack: Slack) -> None:
    said = slack.command("/revenue", "help", user=MANAGER)["text"]
    assert said.startswith("*/revenue* — the deferred revenue report")
    assert "`/revenue export <YYYY-MM>`" in said
    assert slack.command("/revenue", "", user=MANAGER)["text"] == said
    assert slack.command("/revenue", "export", user=MANAGER)["text"] == said


def test_one_membership_month_by_month(slack: Slack) -> None:
    m = sold(slack)
    at(slack.shop, date(2025, 2, 20))
    lines = slack.command("/revenue", f"M-{m}", user=MANAGER)["text"].splitlines()
    assert lines[0] == f"*M-{m} Anna Berg* — Gold, sold Wed 15 Jan 2025; to the end of February 2025"
    assert lines[1:3] == [
        "• January 2025: IRR $0.00, MRR $27.39, SCR $0.00",
        "• February 2025: IRR $0.00, MRR $45.10, SCR $0.00",
    ]
    assert lines[3] == "Sold to date $588.00, recognised to date $72.49, deferred $515.51."
    january = slack.command("/revenue", f"m{m} 2025-01", user=MANAGER)["text"]
    assert "to the end of January 2025" in january and "Feb 2025" not in january


def test_a_membership_that_is_not_one_is_said_so(slack: Slack) -> None:
    m = sold(slack)
    assert "was not sold by the end of December 2024" in slack.command("/revenue", f"M-{m} 2024-12")["text"]
    assert "was not sold" in slack.command("/revenue", f"M-{m + 1000}", user=MANAGER)["text"]
    assert "not a month" in slack.command("/revenue", f"M-{m} 13-2025", user=MANAGER)["text"]


def test_the_front_desk_cannot_read_revenue(slack: Slack) -> None:
    refused = slack.command("/revenue", "2025-01", user=STAFF)["text"]
    assert "read revenue and liability reports" in refused
    assert "read revenue" in slack.command("/revenue", "export 2025-01", user=STAFF)["text"]
    assert not slack.standin.files
