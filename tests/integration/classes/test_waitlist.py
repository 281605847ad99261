"""The waitlist of a full session: joining (only when full, before the cut-off, once), leaving,
and a freed place booking the first in line through the booking rules (a cancellation, a
released booking, a raised capacity), a member who cannot be booked passed over, the staff told
once, and two cancellations at once booking nobody twice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core import outbox
from core.catalog import locations as catalog
from core.classes import service as classes
from core.classes.rules import BookingStatus, WaitStatus
from core.classes.service import CannotBook, SessionFull, SessionView, WaitView
from core.context import transaction
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.memberships import service as memberships
from tests.conftest import MANAGER, STAFF, TZ, Shop
from tests.integration import helpers
from tests.integration.credit_helpers import D, credit_plan, member
from tests.integration.helpers import plan_by_name
from tests.integration.threads import race

TODAY = date(2025, 1, 15)  # a Wednesday, 10:00 in New York: today's 18:00 session is past its cut-off
MONDAY = date(2025, 1, 20)
NY = ZoneInfo(TZ)


@pytest.fixture
def studio(shop: Shop) -> dict[str, int]:
    """Gold gives 10 session credits a month; Platinum is not accepted by the class."""
    gold = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(10)))
    with shop.tx() as ctx:
        location = catalog.add_location(ctx, "Downtown")
        silver = plan_by_name(ctx, "Silver").id
        platinum = plan_by_name(ctx, "Platinum").id
    return {"location": location, "gold": gold, "silver": silver, "platinum": platinum}


def monday(shop: Shop, studio: dict[str, int], capacity: int = 2, **changes: Any) -> SessionView:
    """Monday's Yoga at 18:00, 12-hour cut-off, for Gold and Silver."""
    series = helpers.yoga(shop, studio, TODAY, capacity=capacity, **changes)
    with shop.tx(write=False) as ctx:
        return next(s for s in classes.upcoming_sessions(ctx, series.id) if s.on_date == MONDAY)


def gold(shop: Shop, studio: dict[str, int]) -> int:
    return member(shop, studio["gold"], TODAY)[0]


def book(shop: Shop, session: int, customer: int) -> classes.BookingView:
    with shop.tx(STAFF) as ctx:
        return classes.book(ctx, session, customer)


def join(shop: Shop, session: int, customer: int) -> WaitView:
    with shop.tx(STAFF) as ctx:
        return classes.join_waitlist(ctx, session, customer)


def cancel(shop: Shop, booking: int) -> classes.BookingView:
    with shop.tx(STAFF) as ctx:
        return classes.cancel_booking(ctx, booking)


def line(shop: Shop, session: int) -> list[tuple[int, int]]:
    with shop.tx(write=False) as ctx:
        return [(w.customer_id, w.position) for w in classes.waitlist(ctx, session)]


def seated(shop: Shop, session: int) -> set[int]:
    with shop.tx(write=False) as ctx:
        return {b.customer_id for b in classes.roster(ctx, session) if b.status is BookingStatus.BOOKED}


def credits(shop: Shop, customer: int) -> Decimal:
    with shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def told(shop: Shop) -> list[dict[str, Any]]:
    with shop.tx(write=False) as ctx:
        return [
            {"to": r.to, **r.data} for r in outbox.pending(ctx) if r.kind == outbox.Kind.CLASS_WAITLIST_BOOKED
        ]


def full(shop: Shop, studio: dict[str, int], capacity: int = 2) -> tuple[SessionView, list[int]]:
    """Monday's session with every place booked by Gold members; their booking ids."""
    session = monday(shop, studio, capacity)
    return session, [book(shop, session.id, gold(shop, studio)).id for _ in range(capacity)]


