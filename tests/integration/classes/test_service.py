"""Classes on each database: a series and its sessions, session rules, bookings with and without
credits, cancellations either side of the cut-off, attendance, and a full class under a crowd."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col

from core.catalog import locations as catalog
from core.catalog import services
from core.classes import service as classes
from core.classes.rules import BookingStatus
from core.classes.service import BookingView, CannotBook, SeriesTerms, SessionView
from core.context import transaction
from core.credits import ledger
from core.credits.ledger import NotEnoughCredits
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.kernel.recurrence import LAST_DAY, Monthly, Weekly
from core.memberships import service as memberships
from storage.tables.billing import Charge
from storage.tables.classes import ClassBooking, ClassSeries, ClassSession
from tests.conftest import MANAGER, SPECIALIST, STAFF, TZ, Shop
from tests.integration import helpers
from tests.integration.credit_helpers import D, credit_plan, member
from tests.integration.helpers import add_customer, plan_by_name
from tests.integration.threads import race

TODAY = date(2025, 1, 15)  # a Wednesday; the clock reads 10:00 in New York
NY = ZoneInfo(TZ)
MON, WED = 0, 2


@pytest.fixture
def studio(shop: Shop) -> dict[str, int]:
    """A location, Gold as a limited plan (10 credits a month) and Silver as an unlimited one."""
    gold = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(10)))
    with shop.tx() as ctx:
        location = catalog.add_location(ctx, "Downtown")
        silver = plan_by_name(ctx, "Silver").id
    return {"location": location, "gold": gold, "silver": silver}


def yoga(shop: Shop, studio: dict[str, int], **changes: Any) -> classes.SeriesView:
    return helpers.yoga(shop, studio, TODAY, **changes)


def sessions(shop: Shop, series_id: int) -> list[SessionView]:
    with shop.tx(write=False) as ctx:
        return classes.upcoming_sessions(ctx, series_id)


def book(shop: Shop, session_id: int, customer: int) -> BookingView:
    with shop.tx(STAFF) as ctx:
        return classes.book(ctx, session_id, customer)


def credits(shop: Shop, customer: int) -> Decimal:
    with shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def mondays_and_wednesdays(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if d.weekday() in (MON, WED)]


# --- series and sessions -------------------------------------------------------------------------


def test_a_series_writes_its_sessions_to_the_horizon_at_local_time_across_dst(
    shop: Shop, studio: dict[str, int]
) -> None:
    series = yoga(shop, studio)
    assert series.schedule_text == "Every week on Mon, Wed at 18:00"
    assert series.plans == ("Gold", "Silver")
    found = sessions(shop, series.id)
    assert [s.on_date for s in found] == mondays_and_wednesdays(TODAY, TODAY + timedelta(days=90))
    assert {s.starts_at.astimezone(NY).time() for s in found} == {time(18, 0)}
    before, after = (next(s for s in found if s.on_date == d) for d in (date(2025, 3, 5), date(2025, 3, 10)))
    assert (before.starts_at.hour, after.starts_at.hour) == (23, 22)  # 18:00 EST, then 18:00 EDT
    assert after.ends_at - after.starts_at == timedelta(minutes=60)
    assert {(s.capacity, s.taken, s.seats_left) for s in found} == {(5, 0, 5)}

    shop.clock.set(shop.clock.now() + timedelta(days=7))
    with shop.tx() as ctx:
        assert classes.extend_horizons(ctx) == 2  # Wed 16 and Mon 21 April
    with shop.tx() as ctx:
        assert classes.extend_horizons(ctx) == 0  # the same day again writes nothing
    assert sessions(shop, series.id)[-1].on_date == date(2025, 4, 21)


def test_a_series_with_an_end_stops_there(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio, ends_on=date(2025, 1, 27))
    assert [s.on_date for s in sessions(shop, series.id)] == [date(2025, 1, d) for d in (15, 20, 22, 27)]
    shop.clock.set(shop.clock.now() + timedelta(days=30))
    with shop.tx() as ctx:
        assert classes.extend_horizons(ctx) == 0
    with shop.tx(write=False) as ctx:
        assert classes.list_series(ctx) == []  # ended classes are not listed


def test_a_monthly_series_on_the_last_day(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio, name="Month-end workshop", schedule=Monthly(LAST_DAY, tuple(range(1, 13))))
    assert series.schedule_text == "Monthly on the last day of every month at 18:00"
    assert [s.on_date for s in sessions(shop, series.id)] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]


def test_bad_input_names_every_field_and_writes_nothing(shop: Shop, studio: dict[str, int]) -> None:
    with pytest.raises(InvalidInput) as caught:
        yoga(
            shop,
            studio,
            name=" ",
            location_id=999_999,
            schedule=Weekly(0, ()),
            capacity=0,
            duration_minutes=1,
            cancel_cutoff_hours=-1,
            ends_on=TODAY - timedelta(days=1),
            plan_ids=(999_999,),
        )
    assert [e.field for e in caught.value.errors] == [
        "name",
        "location",
        "schedule.interval",
        "schedule.weekdays",
        "capacity",
        "duration_minutes",
        "cancel_cutoff_hours",
        "ends_on",
        "plans",
    ]
    with pytest.raises(InvalidInput, match="at least one plan"):
        yoga(shop, studio, plan_ids=())
    with shop.tx(write=False) as ctx:
        assert ctx.uow.all(ctx.uow.select(ClassSeries)) == []
        assert ctx.uow.all(ctx.uow.select(ClassSession)) == []
    yoga(shop, studio)
    with pytest.raises(InvalidInput, match="already a class called Yoga at Downtown"):
        yoga(shop, studio, name="  yoga ")


def test_managers_set_up_classes_staff_book_them(shop: Shop, studio: dict[str, int]) -> None:
    terms = SeriesTerms("Yoga", studio["location"], Weekly(1, (MON,)), TODAY, time(18), 5)
    with (
        pytest.raises(PermissionDenied, match="admin or manager role to set up class series"),
        shop.tx(STAFF) as ctx,
    ):
        classes.create_series(ctx, terms)
    series = yoga(shop, studio)
    customer, _ = member(shop, studio["silver"], TODAY)
    with pytest.raises(PermissionDenied, match="to book classes"), shop.tx(SPECIALIST) as ctx:
        classes.book(ctx, sessions(shop, series.id)[0].id, customer)
    assert book(shop, sessions(shop, series.id)[0].id, customer).status is BookingStatus.BOOKED


# --- booking -------------------------------------------------------------------------------------


def test_a_limited_membership_spends_a_credit_returned_before_the_cut_off(
    shop: Shop, studio: dict[str, int]
) -> None:
    series = yoga(shop, studio)
    customer, membership = member(shop, studio["gold"], TODAY)
    monday = sessions(shop, series.id)[1]  # Mon 20 January, 18:00
    booked = book(shop, monday.id, customer)
    assert (booked.membership_id, booked.credit_spent, booked.status) == (
        membership,
        True,
        BookingStatus.BOOKED,
    )
    assert credits(shop, customer) == D(9)
    assert sessions(shop, series.id)[1].seats_left == 4

    shop.clock.set(local(date(2025, 1, 20), 6))  # exactly 12 hours before: on time
    with shop.tx(STAFF) as ctx:
        cancelled = classes.cancel_booking(ctx, booked.id)
    assert (cancelled.status, cancelled.credit_returned) == (BookingStatus.CANCELLED, True)
    assert credits(shop, customer) == D(10)
    with shop.tx(STAFF) as ctx:
        again = classes.cancel_booking(ctx, booked.id)  # cancelling twice changes nothing
    assert again.replayed and credits(shop, customer) == D(10)
    with shop.tx(write=False) as ctx:
        entries = [e.kind for e in ledger.history(ctx, customer)]
    assert entries == ["grant", "redeem", "reverse"]

    rebooked = book(shop, monday.id, customer)  # booking again spends a new credit
    assert (rebooked.id, rebooked.status, rebooked.credit_spent) == (booked.id, BookingStatus.BOOKED, True)
    assert credits(shop, customer) == D(9)


def test_a_late_cancellation_keeps_the_credit_and_frees_the_seat(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    customer, _ = member(shop, studio["gold"], TODAY)
    monday = sessions(shop, series.id)[1]
    booked = book(shop, monday.id, customer)
    shop.clock.set(local(date(2025, 1, 20), 6, 1))  # a minute past the cut-off
    with shop.tx(STAFF) as ctx:
        late = classes.cancel_booking(ctx, booked.id, "stuck at work")
    assert (late.status, late.credit_returned) == (BookingStatus.LATE_CANCEL, False)
    assert credits(shop, customer) == D(9)
    assert sessions(shop, series.id)[0].seats_left == 5  # the Monday is now the first upcoming
    with shop.tx(write=False) as ctx:
        assert [e.kind for e in ledger.history(ctx, customer)] == ["grant", "redeem"]


def test_attendance_and_no_shows_keep_the_credit(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    came, _ = member(shop, studio["gold"], TODAY)
    stayed_away, _ = member(shop, studio["gold"], TODAY)
    wednesday = sessions(shop, series.id)[0]  # today, 18:00
    first, second = book(shop, wednesday.id, came), book(shop, wednesday.id, stayed_away)

    with shop.tx(STAFF) as ctx:
        assert (
            classes.record_attendance(ctx, first.id, BookingStatus.ATTENDED).status is BookingStatus.ATTENDED
        )
    with pytest.raises(Conflict, match="has not started"), shop.tx(STAFF) as ctx:
        classes.record_attendance(ctx, second.id, BookingStatus.NO_SHOW)
    with pytest.raises(InvalidInput, match="attended or no-show"), shop.tx(STAFF) as ctx:
        classes.record_attendance(ctx, second.id, BookingStatus.CANCELLED)

    shop.clock.set(local(TODAY, 18, 10))
    with shop.tx(STAFF) as ctx:
        assert (
            classes.record_attendance(ctx, second.id, BookingStatus.NO_SHOW).status is BookingStatus.NO_SHOW
        )
    with pytest.raises(Conflict, match="recorded as attended"), shop.tx(STAFF) as ctx:
        classes.cancel_booking(ctx, first.id)
    assert (credits(shop, came), credits(shop, stayed_away)) == (D(9), D(9))
    with shop.tx(write=False) as ctx:
        assert [(b.customer_id, b.status) for b in classes.roster(ctx, wednesday.id)] == [
            (came, BookingStatus.ATTENDED),
            (stayed_away, BookingStatus.NO_SHOW),
        ]


def test_a_cancelled_membership_releases_its_future_bookings_with_their_credits(
    shop: Shop, studio: dict[str, int]
) -> None:
    series = yoga(shop, studio)
    customer, membership = member(shop, studio["gold"], TODAY)
    today, monday, wednesday = sessions(shop, series.id)[:3]
    booked = [book(shop, s.id, customer) for s in (today, monday, wednesday)]
    shop.clock.set(local(TODAY, 18, 30))  # today's session has started: it stays as it is
    with shop.tx(STAFF) as ctx:
        classes.cancel_booking(ctx, booked[2].id)  # cancelled by the member already
    with pytest.raises(InvalidInput, match="reason is required"), shop.tx(MANAGER) as ctx:
        classes.release_bookings(ctx, membership, " ")
    with shop.tx(MANAGER) as ctx:
        assert classes.release_bookings(ctx, membership, "membership cancelled") == 1
    with shop.tx(MANAGER) as ctx:
        assert classes.release_bookings(ctx, membership, "membership cancelled") == 0
    with shop.tx(write=False) as ctx:
        found = {
            b.session_id: (b.status, b.credit_returned)
            for b in classes.bookings_of(ctx, customer, include_past=True)
        }
    assert found == {
        today.id: (BookingStatus.BOOKED, False),
        monday.id: (BookingStatus.CANCELLED, True),
        wednesday.id: (BookingStatus.CANCELLED, True),
    }
    assert credits(shop, customer) == D(9)


def test_an_unlimited_membership_books_without_credits_and_is_preferred(
    shop: Shop, studio: dict[str, int]
) -> None:
    series = yoga(shop, studio)
    customer, limited = member(shop, studio["gold"], TODAY)
    _, unlimited = member(shop, studio["silver"], TODAY, customer=customer)
    booked = book(shop, sessions(shop, series.id)[0].id, customer)
    assert (booked.membership_id, booked.credit_spent) == (unlimited, False)
    assert credits(shop, customer) == D(10)
    with shop.tx(STAFF) as ctx:
        assert classes.cancel_booking(ctx, booked.id).credit_returned is False  # nothing to return
    assert limited != unlimited


def test_session_rules_decide_who_sees_and_books(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio, plan_ids=(studio["gold"],))
    silver, _ = member(shop, studio["silver"], TODAY)
    gold, _ = member(shop, studio["gold"], TODAY)
    with shop.tx(write=False) as ctx:
        assert [s.name for s in classes.list_series(ctx, customer_id=gold)] == ["Yoga"]
        assert classes.list_series(ctx, customer_id=silver) == []
    first = sessions(shop, series.id)[0].id
    with pytest.raises(CannotBook, match="Silver is not one of the plans this class accepts"):
        book(shop, first, silver)
    with shop.tx(MANAGER) as ctx:
        assert classes.set_session_rules(ctx, series.id, None).plan_ids is None
    assert book(shop, first, silver).credit_spent is False


def test_a_frozen_membership_cannot_book_and_is_told_why(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    customer, membership = member(shop, studio["gold"], TODAY)
    with shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, membership, "travelling")
    with pytest.raises(CannotBook, match=rf"M-{membership} \(Gold\) is frozen"):
        book(shop, sessions(shop, series.id)[0].id, customer)
    with shop.tx(write=False) as ctx:
        assert ledger.balance(ctx, customer).on_hold[Unit.CREDIT] == D(10)
        assert ctx.uow.all(ctx.uow.select(ClassBooking)) == []


def test_an_overdue_charge_stops_booking_when_billing_is_enforced(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    customer, membership = member(shop, studio["gold"], date(2025, 1, 1))
    with shop.tx() as ctx:
        ctx.tenant.enforce_billing = True
        ctx.uow.session.add(ctx.tenant)
        for overdue in ctx.uow.all(ctx.uow.select(Charge).where(col(Charge.contract_id) == membership)):
            ctx.uow.delete(overdue)  # whatever billing raised on approval: this test sets its own
        ctx.uow.flush()
        ctx.uow.add(
            Charge(
                tenant_id=ctx.uow.tenant_id,
                contract_id=membership,
                kind="regular",
                period_start=date(2025, 1, 1),
                period_end=date(2025, 1, 31),
                due_on=date(2025, 1, 1),
                amount=D("49.00"),
                status="due",
                created_at=ctx.now(),
            )
        )
    with pytest.raises(CannotBook, match=rf"M-{membership} has an overdue charge C-\d+ of \$49.00"):
        book(shop, sessions(shop, series.id)[0].id, customer)
    assert credits(shop, customer) == D(10)


def test_only_credits_of_a_plan_the_class_accepts_or_granted_by_hand_are_spent(
    shop: Shop, studio: dict[str, int]
) -> None:
    # Platinum's credits expire sooner, so the front desk would use them first; this class does
    # not accept Platinum, so its credits are left alone.
    platinum = credit_plan(
        shop,
        CreditTerms(kind=CreditKind.SERVICE, per_period=D(4), expiry=Expiry.DAYS, expiry_days=20),
        name="Platinum",
    )
    series = yoga(shop, studio, plan_ids=(studio["gold"],))
    customer, gold = member(shop, studio["gold"], TODAY)
    _, other = member(shop, platinum, TODAY, customer=customer)
    first, second = sessions(shop, series.id)[:2]
    assert book(shop, first.id, customer).membership_id == gold
    with shop.tx(write=False) as ctx:
        assert [e.kind for e in ledger.history(ctx, customer, contract_id=gold)] == ["grant", "redeem"]
        assert [e.kind for e in ledger.history(ctx, customer, contract_id=other)] == ["grant"]
    # A credit granted by hand that expires before Gold's is used first, for the Gold membership.
    with shop.tx() as ctx:
        ledger.adjust(ctx, customer, D(1), "goodwill", key="goodwill", expires_on=date(2025, 1, 31))
    assert book(shop, second.id, customer).membership_id == gold
    with shop.tx(write=False) as ctx:
        balance = ledger.balance(ctx, customer)
        goodwill = [lot for lot in ledger.lots_of(ctx, customer) if lot.source == "adjust"]
    assert (balance.total(Unit.CREDIT), goodwill[0].remaining) == (D(13), D(0))


def test_without_credits_left_a_limited_membership_cannot_book(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    customer, _ = member(shop, studio["gold"], TODAY)
    with shop.tx() as ctx:
        ledger.adjust(ctx, customer, D(-10), "used elsewhere", key="empty")
    with pytest.raises(NotEnoughCredits, match="no session credit that can be used now to book Yoga"):
        book(shop, sessions(shop, series.id)[0].id, customer)
    with shop.tx(write=False) as ctx:
        assert ctx.uow.all(ctx.uow.select(ClassBooking)) == []


def test_a_plans_wait_between_redemptions_applies_to_bookings(shop: Shop, studio: dict[str, int]) -> None:
    gold = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(10), wait_days=2))
    series = yoga(shop, studio)
    customer, _ = member(shop, gold, TODAY)
    first, second, third = sessions(shop, series.id)[:3]  # Wed 15, Mon 20, Wed 22
    book(shop, first.id, customer)
    with pytest.raises(NotEnoughCredits, match="no session credit that can be used now"):
        book(shop, second.id, customer)
    shop.clock.set(shop.clock.now() + timedelta(days=2))
    assert book(shop, third.id, customer).credit_spent
    assert credits(shop, customer) == D(8)


def test_credits_limited_to_a_service_do_not_pay_for_classes(shop: Shop, studio: dict[str, int]) -> None:
    with shop.tx() as ctx:
        massage = services.add_service(ctx, "Massage 60").id
    gold = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(10), services=(massage,)))
    series = yoga(shop, studio)
    customer, _ = member(shop, gold, TODAY)
    with pytest.raises(NotEnoughCredits, match="no session credit that can be used now"):
        book(shop, sessions(shop, series.id)[0].id, customer)
    assert credits(shop, customer) == D(10)


def test_a_started_or_full_session_cannot_be_booked(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio, capacity=1)
    first, _ = member(shop, studio["silver"], TODAY)
    second, _ = member(shop, studio["silver"], TODAY)
    today = sessions(shop, series.id)[0]
    book(shop, today.id, first)
    with pytest.raises(Conflict, match=r"is full \(1 booked\)"):
        book(shop, today.id, second)
    shop.clock.set(local(TODAY, 18, 0))
    with pytest.raises(Conflict, match="has already started"):
        book(shop, today.id, second)


def test_booking_twice_books_once(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    customer, _ = member(shop, studio["gold"], TODAY)
    session = sessions(shop, series.id)[0].id
    first, second = book(shop, session, customer), book(shop, session, customer)
    assert (second.id, second.replayed, first.replayed) == (first.id, True, False)
    assert credits(shop, customer) == D(9)

    other = sessions(shop, series.id)[1].id
    bookings, failures = race(lambda _: book(shop, other, customer), workers=10)
    assert failures == [] and {b.id for b in bookings} == {bookings[0].id}
    assert credits(shop, customer) == D(8)


def test_a_customers_bookings_soonest_first(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    customer, _ = member(shop, studio["gold"], TODAY)
    found = sessions(shop, series.id)
    for s in (found[2], found[0]):
        book(shop, s.id, customer)
    with shop.tx(write=False) as ctx:
        assert [b.on_date for b in classes.bookings_of(ctx, customer)] == [found[0].on_date, found[2].on_date]
    shop.clock.set(local(TODAY, 20))
    with shop.tx(write=False) as ctx:
        assert [b.on_date for b in classes.bookings_of(ctx, customer)] == [found[2].on_date]
        assert len(classes.bookings_of(ctx, customer, include_past=True)) == 2
        assert classes.bookings_of(ctx, add_customer(ctx)) == []


# --- a crowd -------------------------------------------------------------------------------------


def test_twenty_people_booking_five_seats_exactly_five_get_in_and_the_rest_spend_nothing(
    shop: Shop, studio: dict[str, int]
) -> None:
    series = yoga(shop, studio)
    session = sessions(shop, series.id)[0].id
    crowd = [member(shop, studio["gold"], TODAY)[0] for _ in range(20)]

    def attempt(i: int) -> BookingView:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return classes.book(ctx, session, crowd[i])

    booked, failures = race(attempt, 20)
    assert len(booked) == 5 and len(failures) == 15
    assert all(isinstance(f, Conflict) and "is full" in f.message for f in failures), failures
    winners = {b.customer_id for b in booked}
    assert {c: credits(shop, c) for c in crowd} == {c: D(9) if c in winners else D(10) for c in crowd}
    with shop.tx(write=False) as ctx:
        assert classes.get_session(ctx, session).seats_left == 0
        assert {b.customer_id for b in classes.roster(ctx, session)} == winners


def test_a_last_credit_booked_into_ten_sessions_at_once_pays_once(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    customer, _ = member(shop, studio["gold"], TODAY)
    with shop.tx() as ctx:
        ledger.adjust(ctx, customer, D(-9), "one left", key="one-left")
    targets = [s.id for s in sessions(shop, series.id)[:10]]

    def attempt(i: int) -> BookingView:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return classes.book(ctx, targets[i], customer)

    booked, failures = race(attempt, workers=10)
    assert len(booked) == 1 and all(isinstance(f, NotEnoughCredits) for f in failures), failures
    assert credits(shop, customer) == D(0)
    with shop.tx(write=False) as ctx:
        assert len(classes.bookings_of(ctx, customer)) == 1


def test_times_are_stored_in_utc(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    assert sessions(shop, series.id)[0].starts_at == datetime(2025, 1, 15, 23, 0, tzinfo=UTC)


def test_the_session_of_a_day_is_found_started_or_not(shop: Shop, studio: dict[str, int]) -> None:
    series = yoga(shop, studio)
    first = sessions(shop, series.id)[0]
    shop.clock.set(first.starts_at + timedelta(minutes=30))  # under way: no longer upcoming
    with shop.tx(write=False) as ctx:
        found = classes.session_on(ctx, series.id, first.on_date)
        assert found is not None and found.id == first.id
        assert classes.upcoming_sessions(ctx, series.id)[0].id != first.id
        assert classes.session_on(ctx, series.id, first.on_date + timedelta(days=1)) is None
    with pytest.raises(NotFound), shop.tx(write=False) as ctx:
        classes.session_on(ctx, 999_999, first.on_date)
