"""The demo flow over storage (core/demo/flows.py): a described workspace written once, in every
state it names — sold by whom, pending, frozen, a prospect; credits used and granted; a class
booked — and the tour of it."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

from core.classes import service as classes
from core.classes.service import SeriesTerms
from core.context import transaction
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.customers import service as customers
from core.daily.jobs import due_days
from core.demo import flows as demo
from core.demo.flows import ClassSeries, Credit, PlanSetup, Sale, Visit, Workspace
from core.kernel.recurrence import Weekly
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.workspace.flows import ensure_tenant
from core.workspace.test_clock import clock_for, has_test_clock
from tests.conftest import MANAGER, STAFF, Shop, fresh_database

TODAY = date(2025, 1, 15)  # the shop's clock: 10:00 in New York


def pools(today: date) -> Workspace:
    start = today - timedelta(days=10)
    gold = PlanSetup(
        "Gold", (Visit("Skim", Weekly(1, (0, 3))),), CreditTerms(kind=CreditKind.SERVICE, initial=Decimal(3))
    )
    swim = SeriesTerms("Aqua fit", 0, Weekly(1, (1,)), today, time(18, 0), capacity=8)
    return Workspace(
        "Uptown",
        "Pool care",
        tasks=("Skim", "Chlorine"),
        plans=(gold,),
        sales=(
            Sale("Blue Lagoon", "Ada Byrne", "ada@lagoon.example", "Gold", start, sold_by=STAFF),
            Sale("Coral Club", "Cy Dunn", "cy@coral.example", "Gold", today, sold_by=STAFF, approved=False),
            Sale(
                "Reef Rooms",
                "Ed Fox",
                "ed@reef.example",
                "Gold",
                start,
                sold_by=MANAGER,
                frozen="Away for the winter",
            ),
            Sale("Tide Inn", "Flo Gray", "flo@tide.example", None, today),
        ),
        credits=(
            Credit("Blue Lagoon", Decimal(-1), "used"),
            Credit(
                "Blue Lagoon",
                Decimal(2),
                "goodwill",
                reason="Goodwill credit",
                last_day=today + timedelta(days=5),
            ),
            Credit("Tide Inn", Decimal(40), "refund", Unit.MONEY, "Refund"),
        ),
        classes=(ClassSeries(swim, "Blue Lagoon"),),
    )


def test_a_described_workspace_is_written_once_in_every_state_it_names(shop: Shop) -> None:
    with shop.tx() as ctx:
        assert demo.seed(ctx, pools(ctx.today())) is True
    with shop.tx() as ctx:
        assert demo.seed(ctx, pools(ctx.today())) is False  # it has customers: nothing written
    with shop.tx(write=False) as ctx:
        found = {c.company: c for c in customers.search_customers(ctx, "", limit=10)}
        held = {name: memberships.memberships_of(ctx, c.id) for name, c in found.items()}
        lagoon = found["Blue Lagoon"].id
        balance, lots = ledger.balance(ctx, lagoon), ledger.lots_of(ctx, lagoon)
        booked = classes.bookings_of(ctx, lagoon)
        refunded = ledger.balance(ctx, found["Tide Inn"].id)
    assert sorted(found) == ["Blue Lagoon", "Coral Club", "Reef Rooms", "Tide Inn"]
    assert {c.location for c in found.values()} == {"Uptown"}
    states = {name: [(m.status, m.seller) for m in ms] for name, ms in held.items()}
    assert states == {
        "Blue Lagoon": [(Status.ACTIVE, STAFF)],
        "Coral Club": [(Status.PENDING, STAFF)],
        "Reef Rooms": [(Status.FROZEN, MANAGER)],
        "Tide Inn": [],
    }
    (goodwill,) = [lot for lot in lots if lot.granted == 2]  # into the membership, expiring after its day
    assert goodwill.contract_id == held["Blue Lagoon"][0].id and goodwill.expires_at is not None
    assert balance.used[Unit.CREDIT] >= 1 and refunded.total(Unit.MONEY) == Decimal(40)
    assert [b.series for b in booked] == ["Aqua fit"]


def test_the_tour_shows_the_plans_the_visits_soon_and_who_holds_credits(shop: Shop) -> None:
    with shop.tx() as ctx:
        demo.seed(ctx, pools(ctx.today()))
    with shop.tx(write=False) as ctx:
        tour = demo.tour(ctx, days=7)
    assert (tour.timezone, str(tour.tz), tour.currency) == ("America/New_York", "America/New_York", "USD")
    gold = next(p for p in tour.plans if p.name == "Gold")
    assert [(s.job, s.task) for s in gold.services] == [("Pool care", "Skim")]
    visited = {v.customer for v in tour.visits}
    assert "Blue Lagoon" in visited and "Coral Club" not in visited  # pending: no visits yet
    assert all(v.due_on <= TODAY + timedelta(days=7) for v in tour.visits)
    assert {c.company for c, _ in tour.balances} >= {"Blue Lagoon", "Tide Inn"}
    assert "Coral Club" not in {c.company for c, _ in tour.balances}  # pending: nothing granted


def test_a_new_database_opens_its_demo_on_a_clock_of_its_own_once(shop: Shop, tmp_path: Path) -> None:
    demo.own_clock(shop.db)  # a database holding workspaces keeps its clock
    assert not has_test_clock(shop.db)
    db = fresh_database("sqlite", tmp_path)  # a test clock of its own, not the shared database's
    demo.own_clock(db)
    assert has_test_clock(db)
    ensure_tenant(db, clock_for(db), "TDEMO", admins=[STAFF, MANAGER])  # the sellers in `pools`
    first = demo.open_demo(db, "TDEMO", pools)
    again = demo.open_demo(db, "TDEMO", pools)
    assert [c.company for c, _ in first.balances] == [c.company for c, _ in again.balances]
    assert [r.day for r in due_days(db, "TDEMO", clock_for(db))] == []  # today's jobs ran
    with transaction(db, "TDEMO", STAFF, clock_for(db), write=False) as ctx:
        assert len(customers.search_customers(ctx, "", limit=10)) == 4
    db.dispose()
