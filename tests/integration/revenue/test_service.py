"""Revenue recognition over a year on both databases: the deferred revenue report reconciles to
the cent with redemptions, a reversal, breakage and a cancelled membership; a location's own split;
the months before the sale and after the term; the Excel and CSV exports; bad input."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from dateutil.relativedelta import relativedelta
from openpyxl import load_workbook

from core.catalog import locations as catalog
from core.context import transaction
from core.credits import grants as credit_grants
from core.credits import ledger
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.kernel.errors import ImmutableField, InvalidInput, PermissionDenied
from core.memberships import service as memberships
from core.plans import carry_over
from core.plans import service as plans
from core.revenue import service as revenue
from core.revenue.recognition import Split
from core.revenue.service import RevenueReport
from storage.tables.revenue import RevenueSplitLocation
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration.credit_helpers import D, at
from tests.integration.helpers import add_customer, plan_by_name
from tests.integration.threads import race

# Gold: 49.00 a month for 12 months and a 25.00 setup fee, sold for 25.00 + 12 x 49.00 = 613.00.
# Two credits at once and one each month (14 in all), each lasting 30 days.
SALE = D("613.00")
GOLD_SPLIT = Split(D("4.00"), D("40.00"), D("5.00"))  # per month: IRR 73.00, MRR 480.00, SCR 60.00
DOWNTOWN_SPLIT = Split(D("9.00"), D("30.00"), D("10.00"))  # IRR 133.00, MRR 360.00, SCR 120.00


def gold(shop: Shop) -> tuple[int, int, int]:
    """(plan version, Downtown, Uptown) with the Gold splits set."""
    with shop.tx(ADMIN) as ctx:
        plan = plan_by_name(ctx, "Gold")
        credits = CreditTerms(
            kind=CreditKind.SERVICE, per_period=D(1), initial=D(2), expiry=Expiry.DAYS, expiry_days=30
        )
        plan = plans.update_plan(ctx, plan.id, replace(plan.terms, setup_fee=D("25.00"), credits=credits))
        downtown, uptown = catalog.add_location(ctx, "Downtown"), catalog.add_location(ctx, "Uptown")
        revenue.set_split(ctx, plan.version_id, GOLD_SPLIT)
        revenue.set_split(ctx, plan.version_id, DOWNTOWN_SPLIT, location_id=downtown)
        return plan.version_id, downtown, uptown


def sell(shop: Shop, name: str, location: int) -> tuple[int, int]:
    """(customer, membership) sold and approved today, starting on 1 February 2025."""
    with shop.tx(STAFF) as ctx:
        customer = add_customer(ctx, company=name)
        plan = plan_by_name(ctx, "Gold")
        m = memberships.assign(ctx, customer, plan.id, date(2025, 2, 1), location_id=location)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m.id)
    return customer, m.id


def day(shop: Shop, on: date) -> None:
    """Move to `on` and run the day's credit work: states by the calendar, expiries, grants."""
    at(shop, on)
    with shop.tx() as ctx:
        memberships.advance_by_date(ctx)
        ledger.expire_due(ctx)
        credit_grants.grant_due(ctx)


def redeem(shop: Shop, customer: int, key: str) -> None:
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(1), key=key)


def year(shop: Shop, downtown: int, uptown: int) -> tuple[int, int]:
    """Ann (Uptown) uses a credit in most months, one use is reversed after its lot expired, and
    what she leaves expires; Bo (Downtown) cancels in April and never gets 9 of his 14 credits."""
    at(shop, date(2025, 1, 15))
    ann, ann_m = sell(shop, "Ann's Yoga", uptown)
    _, bo_m = sell(shop, "Bo's Bakery", downtown)
    at(shop, date(2025, 1, 20))
    redeem(shop, ann, "ann-jan")
    day(shop, date(2025, 2, 1))
    day(shop, date(2025, 2, 16))  # Ann's second initial credit expires (breakage); both of Bo's
    at(shop, date(2025, 2, 20))
    redeem(shop, ann, "ann-feb")
    for month in range(3, 13):
        day(shop, date(2025, month, 1))
        if month == 3:
            at(shop, date(2025, 3, 5))  # February's lot expired on 3 March: the use comes back and expires
            with shop.tx(STAFF) as ctx:
                ledger.reverse(ctx, "ann-feb", "entered on the wrong customer")
        if month <= 8:
            at(shop, date(2025, month, 10))
            redeem(shop, ann, f"ann-{month}")
        if month == 4:
            at(shop, date(2025, 4, 15))
            with shop.tx(MANAGER) as ctx:
                memberships.cancel(ctx, bo_m, "moved away")
    for on in (date(2026, 1, 1), date(2026, 2, 10)):
        day(shop, on)
    return ann_m, bo_m