def test_a_full_session_takes_a_waitlist_in_joining_order_once_each(
    shop: Shop, studio: dict[str, int]
) -> None:
    session = monday(shop, studio)
    early = gold(shop, studio)
    with pytest.raises(Conflict) as not_full:
        join(shop, session.id, early)
    assert "is not full (2 places left): book them instead." in not_full.value.message
    booked = book(shop, session.id, early)
    book(shop, session.id, gold(shop, studio))
    with pytest.raises(Conflict) as already:
        join(shop, session.id, early)
    assert "they are already booked into it." in already.value.message

    first, second = gold(shop, studio), gold(shop, studio)
    with pytest.raises(SessionFull) as refused:
        book(shop, session.id, first)
    assert refused.value.waitlist_open and refused.value.on_date == MONDAY
    joined = join(shop, session.id, first)
    assert (joined.status, joined.position, joined.replayed) == (WaitStatus.WAITING, 1, False)
    assert join(shop, session.id, second).position == 2
    again = join(shop, session.id, first)
    assert again.replayed and again.position == 1
    assert line(shop, session.id) == [(first, 1), (second, 2)]
    assert credits(shop, first) == D(10)  # waiting spends nothing
    with shop.tx(write=False) as ctx:
        assert classes.get_session(ctx, session.id).waiting == 2
        assert [w.session_id for w in classes.waiting_of(ctx, second)] == [session.id]
    assert booked.status is BookingStatus.BOOKED


def test_joining_is_refused_after_the_cut_off_for_a_plan_the_class_refuses_and_for_specialists(
    shop: Shop, studio: dict[str, int]
) -> None:
    session, _ = full(shop, studio)
    other = member(shop, studio["platinum"], TODAY)[0]
    with pytest.raises(CannotBook) as plan:
        join(shop, session.id, other)
    assert "cannot join the waitlist of Yoga on Mon 20 Jan 2025 18:00." in plan.value.message
    assert "Platinum is not one of the plans this class accepts" in plan.value.message
    with pytest.raises(PermissionDenied), shop.tx("USPEC") as ctx:
        classes.join_waitlist(ctx, session.id, gold(shop, studio))

    late = gold(shop, studio)
    shop.clock.set(datetime(2025, 1, 20, 6, 0, 1, tzinfo=NY))  # a second after the 12-hour cut-off
    with pytest.raises(Conflict) as closed:
        join(shop, session.id, late)
    assert "its waitlist closed at the cut-off, 12 hours before the start." in closed.value.message
    with pytest.raises(SessionFull) as refused:
        book(shop, session.id, late)
    assert not refused.value.waitlist_open
    assert line(shop, session.id) == []


def test_a_cancellation_books_the_first_in_line_spending_their_credit_and_tells_the_seller_once(
    shop: Shop, studio: dict[str, int]
) -> None:
    session, (freed, _) = full(shop, studio)
    first, second = gold(shop, studio), gold(shop, studio)
    join(shop, session.id, first)
    join(shop, session.id, second)

    cancel(shop, freed)
    assert first in seated(shop, session.id) and second not in seated(shop, session.id)
    assert credits(shop, first) == D(9)
    assert line(shop, session.id) == [(second, 1)]  # the next moved up
    with shop.tx(write=False) as ctx:
        (mine,) = classes.bookings_of(ctx, first)
        assert classes.waiting_of(ctx, first) == []
    assert mine.credit_spent and mine.session_id == session.id
    (note,) = told(shop)
    assert note["to"] == STAFF  # who sold the membership: no reminders channel set
    assert (note["booking_id"], note["customer_id"], note["series"]) == (mine.id, first, "Yoga")
    assert note["starts_at"] == "2025-01-20T18:00:00-05:00" and note["skipped"] == []
    cancel(shop, freed)  # cancelling again frees nothing, books nobody, tells nobody
    assert len(told(shop)) == 1 and line(shop, session.id) == [(second, 1)]


