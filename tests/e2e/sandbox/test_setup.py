"""A new sandbox's workspace, without a browser: one person per role, its channels, and the demo
data in every state the page is meant to show — or nothing with --empty; a kept one is left alone."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox import people
from bot.sandbox.run import open_database, set_up
from cli.demo import seed_sandbox
from core import outbox
from core.catalog import flows as catalog_flows
from core.classes import service as classes
from core.context import transaction
from core.credits import ledger
from core.customers import service as customers
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.workspace import roles
from core.workspace.test_clock import has_test_clock


def test_a_new_sandbox_holds_every_state_of_a_membership_and_lots_about_to_expire(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "sandbox.sqlite")
    clock = set_up(db, seed_sandbox)
    assert has_test_clock(db)
    with transaction(db, people.TEAM, people.ADMIN.id, clock, write=False) as ctx:
        assert {p.id: roles.roles_of(ctx, p.id) for p in people.PEOPLE} == {
            p.id: {p.role} for p in people.PEOPLE
        }
        assert ctx.tenant.operations_channel == people.OPERATIONS
        found = customers.search_customers(ctx, "", limit=50)
        assert len(found) == 12
        states = {m.status for c in found for m in memberships.memberships_of(ctx, c.id)}
        assert {Status.PENDING, Status.ACTIVE, Status.FROZEN, Status.GRACE, Status.EXPIRED} <= states
        sellers = {m.seller for c in found for m in memberships.memberships_of(ctx, c.id)}
        assert sellers == {people.STAFF.id, people.STAFF_2.id}
        soon = ledger.expiring_soon(ctx, within_days=7)
        assert {s.customer_id for s in soon} >= {
            c.id for c in found if c.company in ("Blue Fin Spa", "Maple Street Clinic")
        }
        assert [s.name for s in classes.list_series(ctx)] == ["Morning mobility"]
        catalog = catalog_flows.catalog_list(ctx)
        assert {s.name for s in catalog.services} >= {"Massage 60", "Massage 90", "Facial", "Oil", "Candle"}
        assert [t.name for t in catalog.templates] == ["Massage minutes"]
        alerts = [o for o in outbox.pending(ctx) if o.to == people.SPECIALIST.id]
        assert len(alerts) == 1 and "Seaside Barbers" in alerts[0].data["customer"]  # delivered at start
    set_up(db, seed_sandbox)  # a kept sandbox started again: nothing added
    with transaction(db, people.TEAM, people.ADMIN.id, clock, write=False) as ctx:
        assert len(customers.search_customers(ctx, "", limit=50)) == 12
    db.dispose()


def test_an_empty_sandbox_has_its_people_and_no_data(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "sandbox.sqlite")
    clock = set_up(db, None)
    with transaction(db, people.TEAM, people.ADMIN.id, clock, write=False) as ctx:
        assert roles.roles_of(ctx, people.MANAGER.id) == {people.MANAGER.role}
        assert customers.search_customers(ctx, "", limit=50) == []
    db.dispose()