def report(shop: Shop, month: str) -> RevenueReport:
    with shop.tx(MANAGER, write=False) as ctx:
        return revenue.deferred_report(ctx, month)


def months(first: date, last: date) -> list[date]:
    out = [first]
    while out[-1] < last:
        out.append(out[-1] + relativedelta(months=1))
    return out


def test_the_report_reconciles_every_month_of_the_year(shop_year: tuple[Shop, int, int]) -> None:
    shop, _, _ = shop_year
    deferred = D("0.00")
    recognised = D("0.00")
    for month in months(date(2024, 12, 1), date(2026, 3, 1)):
        total = report(shop, f"{month:%Y-%m}").total
        assert total.opening == deferred  # last month's closing balance is this month's opening
        recognised += total.recognised
        assert total.recognised_to_date == recognised
        assert total.deferred == total.sold_to_date - total.recognised_to_date
        deferred = total.deferred
    assert (total.sold_to_date, total.recognised_to_date, total.deferred) == (2 * SALE, 2 * SALE, D("0.00"))


def test_what_each_part_earns_and_when(shop_year: tuple[Shop, int, int]) -> None:
    shop, ann_m, bo_m = shop_year
    with shop.tx(MANAGER, write=False) as ctx:
        ann = revenue.membership_revenue(ctx, ann_m, date(2026, 3, 1))
    # The worked example of docs/revenue.md, month by month.
    assert [(f"{m:%Y-%m}", str(a.irr), str(a.mrr), str(a.scr)) for m, a in ann.schedule.items()] == [
        ("2025-01", "73.00", "0", "4.29"),
        ("2025-02", "0", "36.82", "8.57"),
        ("2025-03", "0", "40.77", "4.28"),
        ("2025-04", "0", "39.45", "4.29"),
        ("2025-05", "0", "40.77", "4.28"),
        ("2025-06", "0", "39.45", "4.29"),
        ("2025-07", "0", "40.77", "4.29"),
        ("2025-08", "0", "40.76", "4.28"),
        ("2025-09", "0", "39.46", "0"),
        ("2025-10", "0", "40.76", "4.29"),
        ("2025-11", "0", "39.46", "4.28"),
        ("2025-12", "0", "40.76", "4.29"),
        ("2026-01", "0", "40.77", "4.28"),
        ("2026-02", "0", "0", "4.29"),
    ]
    assert [s.price for s in ann.sales] == [SALE]
    january = {line.location: line for line in report(shop, "2025-01").lines}
    uptown, downtown = january["Uptown"], january["Downtown"]
    # Sold in January: IRR with the setup fee at once; MRR starts in February; one of Ann's credits used.
    assert (uptown.sold, uptown.irr, uptown.mrr, uptown.scr) == (SALE, D("73.00"), D(0), D("4.29"))  # 60/14
    assert (downtown.irr, downtown.mrr, downtown.scr) == (D("133.00"), D(0), D(0))
    assert uptown.deferred == SALE - D("77.29")
    february = {line.location: line for line in report(shop, "2025-02").lines}
    # 28 of the term's 365 days: 480.00 x 28 / 365 = 36.82; Ann: her second initial credit expired
    # and February's was used (2 of 14 to date... 3 of 14: 12.86); Bo: both initial credits expired.
    assert (february["Uptown"].mrr, february["Uptown"].scr) == (D("36.82"), D("12.86") - D("4.29"))
    assert (february["Downtown"].mrr, february["Downtown"].scr) == (D("27.62"), D("17.14"))
    march = {line.location: line for line in report(shop, "2025-03").lines}
    # The reversal takes February's use back, and the lot's expiry earns it again: March has
    # only the use of 10 March (4 of 14: 17.14 to date).
    assert march["Uptown"].scr == D("17.14") - D("12.86")
    with shop.tx(MANAGER, write=False) as ctx:
        bo = revenue.membership_revenue(ctx, bo_m, date(2026, 1, 1))
    # Bo's 9 credits never granted (cancelled in April) are breakage on the term's last day.
    assert bo.schedule[date(2026, 1, 1)].scr == D("120.00") - D("42.86")  # 5 of 14 earned by April
    assert sum(a.total for a in bo.schedule.values()) == SALE


