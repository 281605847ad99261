"""Memberships: assignment, approval, the lifecycle and its audit trail, visits, renewal, deletion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col

from core.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.plans import service as plans
from core.visits import service as visits
from core.workspace.flows import ensure_tenant
from storage.tables.memberships import Contract, ContractEvent
from storage.tables.visits import ServiceVisit
from tests.conftest import ADMIN, MANAGER, SPECIALIST, STAFF, Shop, new_team
from tests.integration.helpers import add_customer, plan_by_name, with_services


def at(shop: Shop, day: date) -> None:
    """Set the clock to midday in the shop's timezone (New York) on `day`."""
    shop.clock.set(datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC))


def assign(shop: Shop, start: date, end: date | None = None, plan: str = "Gold") -> tuple[int, int]:
    with shop.tx(STAFF) as ctx:
        customer = add_customer(ctx)
        m = memberships.assign(
            ctx, customer, plan_by_name(ctx, plan).id, start, end, summary="Front desk sale"
        )
    return customer, m.id


def active_with_services(shop: Shop, start: date, end: date | None = None) -> int:
    """A Gold membership with its recurring services, sold and approved; its id."""
    with shop.tx() as ctx:
        with_services(ctx)
    _, m = assign(shop, start, end)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m)
    return m


def contracts(shop: Shop) -> int:
    with shop.tx(write=False) as ctx:
        return int(ctx.uow.scalar(ctx.uow.select(Contract).with_only_columns(func.count())))


def visit_rows(shop: Shop, membership: int) -> list[ServiceVisit]:
    with shop.tx(write=False) as ctx:
        query = ctx.uow.select(ServiceVisit).where(col(ServiceVisit.contract_id) == membership)
        return list(ctx.uow.all(query.order_by(col(ServiceVisit.due_on))))


def test_assignment_waits_for_approval_with_the_default_term(shop: Shop) -> None:
    _, m = assign(shop, date(2025, 1, 15))
    with shop.tx(write=False) as ctx:
        view = memberships.get(ctx, m)
        trail = memberships.history(ctx, m)
    assert (view.status, view.start, view.end, view.seller) == (
        Status.PENDING,
        date(2025, 1, 15),
        date(2026, 1, 14),
        STAFF,
    )
    assert [(e.action, e.to_status, e.actor) for e in trail] == [("assign", Status.PENDING, STAFF)]


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (date(2025, 3, 1), date(2025, 2, 1), "end", "before the start date"),
        (date(1999, 3, 1), date(2000, 2, 1), "start", "too far in the past"),
        (date(2031, 3, 1), None, "start", "more than 5 years away"),
        (date(2025, 3, 1), date(2045, 3, 1), "end", "at most 10 years"),
    ],
)
def test_impossible_dates_are_refused_and_nothing_is_written(
    shop: Shop, start: date, end: date | None, field: str, message: str
) -> None:
    before = contracts(shop)
    with pytest.raises(InvalidInput, match=message) as raised:
        assign(shop, start, end)
    assert raised.value.field == field
    assert contracts(shop) == before


def test_unknown_or_foreign_customers_and_plans_are_not_found(shop: Shop) -> None:
    other = new_team()
    ensure_tenant(shop.db, shop.clock, other, admins=[ADMIN])
    from core.context import transaction

    with transaction(shop.db, other, ADMIN, shop.clock) as ctx:
        foreign_customer = add_customer(ctx)
        foreign_plan = plan_by_name(ctx, "Gold").id
    with shop.tx(STAFF) as ctx:
        mine = add_customer(ctx)
        gold = plan_by_name(ctx, "Gold").id
    with pytest.raises(NotFound, match="customer"), shop.tx(STAFF) as ctx:
        memberships.assign(ctx, foreign_customer, gold, date(2025, 2, 1))
    with pytest.raises(NotFound, match="plan"), shop.tx(STAFF) as ctx:
        memberships.assign(ctx, mine, foreign_plan, date(2025, 2, 1))


def test_only_managers_and_admins_approve(shop: Shop) -> None:
    _, m = assign(shop, date(2025, 1, 1))
    for who in (STAFF, SPECIALIST, "UNOBODY"):
        with pytest.raises(PermissionDenied, match="admin or manager"), shop.tx(who) as ctx:
            memberships.approve(ctx, m)
    with shop.tx(write=False) as ctx:
        assert memberships.get(ctx, m).status is Status.PENDING


