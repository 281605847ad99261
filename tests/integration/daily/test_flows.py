"""The daily work as an operator asks for it (core/daily/flows.py): the credit jobs now, once
however often they run; and a test clock moved on, which a database without one refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.daily import flows
from core.daily.jobs import catch_up
from core.kernel.clock import FixedClock
from core.kernel.errors import Conflict
from core.workspace.flows import ensure_tenant
from core.workspace.test_clock import clock_for, start_test_clock
from tests.conftest import Shop, fresh_database
from tests.integration.credit_helpers import D, at, credit_plan, member
from tests.integration.helpers import add_customer


def test_run_due_expires_then_grants_what_is_due_once(shop: Shop) -> None:
    gold = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(4)))
    member(shop, gold, date(2025, 1, 15))  # January granted at the sale; February due on 15 Feb
    with shop.tx() as ctx:
        customer = add_customer(ctx, company="Soon Gone")
        ledger.grant(
            ctx, customer, Unit.CREDIT, D(1), key="short", expires_at=shop.clock.now() + timedelta(days=1)
        )
    at(shop, date(2025, 2, 15))
    with shop.tx() as ctx:
        assert flows.run_due(ctx) == flows.Due(expired=1, granted=1)
    with shop.tx() as ctx:
        assert flows.run_due(ctx) == flows.Due(expired=0, granted=0)


def test_a_database_on_the_real_clock_refuses_to_move_it(shop: Shop) -> None:
    with pytest.raises(Conflict, match="cannot be moved"):
        flows.advance_clock(shop.db, shop.team, date(2030, 1, 1))


def test_the_test_clock_moves_to_midday_and_every_day_passed_runs(tmp_path: Path) -> None:
    db = fresh_database("sqlite", tmp_path)  # a test clock of its own, not the shared database's
    start = datetime(2025, 1, 15, 15, 0, tzinfo=UTC)
    start_test_clock(db, start)
    ensure_tenant(db, FixedClock(start), "TCLOCK", timezone="America/New_York")
    assert [r.day for r in catch_up(db, "TCLOCK", clock_for(db))] == [date(2025, 1, 15)]  # the first
    moved = flows.advance_clock(db, "TCLOCK", date(2025, 1, 18))
    noon = datetime(2025, 1, 18, 17, 0, tzinfo=UTC)  # 12:00 in New York
    assert (moved.before, moved.now) == (start, noon)
    assert [r.day for r in moved.days["TCLOCK"]] == [date(2025, 1, d) for d in (16, 17, 18)]
    db.dispose()