def test_a_month_before_the_sale_and_after_the_term(shop_year: tuple[Shop, int, int]) -> None:
    shop, _, _ = shop_year
    before = report(shop, "2024-12")
    assert before.lines == () and before.memberships == () and before.total.sold_to_date == 0
    after = report(shop, "2026-03")
    assert [line.location for line in after.lines] == ["Downtown", "Uptown"]
    for line in after.lines:
        assert (line.sold, line.recognised, line.deferred, line.sold_to_date) == (D(0), D(0), D(0), SALE)


def test_the_exports_are_the_report(shop_year: tuple[Shop, int, int]) -> None:
    shop, _, _ = shop_year
    r = report(shop, "2025-02")
    book = load_workbook(io.BytesIO(revenue.to_xlsx(r)))
    assert book.sheetnames == ["By plan and location", "Memberships"]
    sheet = book["By plan and location"]
    assert [c.value for c in sheet[1]] == revenue.HEADER and sheet["A1"].font.b
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    expected = [revenue.line_cells(line) for line in (*r.lines, r.total)]
    assert [[_dec(v) for v in row] for row in rows] == expected
    assert sheet["D2"].number_format == "#,##0.00"
    members = book["Memberships"]
    assert [row[0].value for row in members.iter_rows(min_row=2)] == [m.membership for m in r.memberships]
    lines = list(csv.reader(io.StringIO(revenue.to_csv(r))))
    assert lines[0] == ["Month", *revenue.HEADER]
    assert lines[1:] == [["2025-02", *(str(v) for v in cells)] for cells in expected]


def _dec(value: object) -> object:
    # openpyxl reads numbers back as int or float (the report's cents are exact in Decimal), and
    # an empty string as an empty cell.
    if value is None:
        return ""
    return Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, int | float) else value


def test_a_split_that_does_not_add_up_is_refused_with_its_field(shop: Shop) -> None:
    with shop.tx(ADMIN) as ctx:
        version = plan_by_name(ctx, "Gold").version_id
    with pytest.raises(InvalidInput) as bad, shop.tx(ADMIN) as ctx:
        revenue.set_split(ctx, version, Split(D("10.00"), D("30.00"), D("-1.00")))
    assert [e.field for e in bad.value.errors] == ["scr"]
    with pytest.raises(InvalidInput) as bad, shop.tx(ADMIN) as ctx:
        revenue.set_split(ctx, version, Split(D("10.00"), D("30.00"), D("0.00")))
    assert [e.field for e in bad.value.errors] == ["split"] and "not the price 49.00" in bad.value.message
    with pytest.raises(InvalidInput) as bad, shop.tx(ADMIN) as ctx:
        revenue.set_split(ctx, version, Split(D("10.00"), D("30.00"), D("9.00")))  # Gold grants no credits
    assert [e.field for e in bad.value.errors] == ["scr"]
    with shop.tx(MANAGER, write=False) as ctx:
        view = revenue.split_for(ctx, version)
    assert not view.configured and view.split == Split(D("0.00"), D("49.00"), D("0.00"))  # nothing written


def test_a_bad_month_is_refused_with_its_field(shop: Shop) -> None:
    for text in ("2025-13", "2025-00", "March", ""):
        with pytest.raises(InvalidInput) as bad, shop.tx(MANAGER, write=False) as ctx:
            revenue.deferred_report(ctx, text)
        assert bad.value.field == "month"


def test_a_sold_split_cannot_change_and_only_admins_set_splits(shop: Shop) -> None:
    at(shop, date(2025, 1, 10))
    version, downtown, uptown = gold(shop)
    at(shop, date(2025, 1, 15))
    sell(shop, "Ann's Yoga", uptown)
    with pytest.raises(ImmutableField), shop.tx(ADMIN) as ctx:
        revenue.set_split(ctx, version, Split(D("5.00"), D("39.00"), D("5.00")))
    with shop.tx(ADMIN) as ctx:  # the same split again changes nothing, sold or not
        assert revenue.set_split(ctx, version, GOLD_SPLIT).split == GOLD_SPLIT
        # Downtown has sold nothing yet: its own split may still change.
        revenue.set_split(ctx, version, Split(D("49.00"), D(0), D(0)), location_id=downtown)
    with pytest.raises(PermissionDenied), shop.tx(MANAGER) as ctx:
        revenue.set_split(ctx, version, GOLD_SPLIT, location_id=uptown)
    with shop.tx(MANAGER, write=False) as ctx:
        assert revenue.split_for(ctx, version, uptown).split == GOLD_SPLIT  # the version's
        assert revenue.split_for(ctx, version, downtown).location_id == downtown