def test_approval_makes_it_active_and_writes_visits_up_to_the_horizon_only(shop: Shop) -> None:
    with shop.tx() as ctx:
        with_services(ctx)
    _, m = assign(shop, date(2025, 1, 7), date(2034, 12, 31))  # a ten-year membership
    with shop.tx(MANAGER) as ctx:
        assert memberships.approve(ctx, m).status is Status.ACTIVE
    rows = visit_rows(shop, m)
    horizon = date(2025, 1, 15) + timedelta(days=90)
    assert rows[0].due_on == date(2025, 1, 7) and rows[-1].due_on <= horizon
    assert (
        len([r for r in rows if r.task_template_id == rows[0].task_template_id]) == 15
    )  # Tuesdays to 15 Apr
    assert [r.due_on for r in rows if r.due_on.day == 15 and r.due_on.month == 3] == [date(2025, 3, 15)]
    tuesday = next(r for r in rows if r.due_on == date(2025, 3, 11))  # after New York's DST change
    assert tuesday.starts_at == datetime(2025, 3, 11, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_a_future_start_is_scheduled_and_the_calendar_moves_it_along(shop: Shop) -> None:
    _, m = assign(shop, date(2025, 2, 1), date(2025, 3, 31))
    with shop.tx(MANAGER) as ctx:
        assert memberships.approve(ctx, m).status is Status.SCHEDULED
    expected = [
        (date(2025, 1, 31), Status.SCHEDULED),
        (date(2025, 2, 1), Status.ACTIVE),
        (date(2025, 3, 31), Status.ACTIVE),
        (date(2025, 4, 1), Status.GRACE),
        (date(2025, 4, 30), Status.GRACE),
        (date(2025, 5, 1), Status.EXPIRED),
    ]
    for day, status in expected:
        at(shop, day)
        for _ in range(2):  # a rerun on the same day changes nothing
            with shop.tx() as ctx:
                memberships.advance_by_date(ctx)
        with shop.tx(write=False) as ctx:
            assert memberships.get(ctx, m).status is status, day
    with shop.tx(write=False) as ctx:
        calendar_moves = [e for e in memberships.history(ctx, m) if e.action == "calendar"]
    assert [e.to_status for e in calendar_moves] == [Status.ACTIVE, Status.GRACE, Status.EXPIRED]


def test_freeze_cancel_reactivate_and_reject_follow_the_lifecycle(shop: Shop) -> None:
    with shop.tx() as ctx:
        with_services(ctx)
    _, m = assign(shop, date(2025, 1, 1))
    with pytest.raises(Conflict, match="pending approval"), shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, m)
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m)
        assert memberships.freeze(ctx, m, "Travelling").status is Status.FROZEN
        assert memberships.unfreeze(ctx, m).status is Status.ACTIVE
    with pytest.raises(InvalidInput, match="reason is required"), shop.tx(MANAGER) as ctx:
        memberships.cancel(ctx, m, " ")
    with pytest.raises(PermissionDenied), shop.tx(STAFF) as ctx:
        memberships.cancel(ctx, m, "Moving away")
    with shop.tx(MANAGER) as ctx:
        assert memberships.cancel(ctx, m, "Moving away").status is Status.CANCELLED
    future = [v for v in visit_rows(shop, m) if v.due_on >= date(2025, 1, 15)]
    assert future and {v.status for v in future} == {"cancelled"}
    with shop.tx(MANAGER) as ctx:
        assert memberships.reactivate(ctx, m, "Stayed after all").status is Status.ACTIVE
    assert {v.status for v in visit_rows(shop, m) if v.due_on >= date(2025, 1, 15)} == {"upcoming"}
    with shop.tx(write=False) as ctx:
        trail = [(e.action, e.actor, e.reason) for e in memberships.history(ctx, m)]
    assert trail[1:] == [
        ("approve", MANAGER, ""),
        ("freeze", MANAGER, "Travelling"),
        ("unfreeze", MANAGER, ""),
        ("cancel", MANAGER, "Moving away"),
        ("reactivate", MANAGER, "Stayed after all"),
    ]
    _, pending = assign(shop, date(2025, 2, 1))
    with shop.tx(MANAGER) as ctx:
        assert memberships.reject(ctx, pending, "Wrong plan").status is Status.REJECTED
    with pytest.raises(Conflict), shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, pending)


def test_the_horizon_rolls_forward_and_a_rerun_writes_nothing(shop: Shop) -> None:
    m = active_with_services(shop, date(2025, 1, 7), date(2025, 12, 31))
    before = len(visit_rows(shop, m))
    at(shop, date(2025, 2, 14))
    with shop.tx() as ctx:
        written = visits.extend_horizons(ctx)
    with shop.tx() as ctx:
        assert visits.extend_horizons(ctx) == 0
    rows = visit_rows(shop, m)
    assert written == len(rows) - before > 0
    # Planned a step past the horizon, so the job has nothing to do for it until the horizon catches up.
    assert rows[-1].due_on <= date(2025, 2, 14) + timedelta(days=90 + visits.HORIZON_STEP)