def test_one_who_cannot_be_booked_is_passed_over_with_the_reason_and_the_next_is_booked(
    shop: Shop, studio: dict[str, int]
) -> None:
    session, (freed, _) = full(shop, studio)
    broke = gold(shop, studio)
    ended_customer, ended_membership = member(shop, studio["gold"], TODAY)
    ready = gold(shop, studio)
    for customer in (broke, ended_customer, ready):
        join(shop, session.id, customer)
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, broke, D(10), key="spent-them-all")
    with shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, ended_membership, "travelling")

    cancel(shop, freed)
    assert ready in seated(shop, session.id)
    assert {broke, ended_customer} & seated(shop, session.id) == set()
    with shop.tx(write=False) as ctx:
        waiting = {w.customer_id: w for w in classes.waitlist(ctx, session.id)}
    assert "has no session credit that can be used now to book Yoga" in waiting[broke].note
    assert "is frozen; it can book again once unfrozen." in waiting[ended_customer].note
    assert [w.position for w in waiting.values()] == [1, 2]  # passed over, still in line
    (note,) = told(shop)
    assert note["customer_id"] == ready
    assert [s["reason"] for s in note["skipped"]] == [waiting[broke].note, waiting[ended_customer].note]
    assert credits(shop, broke) == D(0) and credits(shop, ready) == D(9)


def test_nobody_in_line_can_be_booked_the_place_stays_free(shop: Shop, studio: dict[str, int]) -> None:
    session, (freed, _) = full(shop, studio)
    broke = gold(shop, studio)
    join(shop, session.id, broke)
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, broke, D(10), key="spent-them-all")
    cancel(shop, freed)
    with shop.tx(write=False) as ctx:
        assert classes.get_session(ctx, session.id).seats_left == 1
    assert told(shop) == [] and line(shop, session.id) == [(broke, 1)]


def test_leaving_the_waitlist(shop: Shop, studio: dict[str, int]) -> None:
    session, (freed, _) = full(shop, studio)
    first, second = gold(shop, studio), gold(shop, studio)
    join(shop, session.id, first)
    join(shop, session.id, second)
    with shop.tx(STAFF) as ctx:
        left = classes.leave_waitlist(ctx, session.id, first)
    assert (left.status, left.position) == (WaitStatus.LEFT, 0)
    with shop.tx(STAFF) as ctx:
        assert classes.leave_waitlist(ctx, session.id, first).replayed
    with pytest.raises(NotFound) as never, shop.tx(STAFF) as ctx:
        classes.leave_waitlist(ctx, session.id, gold(shop, studio))
    assert "is not on the waitlist of Yoga on Mon 20 Jan 2025 18:00." in never.value.message
    assert line(shop, session.id) == [(second, 1)]
    cancel(shop, freed)
    assert second in seated(shop, session.id) and first not in seated(shop, session.id)
    rejoined = join(shop, session.id, first)  # joining again goes to the back of the line
    assert rejoined.position == 1 and credits(shop, first) == D(10)


def test_booking_someone_waiting_takes_them_off_the_line(shop: Shop, studio: dict[str, int]) -> None:
    session, _ = full(shop, studio)
    waiting = gold(shop, studio)
    join(shop, session.id, waiting)
    shop.clock.set(datetime(2025, 1, 20, 7, 0, tzinfo=NY))  # past the cut-off: the line no longer moves
    with shop.tx(write=False) as ctx:
        (taken, _) = classes.roster(ctx, session.id)
    cancel(shop, taken.id)
    assert waiting not in seated(shop, session.id) and told(shop) == []
    book(shop, session.id, waiting)  # a freed place after the cut-off is for whoever books it
    assert line(shop, session.id) == []
    with shop.tx(write=False) as ctx:
        assert classes.get_session(ctx, session.id).waiting == 0


