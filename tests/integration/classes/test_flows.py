"""Classes' flows over storage: booking a class by its day (none that day writes nothing), the
roster's session found by the day or the next one, which plans may book set by name (managers
only; a name that is not one plan changes nothing), and a class found by the words typed."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from core.catalog import locations as catalog
from core.classes import flows
from core.classes import service as classes
from core.classes.service import SeriesTerms, SeriesView
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.errors import PermissionDenied
from core.kernel.recurrence import Weekly
from tests.conftest import MANAGER, STAFF, Shop
from tests.integration.credit_helpers import credit_plan, member
from tests.integration.helpers import plan_by_name

TODAY = date(2025, 1, 15)  # a Wednesday; the clock reads 10:00 in New York
MON, WED = 0, 2


def set_up(shop: Shop, name: str = "Morning Yoga") -> tuple[SeriesView, int]:
    """The class on Mondays and Wednesdays at 18:00, Gold (10 credits a month) may book it; and
    a member on Gold."""
    gold = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(10)))
    with shop.tx() as ctx:
        location = catalog.add_location(ctx, "Downtown")
    with shop.tx(MANAGER) as ctx:
        terms = SeriesTerms(name, location, Weekly(1, (MON, WED)), TODAY, time(18, 0), capacity=5)
        series = classes.create_series(ctx, terms)
    customer, _ = member(shop, gold, TODAY)
    return series, customer


def credits(shop: Shop, customer: int) -> Decimal:
    with shop.tx(write=False) as ctx:
        return ledger.balance(ctx, customer).total(Unit.CREDIT)


def test_booking_a_class_says_what_it_took_and_a_day_without_a_session_writes_nothing(shop: Shop) -> None:
    series, customer = set_up(shop)
    before = credits(shop, customer)
    with shop.tx(STAFF) as ctx:
        assert flows.book_class(ctx, series.id, customer, TODAY + timedelta(days=1)) is None  # a Thursday
    assert credits(shop, customer) == before
    with shop.tx(STAFF) as ctx:
        booked = flows.book_class(ctx, series.id, customer, None)
    assert booked is not None
    assert booked.booking.on_date == TODAY and booked.booking.starts_at.hour == 18  # local time
    assert (booked.seats_left, booked.credits_left) == (4, before - 1)
    assert booked.plan == "Gold" and booked.membership.startswith("M-")
    with shop.tx(STAFF) as ctx:
        cancelled = flows.cancel_booking(ctx, booked.booking.id, "ill")
    assert cancelled.cutoff_hours == series.cancel_cutoff_hours
    with shop.tx(write=False) as ctx:
        assert flows.bookings_of(ctx, customer) == [cancelled.booking]


def test_the_roster_is_the_days_session_or_else_the_next_one(shop: Shop) -> None:
    series, customer = set_up(shop)
    with shop.tx(STAFF) as ctx:
        flows.book_class(ctx, series.id, customer, TODAY + timedelta(days=5))  # Monday
    with shop.tx(STAFF, write=False) as ctx:
        today = flows.roster_of(ctx, series.id, None)
        monday = flows.roster_of(ctx, series.id, TODAY + timedelta(days=5))
        assert flows.roster_of(ctx, series.id, TODAY + timedelta(days=1)) is None
    assert today is not None and today.session.on_date == TODAY and today.bookings == []
    assert monday is not None and [b.customer_id for b in monday.bookings] == [customer]
    shop.clock.set(shop.clock.now() + timedelta(days=1))  # Thursday: none today, Friday none either
    with shop.tx(STAFF, write=False) as ctx:
        following = flows.roster_of(ctx, series.id, None)
    assert following is not None and following.session.on_date == TODAY + timedelta(days=5)


def test_which_plans_may_book_is_set_by_name_by_managers_and_a_name_not_one_plan_changes_nothing(
    shop: Shop,
) -> None:
    series, _ = set_up(shop)
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied):
        flows.set_class_plans(ctx, series.id, ["no such plan"])
    with shop.tx(MANAGER) as ctx:
        assert flows.set_class_plans(ctx, series.id, ["Gold", "nothing like it"]) == flows.Unmatched(
            "nothing like it", []
        )
        assert flows.set_class_plans(ctx, series.id, [""]) == flows.Unmatched("", [])
    with shop.tx(write=False) as ctx:
        assert classes.get_series(ctx, series.id).plan_ids is None
        silver = plan_by_name(ctx, "Silver").id
    with shop.tx(MANAGER) as ctx:
        done = flows.set_class_plans(ctx, series.id, ["silver"])
        assert isinstance(done, SeriesView) and done.plan_ids == (silver,)
        every = flows.set_class_plans(ctx, series.id, None)
        assert isinstance(every, SeriesView) and every.plan_ids is None


def test_a_class_is_found_by_its_name_or_by_the_words_it_starts_with(shop: Shop) -> None:
    series, _ = set_up(shop)
    with shop.tx(MANAGER) as ctx:
        other = classes.create_series(
            ctx, SeriesTerms("Yoga", series.location_id, Weekly(1, (MON,)), TODAY, time(7, 0), capacity=3)
        )
    with shop.tx(STAFF, write=False) as ctx:
        assert [s.id for s in flows.find_classes(ctx, "YOGA")] == [other.id]  # exact wins
        assert [s.id for s in flows.find_classes(ctx, "morn yo")] == [series.id]
        assert flows.find_classes(ctx, "pilates") == []
        assert flows.known_classes(ctx).today == TODAY