def test_visits_are_completed_skipped_rescheduled_and_reported(shop: Shop) -> None:
    m = active_with_services(shop, date(2025, 1, 1))
    rows = visit_rows(shop, m)
    first, second, third = rows[0], rows[1], rows[2]  # 7, 14 and 21 January (Tuesdays)
    with shop.tx(STAFF) as ctx:
        visits.complete(ctx, first.id or 0, "Filter replaced")
        visits.skip(ctx, second.id or 0, "Customer away")
        moved = visits.reschedule(ctx, third.id or 0, date(2025, 1, 23))
    assert moved.rescheduled_from == date(2025, 1, 21) and moved.due_on == date(2025, 1, 23)
    with pytest.raises(Conflict, match="already completed"), shop.tx(STAFF) as ctx:
        visits.skip(ctx, first.id or 0)
    with pytest.raises(InvalidInput, match="in the past"), shop.tx(STAFF) as ctx:
        visits.reschedule(ctx, third.id or 0, date(2025, 1, 2))
    at(shop, date(2025, 1, 29))  # the moved visit (23rd) and the 28th are now overdue
    with shop.tx(write=False) as ctx:
        report = memberships.report(ctx, m)
    filters = next(p for p in report.progress if p.task == "Filter change")
    assert (filters.completed, filters.skipped, filters.overdue) == (1, 1, 2)
    assert filters.upcoming == sum(1 for r in rows if r.task_template_id == first.task_template_id) - 4
    assert report.terms.price == plan_by_name_price(shop)


def plan_by_name_price(shop: Shop) -> object:
    with shop.tx(write=False) as ctx:
        return plan_by_name(ctx, "Gold").terms.price


def test_changing_dates_rewrites_only_future_visits_not_carried_out(shop: Shop) -> None:
    m = active_with_services(shop, date(2025, 1, 1))
    done = visit_rows(shop, m)[0]
    with shop.tx(STAFF) as ctx:
        visits.complete(ctx, done.id or 0)
    with shop.tx(MANAGER) as ctx:
        memberships.change_dates(ctx, m, date(2025, 1, 1), date(2025, 2, 28))
    rows = visit_rows(shop, m)
    assert rows[0].id == done.id and rows[0].status == "completed"
    assert max(r.due_on for r in rows) <= date(2025, 2, 28)
    with shop.tx(write=False) as ctx:
        assert memberships.history(ctx, m)[-1].action == "change dates"
    with pytest.raises(InvalidInput), shop.tx(MANAGER) as ctx:
        memberships.change_dates(ctx, m, date(2025, 3, 1), date(2025, 2, 1))


def test_renewal_continues_from_the_end_of_a_live_membership(shop: Shop) -> None:
    customer, m = assign(shop, date(2025, 1, 1))
    with shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, m)
        renewal = memberships.renew(ctx, m)
    assert (renewal.start, renewal.end, renewal.renewal_of_id) == (date(2026, 1, 1), date(2026, 12, 31), m)
    with shop.tx(write=False) as ctx:
        assert [x.id for x in memberships.memberships_of(ctx, customer)] == [renewal.id, m]


def test_renewal_of_an_expired_membership_starts_today(shop: Shop) -> None:
    _, m = assign(shop, date(2023, 1, 1), date(2023, 12, 31))
    with shop.tx(MANAGER) as ctx:
        assert memberships.approve(ctx, m).status is Status.EXPIRED
        assert memberships.renew(ctx, m).start == date(2025, 1, 15)


def test_delete_needs_confirmation_and_leaves_a_record(shop: Shop) -> None:
    m = active_with_services(shop, date(2025, 1, 1))
    with pytest.raises(PermissionDenied), shop.tx(MANAGER) as ctx:
        memberships.delete(ctx, m, confirm=True)
    with pytest.raises(Conflict, match="cannot be undone"), shop.tx(ADMIN) as ctx:
        memberships.delete(ctx, m, confirm=False)
    assert visit_rows(shop, m)
    with shop.tx(ADMIN) as ctx:
        memberships.delete(ctx, m, confirm=True)
    assert visit_rows(shop, m) == []
    with shop.tx(write=False) as ctx:
        with pytest.raises(NotFound):
            memberships.get(ctx, m)
        events = ctx.uow.all(
            ctx.uow.select(ContractEvent)
            .where(col(ContractEvent.contract_id) == m)
            .order_by(col(ContractEvent.id))
        )
        assert events[-1].action == "delete" and events[-1].actor == ADMIN


def test_a_plan_without_expiry_sells_open_ended_memberships(shop: Shop) -> None:
    from dataclasses import replace

    with shop.tx() as ctx:
        gold = with_services(ctx)
        plans.update_plan(ctx, gold.id, replace(gold.terms, term_months=None))
    _, m = assign(shop, date(2025, 1, 1))
    with shop.tx(MANAGER) as ctx:
        view = memberships.approve(ctx, m)
    assert view.end is None and view.status is Status.ACTIVE
    assert max(v.due_on for v in visit_rows(shop, m)) <= date(2025, 1, 15) + timedelta(days=90)


def test_nobody_approves_their_own_sale(shop: Shop) -> None:
    with shop.tx(MANAGER) as ctx:
        own = memberships.assign(ctx, add_customer(ctx), plan_by_name(ctx, "Gold").id, date(2025, 2, 1))
    with pytest.raises(PermissionDenied, match="own sale"), shop.tx(MANAGER) as ctx:
        memberships.approve(ctx, own.id)
    with shop.tx(ADMIN) as ctx:
        assert memberships.approve(ctx, own.id).status is Status.SCHEDULED