def test_the_command_writes_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.main import cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("MEMBERBOT_TEAM", "TREVENUE")
    runner = CliRunner()
    out = tmp_path / "revenue.csv"
    done = runner.invoke(cli, ["revenue", "report", "--month", "2025-03", str(out)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert list(csv.reader(io.StringIO(out.read_text())))[-1][:3] == ["2025-03", "Total", ""]
    bad = runner.invoke(cli, ["revenue", "report", "--month", "2025-13", str(out)], catch_exceptions=False)
    assert bad.exit_code == 2 and "month:" in bad.output


def test_an_open_ended_membership_is_sold_one_month_at_a_time(shop: Shop) -> None:
    at(shop, date(2025, 1, 15))
    with shop.tx(ADMIN) as ctx:
        plan = plan_by_name(ctx, "Silver")  # 29.00 a month, no split set: all of it is MRR
        plans.update_plan(ctx, plan.id, replace(plan.terms, term_months=None, setup_fee=D("10.00")))
    with shop.tx(STAFF) as ctx:
        m = memberships.assign(ctx, add_customer(ctx), plan.id, date(2025, 1, 20))
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m.id)
    january, february = report(shop, "2025-01").total, report(shop, "2025-02").total
    # January: the first period (20 Jan to 19 Feb, 31 days) and the setup fee; 12 of its days.
    assert (january.sold, january.irr, january.mrr) == (D("39.00"), D("10.00"), D("11.23"))
    # February: the second period (20 Feb to 19 Mar, 28 days) is sold as it begins; the first
    # period's last 19 days and 9 of the second's: 29.00 x 9 / 28 = 9.32.
    assert (february.sold, february.mrr) == (D("29.00"), D("29.00") - D("11.23") + D("9.32"))
    assert february.opening == january.deferred and february.sold_to_date == D("68.00")


def test_admins_setting_a_split_at_the_same_moment_queue_and_one_split_stands(shop: Shop) -> None:
    with shop.tx(ADMIN) as ctx:
        version = plan_by_name(ctx, "Gold").version_id
        downtown = catalog.add_location(ctx, "Downtown")
    choices = [Split(D(f"{i}.00"), D(f"{49 - i}.00"), D(0)) for i in range(8)]

    def set_one(i: int) -> None:
        with transaction(shop.db, shop.team, ADMIN, shop.clock) as ctx:
            revenue.set_split(ctx, version, choices[i], location_id=downtown)

    _, failures = race(set_one, len(choices))
    assert failures == []
    with shop.tx(MANAGER, write=False) as ctx:
        assert revenue.split_for(ctx, version, downtown).split in choices
        rows = ctx.uow.all(ctx.uow.select(RevenueSplitLocation))
    assert len(rows) == 1


def test_a_new_plan_version_takes_over_the_splits_that_still_add_up(shop: Shop) -> None:
    at(shop, date(2025, 1, 10))
    old, downtown, uptown = gold(shop)
    with shop.tx(ADMIN) as ctx:
        ctx.tenant.plan_versioning = True
        ctx.uow.session.add(ctx.tenant)
    at(shop, date(2025, 1, 15))
    sell(shop, "Ann's Yoga", uptown)
    with shop.tx(ADMIN) as ctx:
        plan = plan_by_name(ctx, "Gold")
        same_price = plans.update_plan(ctx, plan.id, replace(plan.terms, description="Gold, renamed perks"))
        assert same_price.version_id != old
        # update_plan copied both splits (the plan's and downtown's) to the new version already.
        assert carry_over.revenue_splits(ctx, old, same_price.version_id) == 0  # it has its own now
        dearer = plans.update_plan(ctx, plan.id, replace(same_price.terms, price=D("59.00")))
        assert (
            carry_over.revenue_splits(ctx, same_price.version_id, dearer.version_id) == 0
        )  # 49.00 no longer fits
    with shop.tx(MANAGER, write=False) as ctx:
        assert revenue.split_for(ctx, same_price.version_id).split == GOLD_SPLIT
        assert revenue.split_for(ctx, same_price.version_id, downtown).split == DOWNTOWN_SPLIT
        assert not revenue.split_for(ctx, dearer.version_id).configured
