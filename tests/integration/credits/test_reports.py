"""Credit reports and their Excel and CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from core.credits import ledger
from core.credits import reports as credit_reports
from core.credits.lots import Unit
from core.credits.reports import LiabilityRow, SummaryLine
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.kernel.errors import NotFound, PermissionDenied
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import D, at, credit_plan, member
from tests.integration.helpers import add_customer


def scenario(shop: Shop) -> tuple[int, int, int]:
    """Ann: 8 credits on Sat 1 Feb 2025 lasting 10 days, 3 used, the rest expired; 8 more on 1 Mar.
    Bo: 50.00 of monetary credit given by hand, never expiring."""
    at(shop, date(2025, 2, 1))
    plan = credit_plan(
        shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(8), expiry=Expiry.DAYS, expiry_days=10)
    )
    ann, membership = member(shop, plan, date(2025, 2, 1))
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, ann, D(3), key="yoga", reference="Yoga 1 Feb")
    at(shop, date(2025, 2, 12))
    with shop.tx() as ctx:
        ledger.expire_due(ctx)
        bo = add_customer(ctx, company="Bo's Bakery")
    with shop.tx(ADMIN) as ctx:
        ledger.adjust(ctx, bo, D("50.00"), "Apology for a missed visit", key="goodwill", unit=Unit.MONEY)
    at(shop, date(2025, 3, 1))
    with shop.tx() as ctx:
        from core.credits import grants as credit_grants

        credit_grants.grant_due(ctx)
    return ann, bo, membership


def test_the_customer_report_has_the_numbers_and_the_whole_history(shop: Shop) -> None:
    ann, _, membership = scenario(shop)
    with shop.tx(STAFF, write=False) as ctx:
        report = credit_reports.customer_report(ctx, ann)
        only = credit_reports.customer_report(ctx, ann, contract_id=membership)
    assert report.summary == (
        SummaryLine(Unit.CREDIT, available=D(8), granted=D(16), used=D(3), expired=D(5)),
    )
    assert only.summary == report.summary and only.membership == f"M-{membership}"
    assert [(r.at.date(), r.kind, r.quantity, r.lot_balance, r.reference) for r in report.history] == [
        (date(2025, 2, 1), "Granted", D(8), D(8), "period 1"),
        (date(2025, 2, 1), "Used", D(-3), D(5), "Yoga 1 Feb"),
        (date(2025, 2, 12), "Expired", D(-5), D(0), ""),
        (date(2025, 3, 1), "Granted", D(8), D(8), "period 2"),
    ]
    assert report.history[0].at.utcoffset() == timedelta(hours=-5)  # shown in the shop's timezone


def test_a_membership_of_another_customer_is_not_reported(shop: Shop) -> None:
    _, bo, membership = scenario(shop)
    with pytest.raises(NotFound), shop.tx(STAFF, write=False) as ctx:
        credit_reports.customer_report(ctx, bo, contract_id=membership)


def test_liability_by_plan_and_by_expiry_month(shop: Shop) -> None:
    scenario(shop)
    with shop.tx(MANAGER, write=False) as ctx:
        report = credit_reports.liability_report(ctx)
    assert report.by_plan == (
        LiabilityRow("Gold", Unit.CREDIT, D(8)),
        LiabilityRow("No membership", Unit.MONEY, D("50.00")),
    )
    assert report.by_month == (
        LiabilityRow("2025-03", Unit.CREDIT, D(8)),
        LiabilityRow("Never", Unit.MONEY, D("50.00")),
    )
    assert (report.total(Unit.CREDIT), report.total(Unit.MONEY)) == (D(8), D("50.00"))


def test_excel_export_has_typed_cells_a_bold_frozen_header_and_filters(shop: Shop) -> None:
    ann, _, _ = scenario(shop)
    with shop.tx(MANAGER, write=False) as ctx:
        data = credit_reports.to_xlsx(credit_reports.customer_report(ctx, ann))
        liability = credit_reports.to_xlsx(credit_reports.liability_report(ctx))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Summary", "History"]
    history = book["History"]
    assert [c.value for c in history[1]] == credit_reports.HISTORY_HEADER
    assert history["A1"].font.b and history.freeze_panes == "A2" and history.auto_filter.ref == "A1:J5"
    assert isinstance(history["A2"].value, datetime) and history["A2"].number_format == "yyyy-mm-dd"
    assert history["E3"].value == -3 and history["E3"].number_format == "0"
    assert history.column_dimensions["J"].width >= len("Yoga 1 Feb")
    money = load_workbook(io.BytesIO(liability))
    assert money.sheetnames == ["By plan", "By expiry month"]
    row = [c.value for c in money["By plan"][3]]
    assert (
        row == ["No membership", "monetary credit", 50] and money["By plan"]["C3"].number_format == "#,##0.00"
    )


def test_csv_export_matches_the_report(shop: Shop) -> None:
    ann, _, _ = scenario(shop)
    with shop.tx(MANAGER, write=False) as ctx:
        text = credit_reports.to_csv(credit_reports.customer_report(ctx, ann))
        liability = credit_reports.to_csv(credit_reports.liability_report(ctx))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == credit_reports.HISTORY_HEADER
    assert rows[2][:6] == ["2025-02-01", "12:00", "Used", "credits", "-3", "5"]
    assert list(csv.reader(io.StringIO(liability)))[-1] == [
        "expiry month",
        "Never",
        "monetary credit",
        "50.00",
    ]


ATTACKS = ['=HYPERLINK("http://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


def test_text_that_would_start_a_formula_is_written_as_text(shop: Shop) -> None:
    at(shop, date(2025, 2, 1))
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(8)))
    ann, _ = member(shop, plan, date(2025, 2, 1))
    with shop.tx(STAFF) as ctx:
        for n, attack in enumerate(ATTACKS):
            ledger.redeem(ctx, ann, D(1), key=f"attack-{n}", reference=attack)
    with shop.tx(STAFF, write=False) as ctx:
        report = credit_reports.customer_report(ctx, ann)
        book = load_workbook(io.BytesIO(credit_reports.to_xlsx(report)))
        text = credit_reports.to_csv(report)
    references = [row[9] for row in book["History"].iter_rows(min_row=2) if row[2].value == "Used"]
    # The text itself is kept (XML stores a carriage return as a line feed).
    assert sorted(str(c.value) for c in references) == sorted(a.replace("\r", "\n") for a in ATTACKS)
    assert {c.data_type for c in references} == {"s"}  # stored as text, never as a formula
    rows = list(csv.reader(io.StringIO(text)))
    written = {row[9] for row in rows[1:] if row[2] == "Used"}
    assert written == {f"'{a}" for a in ATTACKS}
    assert {row[4] for row in rows[1:]} >= {"-1", "8"}  # numbers are numbers, unquoted


def test_the_liability_report_is_for_managers_not_the_front_desk(shop: Shop) -> None:
    scenario(shop)
    with pytest.raises(PermissionDenied), shop.tx(STAFF, write=False) as ctx:
        credit_reports.liability_report(ctx)
