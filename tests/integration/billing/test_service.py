"""Billing over storage: charges raised once at approval, payments recorded by hand, enforce
billing, freezes with their fee and the expiry moved, cancellations (lock-in, term end, a date),
reactivation, renewal, the daily step, and who may do what."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from core.billing import service as billing
from core.billing.service import ChargeStatus, PaymentOverdue
from core.catalog import locations as catalog
from core.classes import service as classes
from core.classes.rules import BookingStatus
from core.context import SYSTEM, Ctx, transaction
from core.credits import ledger
from core.credits.ledger import NotEnoughCredits
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.daily import jobs as daily
from core.kernel.clock import SystemClock
from core.kernel.errors import Conflict, ImmutableField, InvalidInput, PermissionDenied
from core.kernel.recurrence import Weekly
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.plans import catalog_file as plan_catalog
from core.plans import service as plans
from core.visits import service as visits
from core.visits.service import VisitStatus, VisitView
from storage.tables.billing import Charge
from storage.tables.catalog import Location
from storage.tables.credits import CreditLot
from storage.tables.memberships import Contract
from storage.uow import Database
from tests.conftest import ADMIN, MANAGER, SPECIALIST, STAFF, Shop
from tests.integration.credit_helpers import D, at, member
from tests.integration.helpers import add_customer, plan_by_name, with_services
from tests.integration.threads import race

START = date(2025, 2, 1)
WORKERS = 9
CREDITS = CreditTerms(kind=CreditKind.SERVICE, per_period=D(4), expiry=Expiry.DAYS, expiry_days=60)


def gold(
    shop: Shop,
    *,
    setup_fee: str = "25.00",
    freeze_fee: str = "5.00",
    lock_in: int = 6,
    credits: CreditTerms | None = CREDITS,
    services: bool = False,
) -> int:
    """Gold: 49.00 a month for 12 months, with the given fees, lock-in and credits."""
    with shop.tx() as ctx:
        plan = with_services(ctx, "Gold") if services else plan_by_name(ctx, "Gold")
        plans.update_plan(
            ctx,
            plan.id,
            replace(
                plan.terms,
                setup_fee=D(setup_fee),
                freeze_fee=D(freeze_fee),
                lock_in_months=lock_in,
                credits=credits,
            ),
        )
        return plan.id


def charges(shop: Shop, membership: int) -> list[billing.ChargeView]:
    with shop.tx(write=False) as ctx:
        return billing.charges_of(ctx, membership)


def by_start(shop: Shop, membership: int) -> dict[tuple[str, date], billing.ChargeView]:
    return {(c.kind, c.period_start): c for c in charges(shop, membership)}


def enforce(shop: Shop, *, enforce_billing: bool = True, cancelled_credits: str | None = None) -> None:
    with shop.tx() as ctx:
        billing.update_billing_settings(
            ctx, enforce_billing=enforce_billing, cancelled_credits=cancelled_credits
        )


def test_billing_settings_are_the_admins(shop: Shop) -> None:
    with shop.tx() as ctx:
        assert billing.billing_settings(ctx) == billing.BillingSettings(False, "keep")
        with pytest.raises(InvalidInput, match="keep or forfeit"):
            billing.update_billing_settings(ctx, cancelled_credits="burn")
    with shop.tx(MANAGER) as ctx, pytest.raises(PermissionDenied):
        billing.update_billing_settings(ctx, enforce_billing=True)
    enforce(shop, cancelled_credits="forfeit")
    with shop.tx(write=False) as ctx:
        assert billing.billing_settings(ctx) == billing.BillingSettings(True, "forfeit")


def test_approval_raises_the_terms_charges_once(shop: Shop) -> None:
    plan_id = gold(shop)
    _, m = member(shop, plan_id, START)
    raised = charges(shop, m)
    assert [c.due_on for c in raised] == [START.replace(month=2 + i) for i in range(11)] + [date(2026, 1, 1)]
    assert (raised[0].amount, raised[0].setup_fee) == (D("74.00"), D("25.00"))  # the setup fee, once
    assert {c.amount for c in raised[1:]} == {D("49.00")}
    assert {c.status for c in raised} == {ChargeStatus.DUE}
    with shop.tx() as ctx:
        contract = memberships._contract(ctx, m)
        assert billing.raise_charges(ctx, contract) == 0  # keyed by (membership, kind, period)
    assert charges(shop, m) == raised


def test_a_pending_membership_owes_nothing(shop: Shop) -> None:
    plan_id = gold(shop)
    with shop.tx(STAFF) as ctx:
        m = memberships.assign(ctx, add_customer(ctx), plan_id, START)
    assert charges(shop, m.id) == []


def test_a_locations_price_and_setup_fee_override_the_plans(shop: Shop) -> None:
    plan_id = gold(shop)
    with shop.tx() as ctx:
        downtown = ctx.uow.add(Location(tenant_id=ctx.uow.tenant_id, name="Downtown", name_key="downtown"))
        ctx.uow.flush()
        billing.set_location_price(ctx, plan_id, downtown.id or 0, price=D("59.00"), setup_fee=D("0"))
        assert billing.location_prices(ctx, plan_id) == {downtown.id: (D("59.00"), D("0"))}
        customer = add_customer(ctx)
        m = memberships.assign(ctx, customer, plan_id, START, location_id=downtown.id)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m.id)
    raised = charges(shop, m.id)
    assert (raised[0].amount, raised[0].setup_fee) == (D("59.00"), D("0"))
    assert {c.amount for c in raised} == {D("59.00")}
    with shop.tx(MANAGER) as ctx, pytest.raises(PermissionDenied):
        billing.set_location_price(ctx, plan_id, downtown.id or 0, price=D("1.00"))


def test_payments_are_recorded_by_hand(shop: Shop) -> None:
    _, m = member(shop, gold(shop), START)
    first, second = charges(shop, m)[:2]
    with shop.tx(STAFF) as ctx:
        failed = billing.fail(ctx, first.id, note="card declined")
        assert (failed.status, failed.settled_by, failed.note) == (
            ChargeStatus.FAILED,
            STAFF,
            "card declined",
        )
        paid = billing.pay(ctx, first.id, note="cash")
        assert paid.status is ChargeStatus.PAID
        assert billing.pay(ctx, first.id) == paid  # a retry changes nothing
        with pytest.raises(Conflict, match="paid already"):
            billing.fail(ctx, first.id)
    with shop.tx(SPECIALIST) as ctx, pytest.raises(PermissionDenied):
        billing.pay(ctx, second.id)
    assert by_start(shop, m)[("regular", second.period_start)].status is ChargeStatus.DUE


def test_an_overdue_charge_blocks_redemption_until_paid_naming_the_charge(shop: Shop) -> None:
    enforce(shop)
    at(shop, START)
    customer, m = member(shop, gold(shop), START)
    first = charges(shop, m)[0]
    with shop.tx(STAFF) as ctx:  # due today: not overdue yet
        billing.require_paid_up(ctx, m)
        ledger.redeem(ctx, customer, D(1), key="visit-1")
    at(shop, START + timedelta(days=1))
    with pytest.raises(PaymentOverdue) as refused, shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(1), key="visit-2")
    assert f"C-{first.id}" in refused.value.message and "$74.00" in refused.value.message
    assert (refused.value.charge_id, refused.value.amount) == (first.id, D("74.00"))
    with shop.tx(STAFF, write=False) as ctx:
        with pytest.raises(PaymentOverdue):
            billing.require_paid_up(ctx, m)
        with pytest.raises(PaymentOverdue):
            ledger.preview(ctx, customer, D(1))
    with shop.tx(STAFF) as ctx:
        billing.pay(ctx, first.id)
    with shop.tx(STAFF) as ctx:
        billing.require_paid_up(ctx, m)
        assert ledger.redeem(ctx, customer, D(1), key="visit-2").entries


def test_with_enforce_billing_off_an_overdue_charge_blocks_nothing(shop: Shop) -> None:
    at(shop, START)
    customer, m = member(shop, gold(shop), START)
    at(shop, START + timedelta(days=40))
    with shop.tx(STAFF) as ctx:
        billing.require_paid_up(ctx, m)
        ledger.redeem(ctx, customer, D(1), key="visit")
        assert [c.overdue for c in billing.charges_of(ctx, m)][:2] == [True, True]


def test_a_freeze_across_a_month_boundary_bills_the_fee_and_moves_the_expiry(shop: Shop) -> None:
    at(shop, date(2025, 2, 15))
    customer, m = member(shop, gold(shop), START)
    with shop.tx(MANAGER) as ctx:
        before = {lot.id: lot.expires_at for lot in ctx.uow.all(ctx.uow.select(CreditLot))}
        memberships.freeze(ctx, m, "Travelling", starts=date(2025, 2, 20), until=date(2025, 3, 10))
        assert memberships.get(ctx, m).status is Status.ACTIVE  # planned, not begun
        assert [billing.frozen_on(ctx, m, date(2025, 2, d)) for d in (19, 20)] == [False, True]
        assert [billing.frozen_on(ctx, m, date(2025, 3, d)) for d in (10, 11)] == [True, False]
    march = by_start(shop, m)
    assert march[("regular", date(2025, 3, 1))].status is ChargeStatus.VOID
    assert march[("freeze", date(2025, 3, 1))].amount == D("5.00")
    assert march[("regular", date(2025, 4, 1))].status is ChargeStatus.DUE

    at(shop, date(2025, 2, 20))
    daily.run_day(shop.db, shop.team, date(2025, 2, 20), shop.clock)
    with shop.tx(STAFF) as ctx:
        assert memberships.get(ctx, m).status is Status.FROZEN
        with pytest.raises(NotEnoughCredits):  # benefits cannot be used while frozen
            ledger.preview(ctx, customer, D(1))
    at(shop, date(2025, 3, 11))
    report = daily.run_day(shop.db, shop.team, date(2025, 3, 11), shop.clock)
    assert report.billed >= 1
    with shop.tx(STAFF) as ctx:
        assert memberships.get(ctx, m).status is Status.ACTIVE
        lots = ctx.uow.all(ctx.uow.select(CreditLot))
        moved = {lot.id: lot.expires_at for lot in lots if lot.id in before}
        assert moved
        for lot_id, expires in moved.items():
            was = before[lot_id]
            assert was is not None and expires == was.astimezone(ctx.tz) + timedelta(days=19)  # 20 Feb-11 Mar
        ledger.redeem(ctx, customer, D(1), key="after-the-freeze")
    again = daily.run_day(shop.db, shop.team, date(2025, 3, 11), shop.clock)
    assert again.billed == 0  # a rerun does nothing twice


def test_unfreezing_early_brings_back_the_regular_charges(shop: Shop) -> None:
    at(shop, date(2025, 3, 20))
    _, m = member(shop, gold(shop), START)
    with shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, m, "Injury")  # from today until unfrozen
    at(shop, date(2025, 4, 2))
    daily.run_day(shop.db, shop.team, date(2025, 4, 2), shop.clock)
    frozen = by_start(shop, m)
    assert frozen[("freeze", date(2025, 4, 1))].status is ChargeStatus.DUE
    assert frozen[("regular", date(2025, 4, 1))].status is ChargeStatus.VOID
    assert ("freeze", date(2025, 5, 1)) not in frozen  # an open freeze bills as the dates come
    assert frozen[("regular", date(2025, 5, 1))].status is ChargeStatus.VOID
    with shop.tx(MANAGER) as ctx:
        memberships.unfreeze(ctx, m, "Back")
    back = by_start(shop, m)
    assert back[("freeze", date(2025, 4, 1))].status is ChargeStatus.DUE  # its billing date was frozen
    assert back[("regular", date(2025, 5, 1))].status is ChargeStatus.DUE


def test_freeze_dates_are_checked(shop: Shop) -> None:
    at(shop, date(2025, 3, 20))
    _, m = member(shop, gold(shop), START)
    with shop.tx(MANAGER) as ctx:
        with pytest.raises(InvalidInput) as bad:
            memberships.freeze(ctx, m, starts=date(2025, 3, 1), until=date(2025, 2, 1))
        assert {e.field for e in bad.value.errors} == {"starts", "until"}
        memberships.freeze(ctx, m, starts=date(2025, 4, 1))
        with pytest.raises(Conflict, match="already has a freeze planned"):
            memberships.freeze(ctx, m, starts=date(2025, 5, 1))
        memberships.unfreeze(ctx, m, "Not needed")  # withdraws the planned freeze
        assert memberships.get(ctx, m).status is Status.ACTIVE
        memberships.freeze(ctx, m, starts=date(2025, 5, 1))


def test_cancelling_inside_the_lock_in_shows_then_charges_the_remaining_months(shop: Shop) -> None:
    at(shop, date(2025, 4, 10))
    _, m = member(shop, gold(shop), START)
    with shop.tx(MANAGER) as ctx:
        preview = billing.cancellation_preview(ctx, m)
        assert (preview.lock_in_fee, preview.lock_in_months_left) == (D("147.00"), 3)  # May, June, July
        assert "remaining 3 lock-in months, $147.00" in preview.message
        assert len(preview.voided) == 9  # May to January
        with pytest.raises(Conflict, match=r"not the 98\.00 shown"):
            memberships.cancel(ctx, m, "Moving away", expected_fee=D("98.00"))
    assert memberships_status(shop, m) is Status.ACTIVE  # the refused cancellation wrote nothing
    with shop.tx(MANAGER) as ctx:
        memberships.cancel(ctx, m, "Moving away", expected_fee=preview.lock_in_fee)
    after = by_start(shop, m)
    assert memberships_status(shop, m) is Status.CANCELLED
    assert after[("regular", date(2025, 4, 1))].status is ChargeStatus.DUE  # begun: still owed
    assert {after[("regular", date(2025, n, 1))].status for n in range(5, 13)} == {ChargeStatus.VOID}
    assert (after[("lock-in", date(2025, 4, 10))].amount, after[("lock-in", date(2025, 4, 10))].status) == (
        D("147.00"),
        ChargeStatus.DUE,
    )


def memberships_status(shop: Shop, m: int) -> Status:
    with shop.tx(write=False) as ctx:
        return memberships.get(ctx, m).status


def test_cancelling_at_term_end_or_on_a_date_voids_what_comes_after(shop: Shop) -> None:
    at(shop, date(2025, 4, 10))
    plan_id = gold(shop, lock_in=0, services=True)
    _, at_end = member(shop, plan_id, START)
    _, on_date = member(shop, plan_id, START)
    with shop.tx(MANAGER) as ctx:
        memberships.cancel(ctx, at_end, "Not renewing", at_term_end=True)
        memberships.cancel(ctx, on_date, "Moving", on=date(2025, 6, 15))
        future = [v for v in memberships_visits(ctx, on_date) if v.due_on >= date(2025, 6, 15)]
        assert future and {v.status for v in future} == {VisitStatus.CANCELLED}
        assert {v.status for v in memberships_visits(ctx, on_date) if v.due_on < date(2025, 6, 15)} == {
            VisitStatus.UPCOMING
        }
    assert {c.status for c in charges(shop, at_end)} == {ChargeStatus.DUE}  # nothing after the term
    dated = by_start(shop, on_date)
    assert dated[("regular", date(2025, 6, 1))].status is ChargeStatus.DUE
    assert {dated[("regular", date(2025, n, 1))].status for n in range(7, 13)} == {ChargeStatus.VOID}
    assert memberships_status(shop, on_date) is Status.ACTIVE  # until its date
    at(shop, date(2025, 6, 15))
    daily.run_day(shop.db, shop.team, date(2025, 6, 15), shop.clock)
    assert memberships_status(shop, on_date) is Status.CANCELLED
    assert memberships_status(shop, at_end) is Status.ACTIVE
    with shop.tx(MANAGER) as ctx, pytest.raises(InvalidInput, match="in the past"):
        billing.cancellation_preview(ctx, at_end, on=date(2025, 1, 1))


def memberships_visits(ctx: Ctx, m: int) -> list[VisitView]:
    return visits.visits_of(ctx, m)


def test_reactivation_restores_charges_visits_and_forfeited_credits(shop: Shop) -> None:
    enforce(shop, enforce_billing=False, cancelled_credits="forfeit")
    at(shop, date(2025, 4, 10))
    customer, m = member(shop, gold(shop, services=True), START)
    with shop.tx(STAFF) as ctx:
        held = ledger.balance(ctx, customer)
    with shop.tx(MANAGER) as ctx:
        memberships.cancel(ctx, m, "Moving")
    at(shop, date(2025, 4, 11))
    daily.run_day(shop.db, shop.team, date(2025, 4, 11), shop.clock)  # the forfeited credits expire
    with shop.tx(STAFF) as ctx:
        gone = ledger.balance(ctx, customer)
        assert sum(gone.on_hold.values()) == 0 and sum(gone.available.values()) == 0
    with shop.tx(MANAGER) as ctx:
        memberships.reactivate(ctx, m, "Stayed after all")
    with shop.tx(STAFF) as ctx:
        back = ledger.balance(ctx, customer)
        assert back.available == held.available
        upcoming = [v for v in memberships_visits(ctx, m) if v.due_on >= date(2025, 4, 11)]
        assert upcoming and {v.status for v in upcoming} == {VisitStatus.UPCOMING}
    restored = by_start(shop, m)
    assert {restored[("regular", date(2025, n, 1))].status for n in range(5, 13)} == {ChargeStatus.DUE}
    assert restored[("lock-in", date(2025, 4, 10))].status is ChargeStatus.VOID
    assert memberships_status(shop, m) is Status.ACTIVE


def test_a_planned_cancellation_is_withdrawn_by_reactivating(shop: Shop) -> None:
    at(shop, date(2025, 4, 10))
    _, m = member(shop, gold(shop, lock_in=0), START)
    with shop.tx(MANAGER) as ctx:
        memberships.cancel(ctx, m, "Moving", on=date(2025, 9, 1))
        with pytest.raises(Conflict, match="already to be cancelled"):
            memberships.cancel(ctx, m, "Again", on=date(2025, 10, 1))
        memberships.reactivate(ctx, m, "Staying")
    assert {c.status for c in charges(shop, m)} == {ChargeStatus.DUE}
    at(shop, date(2025, 9, 1))
    daily.run_day(shop.db, shop.team, date(2025, 9, 1), shop.clock)
    assert memberships_status(shop, m) is Status.ACTIVE


def test_renewing_creates_the_next_contract_and_its_charges(shop: Shop) -> None:
    at(shop, date(2025, 12, 20))
    _, m = member(shop, gold(shop), START)
    with shop.tx(STAFF) as ctx:
        renewal = memberships.renew(ctx, m)
    assert charges(shop, renewal.id) == []  # owed once approved
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, renewal.id)
    raised = charges(shop, renewal.id)
    assert raised[0].period_start == date(2026, 2, 1) and raised[0].amount == D("74.00")
    assert len(raised) == 12


def test_only_managers_and_admins_freeze_or_cancel_and_anyone_may_read_charges(shop: Shop) -> None:
    at(shop, START)
    _, m = member(shop, gold(shop), START)
    with shop.tx(STAFF) as ctx:
        with pytest.raises(PermissionDenied):
            memberships.freeze(ctx, m, starts=date(2025, 2, 1))
        with pytest.raises(PermissionDenied):
            memberships.cancel(ctx, m, "No")
    with shop.tx(SPECIALIST, write=False) as ctx:
        assert billing.charges_of(ctx, m)
        assert billing.cancellation_preview(ctx, m).lock_in_fee > 0
    with shop.tx(ADMIN) as ctx:
        memberships.freeze(ctx, m, "Admin may")


def test_the_daily_step_raises_an_open_ended_memberships_charges_as_they_come(shop: Shop) -> None:
    plan_id = gold(shop, setup_fee="0", lock_in=0)
    with shop.tx() as ctx:
        plan = plans.get_plan(ctx, plan_id)
        plans.update_plan(ctx, plan_id, replace(plan.terms, term_months=None, lock_in_months=0))
    at(shop, START)
    _, m = member(shop, plan_id, START)
    first = charges(shop, m)
    assert first[-1].period_start == date(2026, 2, 1)  # a year ahead
    at(shop, date(2025, 3, 1))
    daily.run_day(shop.db, shop.team, date(2025, 3, 1), shop.clock)
    later = charges(shop, m)
    assert later[-1].period_start == date(2026, 3, 1) and len(later) == len(first) + 1
    assert later[0].overdue
    with shop.tx(write=False) as ctx:
        row = ctx.uow.get(Charge, later[0].id)
        assert row is not None and row.overdue_since == date(2025, 3, 1)


def test_money_stays_exact_for_a_prorated_start(shop: Shop) -> None:
    plan_id = gold(shop, setup_fee="0")
    with shop.tx() as ctx:
        plan = plans.get_plan(ctx, plan_id)
        plans.update_plan(ctx, plan_id, replace(plan.terms, prorate_first_period=True))
    _, m = member(shop, plan_id, date(2025, 2, 10))
    raised = charges(shop, m)
    assert (raised[0].period_start, raised[0].period_end, raised[0].amount) == (
        date(2025, 2, 10),
        date(2025, 2, 28),
        (Decimal("49.00") * 19 / 28).quantize(Decimal("0.01")),
    )
    assert raised[1].period_start == date(2025, 3, 1)


def test_concurrent_daily_steps_and_payments_settle_each_charge_once(shop: Shop) -> None:
    at(shop, date(2025, 3, 5))
    _, m = member(shop, gold(shop), START)
    raised = charges(shop, m)

    def work(i: int) -> None:  # what the daily step does, each part in its own transaction as it does
        if i % 3 == 0:
            with transaction(shop.db, shop.team, SYSTEM, shop.clock) as ctx:
                billing.mark_overdue(ctx)
        elif i % 3 == 1:
            with transaction(shop.db, shop.team, SYSTEM, shop.clock) as ctx:
                contract = ctx.uow.get(Contract, m, for_update=True)
                assert contract is not None
                billing.raise_charges(ctx, contract)
        else:
            with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
                billing.pay(ctx, raised[0].id, note=f"desk {i}")

    assert race(work, WORKERS)[1] == []
    after = charges(shop, m)
    assert [(c.kind, c.period_start) for c in after] == [(c.kind, c.period_start) for c in raised]
    assert after[0].status is ChargeStatus.PAID and after[0].note.startswith("desk ")  # the first payment
    assert after[1].overdue and not after[0].overdue
    with shop.tx(write=False) as ctx:
        marked = ctx.uow.get(Charge, after[1].id)
        assert marked is not None and marked.overdue_since == date(2025, 3, 5)


def test_the_command_line_lists_charges_and_records_payments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MEMBERBOT_TEAM", "TCLI")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    assert runner.invoke(cli, ["plans", "list"], catch_exceptions=False).exit_code == 0  # the workspace
    db = Database(url)
    clock = SystemClock()
    with transaction(db, "TCLI", SYSTEM, clock) as ctx:
        today = ctx.today()
        m = memberships.assign(ctx, add_customer(ctx), plan_by_name(ctx, "Gold").id, today)
        memberships.approve(ctx, m.id)
        first = billing.charges_of(ctx, m.id)[0]
    db.dispose()
    listed = runner.invoke(cli, ["billing", "charges", str(m.id)], catch_exceptions=False)
    assert listed.exit_code == 0 and f"{first.reference:<8} due {today}" in listed.output
    assert "49.00 USD  due" in listed.output  # a column for scripts: the amount and its code
    failed = runner.invoke(cli, ["billing", "fail", first.reference, "--note", "declined"])
    assert failed.exit_code == 0 and "is failed; it is still owed" in failed.output
    paid = runner.invoke(cli, ["billing", "pay", str(first.id)])
    assert paid.exit_code == 0 and f"{first.reference} of 49.00 is paid." in paid.output
    again = runner.invoke(cli, ["billing", "fail", first.reference])
    assert again.exit_code == 2 and "paid already" in again.output
    assert runner.invoke(cli, ["billing", "pay", "C-x"]).exit_code == 2


def test_correcting_the_term_moves_the_unpaid_charges_with_it(shop: Shop) -> None:
    at(shop, START)
    _, m = member(shop, gold(shop), START)
    with shop.tx(MANAGER) as ctx:
        first = billing.charges_of(ctx, m)[0]
        billing.pay(ctx, first.id)
        memberships.change_dates(ctx, m, START, date(2025, 4, 30))  # three months, not twelve
    owed = [c for c in charges(shop, m) if c.status is not ChargeStatus.VOID]
    assert [(c.period_start, c.status) for c in owed] == [
        (date(2025, 2, 1), ChargeStatus.PAID),
        (date(2025, 3, 1), ChargeStatus.DUE),
        (date(2025, 4, 1), ChargeStatus.DUE),
    ]
    with shop.tx(MANAGER) as ctx:
        memberships.change_dates(ctx, m, START, date(2026, 1, 31))  # and back
    assert len([c for c in charges(shop, m) if c.status is ChargeStatus.DUE]) == 11


def test_a_paid_up_membership_still_lends_when_another_is_overdue(shop: Shop) -> None:
    enforce(shop)
    at(shop, START)
    plan_id = gold(shop)
    customer, overdue = member(shop, plan_id, START)
    _, paid_up = member(shop, plan_id, START, customer=customer)
    with shop.tx(STAFF) as ctx:
        billing.pay(ctx, billing.charges_of(ctx, paid_up)[0].id)
    at(shop, START + timedelta(days=1))
    with shop.tx(STAFF) as ctx:
        used = ledger.redeem(ctx, customer, D(4), key="four-visits")
        assert {e.contract_id for e in used.entries} == {paid_up}
    with pytest.raises(PaymentOverdue, match=f"M-{overdue} has an overdue charge"), shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(1), key="one-more")


def test_a_period_paid_before_its_freeze_owes_no_freeze_fee_on_top(shop: Shop) -> None:
    at(shop, date(2025, 2, 15))
    _, m = member(shop, gold(shop), START)
    march = by_start(shop, m)[("regular", date(2025, 3, 1))]
    with shop.tx(MANAGER) as ctx:
        billing.pay(ctx, march.id, note="paid ahead")
        memberships.freeze(ctx, m, starts=date(2025, 2, 20), until=date(2025, 4, 10))
    frozen = by_start(shop, m)
    assert frozen[("regular", date(2025, 3, 1))].status is ChargeStatus.PAID
    assert ("freeze", date(2025, 3, 1)) not in frozen
    assert frozen[("freeze", date(2025, 4, 1))].amount == D("5.00")
    assert frozen[("regular", date(2025, 4, 1))].status is ChargeStatus.VOID


def test_the_plan_catalogue_carries_proration(shop: Shop) -> None:
    with shop.tx() as ctx:
        gold_id = plan_by_name(ctx, "Gold").id
        plans.update_plan(
            ctx, gold_id, replace(plans.get_plan(ctx, gold_id).terms, prorate_first_period=True)
        )
        exported = plan_catalog.export_plans(ctx)
        assert exported.count("prorate_first_period: true") == 1  # written only when on
        plan_catalog.import_plans(ctx, exported)
        assert plans.get_plan(ctx, gold_id).terms.prorate_first_period
        assert plan_catalog.export_plans(ctx) == exported
        bad = exported.replace("prorate_first_period: true", "prorate_first_period: 'yes'")
        with pytest.raises(InvalidInput) as refused:
            plan_catalog.import_plans(ctx, bad)
        assert [e.field for e in refused.value.errors] == ["plans[0].prorate_first_period"]


def test_proration_cannot_change_once_sold(shop: Shop) -> None:
    at(shop, START)
    plan_id = gold(shop)
    member(shop, plan_id, START)
    with shop.tx() as ctx, pytest.raises(ImmutableField, match="Proration"):
        plans.update_plan(
            ctx, plan_id, replace(plans.get_plan(ctx, plan_id).terms, prorate_first_period=True)
        )


def test_location_prices_carry_over_to_a_new_plan_version(shop: Shop) -> None:
    at(shop, START)
    plan_id = gold(shop)
    with shop.tx() as ctx:
        ctx.tenant.plan_versioning = True
        ctx.uow.session.add(ctx.tenant)
        downtown = ctx.uow.add(Location(tenant_id=ctx.uow.tenant_id, name="Downtown", name_key="downtown"))
        ctx.uow.flush()
        billing.set_location_price(ctx, plan_id, downtown.id or 0, price=D("59.00"))
    member(shop, plan_id, START)  # sold: the next change writes version 2
    with shop.tx() as ctx:
        plan = plans.get_plan(ctx, plan_id)
        assert plans.update_plan(ctx, plan_id, replace(plan.terms, description="New")).version == 2
        assert billing.location_prices(ctx, plan_id) == {downtown.id: (D("59.00"), None)}


def test_a_cancellation_releases_class_bookings_still_to_come_with_their_credits(shop: Shop) -> None:
    at(shop, date(2025, 4, 10))
    plan_id = gold(shop, lock_in=0)
    with shop.tx() as ctx:
        location = catalog.add_location(ctx, "Downtown")
    with shop.tx(MANAGER) as ctx:
        series = classes.create_series(
            ctx,
            classes.SeriesTerms(
                name="Yoga",
                location_id=location,
                schedule=Weekly(1, (0, 2)),
                starts_on=date(2025, 4, 10),
                start_time=time(18, 0),
                capacity=5,
                plan_ids=(plan_id,),
            ),
        )
    customer, m = member(shop, plan_id, START)
    with shop.tx(STAFF) as ctx:
        before = ledger.balance(ctx, customer).total(Unit.CREDIT)
        first = classes.upcoming_sessions(ctx, series.id)[0]
        booked = classes.book(ctx, first.id, customer)
        assert booked.credit_spent
    with shop.tx(MANAGER) as ctx:
        memberships.cancel(ctx, m, "Moving away")
    with shop.tx(STAFF, write=False) as ctx:
        [released] = classes.bookings_of(ctx, customer, include_past=True)
        assert (released.status, released.credit_returned) == (BookingStatus.CANCELLED, True)
        assert ledger.balance(ctx, customer).on_hold[Unit.CREDIT] == before  # back, kept on hold


def test_schedulers_running_the_same_day_at_once_bill_it_once(shop: Shop) -> None:
    at(shop, date(2025, 3, 20))
    plan_id = gold(shop, lock_in=0)
    members = [member(shop, plan_id, START)[1] for _ in range(4)]
    with shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, members[0], starts=date(2025, 3, 21))
        memberships.cancel(ctx, members[1], "Moving", on=date(2025, 3, 21))
        memberships.freeze(ctx, members[2], until=date(2025, 3, 20))  # one day: it ends on the 21st
    before = {m: charges(shop, m) for m in members}
    at(shop, date(2025, 3, 21))
    assert race(lambda _: daily.run_day(shop.db, shop.team, date(2025, 3, 21), shop.clock), 3)[1] == []
    assert [memberships_status(shop, m) for m in members] == [
        Status.FROZEN,
        Status.CANCELLED,
        Status.ACTIVE,
        Status.ACTIVE,
    ]
    for m in members:
        assert [c.id for c in charges(shop, m)] == [c.id for c in before[m]]  # nothing raised twice
    with shop.tx(write=False) as ctx:
        marks = {c.overdue_since for c in ctx.uow.all(ctx.uow.select(Charge)) if c.overdue_since}
        assert marks == {date(2025, 3, 21)}
        assert billing.frozen_on(ctx, members[2], date(2025, 3, 20))  # ended, not undone by a rerun
        assert not billing.frozen_on(ctx, members[2], date(2025, 3, 21))


def test_a_period_that_begins_inside_a_freeze_earns_no_credits(shop: Shop) -> None:
    """Gold grants 4 credits on the 1st; frozen 20 Feb to 10 Mar, March bills the freeze fee and
    grants nothing, April grants as usual."""
    at(shop, date(2025, 2, 15))
    customer, m = member(shop, gold(shop), START)
    with shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, m, "Travelling", starts=date(2025, 2, 20), until=date(2025, 3, 10))
    day = date(2025, 2, 16)
    while day <= date(2025, 4, 2):
        at(shop, day)
        daily.catch_up(shop.db, shop.team, shop.clock)
        day += timedelta(days=1)
    with shop.tx(STAFF, write=False) as ctx:
        granted = sorted(
            lot.usable_from.astimezone(ctx.tz).date()
            for lot in ctx.uow.all(ctx.uow.select(CreditLot).where(CreditLot.contract_id == m))
        )
        assert granted == [date(2025, 2, 1), date(2025, 4, 1)]
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == D(8)