def test_a_raised_capacity_and_a_released_membership_book_from_the_line(
    shop: Shop, studio: dict[str, int]
) -> None:
    session = monday(shop, studio, capacity=1)
    holder, holding = member(shop, studio["gold"], TODAY)
    book(shop, session.id, holder)
    first, second, third = gold(shop, studio), gold(shop, studio), gold(shop, studio)
    for customer in (first, second, third):
        join(shop, session.id, customer)
    with pytest.raises(PermissionDenied), shop.tx(STAFF) as ctx:
        classes.set_capacity(ctx, session.id, 3)
    with pytest.raises(InvalidInput) as low, shop.tx(MANAGER) as ctx:
        classes.set_capacity(ctx, session.id, 0)
    assert [str(e) for e in low.value.errors] == ["capacity: The capacity must be 1 to 500 people."]

    with shop.tx(MANAGER) as ctx:
        raised = classes.set_capacity(ctx, session.id, 2)
    assert (raised.capacity, raised.seats_left, raised.waiting) == (2, 0, 2)
    assert seated(shop, session.id) == {holder, first}
    with shop.tx(MANAGER) as ctx:
        assert classes.release_bookings(ctx, holding, "membership cancelled") == 1
    assert seated(shop, session.id) == {first, second} and line(shop, session.id) == [(third, 1)]
    assert credits(shop, holder) == D(10)
    assert [n["customer_id"] for n in told(shop)] == [first, second]
    with pytest.raises(InvalidInput) as below, shop.tx(MANAGER) as ctx:
        classes.set_capacity(ctx, session.id, 1)
    assert "capacity: 2 places are taken; the capacity cannot go below that" in str(below.value.errors[0])


def test_two_cancellations_at_once_book_the_one_waiting_once(shop: Shop, studio: dict[str, int]) -> None:
    session, freed = full(shop, studio, capacity=2)
    waiting = gold(shop, studio)
    join(shop, session.id, waiting)

    def attempt(i: int) -> classes.BookingView:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return classes.cancel_booking(ctx, freed[i])

    done, failures = race(attempt, 2)
    assert failures == [] and len(done) == 2
    assert seated(shop, session.id) == {waiting}
    assert credits(shop, waiting) == D(9) and len(told(shop)) == 1


def test_many_cancellations_at_once_fill_the_places_from_the_line_in_order_and_never_overfill(
    shop: Shop, studio: dict[str, int]
) -> None:
    session, freed = full(shop, studio, capacity=4)
    line_up = [gold(shop, studio) for _ in range(6)]
    for customer in line_up:
        join(shop, session.id, customer)

    def attempt(i: int) -> classes.BookingView:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return classes.cancel_booking(ctx, freed[i])

    done, failures = race(attempt, 4)
    assert failures == [] and len(done) == 4
    assert seated(shop, session.id) == set(line_up[:4])
    assert line(shop, session.id) == [(line_up[4], 1), (line_up[5], 2)]
    assert sorted(n["customer_id"] for n in told(shop)) == sorted(line_up[:4])
    assert [credits(shop, c) for c in line_up] == [D(9)] * 4 + [D(10)] * 2


def test_crossed_cancellations_of_two_sessions_whose_members_wait_in_each_other_s_do_not_deadlock(
    shop: Shop, studio: dict[str, int]
) -> None:
    """X is booked into Monday's session and waits for Wednesday's; Y the other way round. Both
    cancel on time at once: each cancellation gives a credit back to one and spends the other's."""
    mon = monday(shop, studio, capacity=1)
    with shop.tx(write=False) as ctx:
        wed = next(s for s in classes.upcoming_sessions(ctx, mon.series_id) if s.on_date == date(2025, 1, 22))
    x, y = gold(shop, studio), gold(shop, studio)
    cancels = [book(shop, mon.id, x).id, book(shop, wed.id, y).id]
    join(shop, wed.id, x)
    join(shop, mon.id, y)

    def attempt(i: int) -> classes.BookingView:
        with transaction(shop.db, shop.team, STAFF, shop.clock) as ctx:
            return classes.cancel_booking(ctx, cancels[i])

    done, failures = race(attempt, 2)
    assert failures == [] and len(done) == 2
    assert seated(shop, mon.id) == {y} and seated(shop, wed.id) == {x}
    assert credits(shop, x) == D(9) and credits(shop, y) == D(9)
