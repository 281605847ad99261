"""The database itself refuses impossible ledger states, whatever code writes them: a lot holding
less than nothing or more than it was granted, an entry that changes nothing (migration 0023)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from core.credits.terms import CreditKind, CreditTerms
from storage.tables.credits import CreditLot, LedgerEntry
from tests.conftest import Shop
from tests.integration.credit_helpers import D, at, credit_plan, member


def a_lot(shop: Shop) -> CreditLot:
    at(shop, date(2025, 1, 1))
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, initial=D(4)))
    customer, _ = member(shop, plan, date(2025, 1, 1))
    with shop.db.session() as s:
        lot = s.scalars(select(CreditLot).where(col(CreditLot.customer_id) == customer)).one()
        s.expunge(lot)
        return lot


@pytest.mark.parametrize("remaining", [D(-1), D(5)], ids=["below-zero", "above-granted"])
def test_a_lot_cannot_hold_less_than_nothing_or_more_than_it_was_granted(
    shop: Shop, remaining: object
) -> None:
    lot = a_lot(shop)
    assert lot.granted == D(4)
    with pytest.raises(IntegrityError), shop.db.engine.begin() as conn:
        conn.execute(update(CreditLot).where(col(CreditLot.id) == lot.id).values(remaining=remaining))
    with shop.db.session() as s:
        assert s.scalar(select(col(CreditLot.remaining)).where(col(CreditLot.id) == lot.id)) == D(4)


def test_an_entry_must_change_its_lot_but_a_merges_record(shop: Shop) -> None:
    lot = a_lot(shop)
    with shop.db.session() as s:
        first = s.scalars(select(LedgerEntry).where(col(LedgerEntry.lot_id) == lot.id)).first()
        assert first is not None
        row = {c: getattr(first, c) for c in LedgerEntry.model_fields if c != "id"}
    with pytest.raises(IntegrityError), shop.db.engine.begin() as conn:
        conn.execute(insert(LedgerEntry).values(**{**row, "kind": "redeem", "quantity": D(0)}))
    with shop.db.engine.begin() as conn:  # a lot handed over in a merge is recorded with zero
        conn.execute(insert(LedgerEntry).values(**{**row, "kind": "merge", "quantity": D(0)}))
    with shop.db.session() as s:
        kinds = s.scalars(select(col(LedgerEntry.kind)).where(col(LedgerEntry.lot_id) == lot.id)).all()
        assert sorted(kinds).count("merge") == 1
        assert s.scalar(select(func.count()).where(col(LedgerEntry.lot_id) == lot.id)) == len(kinds)
