"""Merging a duplicate customer into its survivor: both histories, balances and reports after it,
the duplicate out of search but its number naming the survivor, the refusals, and twice is once."""

from __future__ import annotations

from datetime import date

import pytest

from core.approvals import flows as approval_flows
from core.catalog import locations as catalog
from core.classes import service as classes
from core.credits import ledger
from core.credits import reports as credit_reports
from core.credits.lots import Unit
from core.credits.reports import SummaryLine
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.customers import merge
from core.customers.lookup import find_customer
from core.customers.service import CustomerInput, MergedAway, add_customer, get_customer, search_customers
from core.kernel.errors import Conflict, InvalidInput, PermissionDenied
from core.memberships import service as memberships
from core.workspace.tenants import update_settings
from storage import schema
from storage.tables.classes import ClassBooking, ClassWaitlist
from storage.tables.memberships import ContractEvent
from tests.conftest import ADMIN, MANAGER, STAFF, Shop
from tests.integration import helpers
from tests.integration.credit_helpers import D, at, credit_plan, member
from tests.integration.helpers import plan_by_name


def duplicates(shop: Shop) -> tuple[int, int, int, int]:
    """Ann Lee twice (an import made "Ann Lee" and "Lee, Ann"), each with a membership of 8
    credits on Sat 1 Feb 2025: the duplicate used 3, the survivor 1. (duplicate, survivor, their
    memberships.)"""
    at(shop, date(2025, 2, 1))
    plan = credit_plan(
        shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(8), expiry=Expiry.DAYS, expiry_days=60)
    )
    with shop.tx(STAFF) as ctx:
        survivor = add_customer(ctx, CustomerInput(contact="Ann Lee", email="ann@example.com")).id
        duplicate = add_customer(
            ctx,
            CustomerInput(
                company="Lee Studio", contact="Lee, Ann", email="lee@example.com", phone="555 0101"
            ),
        ).id
    _, kept = member(shop, plan, date(2025, 2, 1), customer=survivor)
    _, moved = member(shop, plan, date(2025, 2, 1), customer=duplicate)
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, duplicate, D(3), key="yoga-dup", reference="Yoga")
        ledger.redeem(ctx, survivor, D(1), key="yoga-ann", reference="Pilates")
    return duplicate, survivor, moved, kept


def test_the_preview_counts_what_moves_and_names_the_differences_and_writes_nothing(shop: Shop) -> None:
    duplicate, survivor, _, _ = duplicates(shop)
    with shop.tx(MANAGER, write=False) as ctx:
        preview = merge.merge_preview(ctx, f"#{duplicate}", f"#{survivor}")
    assert (preview.moves.memberships, preview.moves.lots, preview.moves.entries) == (1, 1, 2)
    assert preview.moves.credits == D(5)
    assert [(d.field, d.kept, d.dropped) for d in preview.differences] == [
        ("contact", "Ann Lee", "Lee, Ann"),
        ("email", "ann@example.com", "lee@example.com"),
    ]
    assert preview.filled == ("company", "phone")  # the survivor had none: it takes the duplicate's
    assert preview.blockers == ()
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, duplicate).company == "Lee Studio"  # nothing merged
        assert ledger.balance(ctx, survivor).total(Unit.CREDIT) == D(7)


def test_after_the_merge_the_survivor_has_both_balances_histories_and_memberships(shop: Shop) -> None:
    duplicate, survivor, moved, kept = duplicates(shop)
    with shop.tx(MANAGER) as ctx:
        done = merge.merge_customers(ctx, duplicate, survivor)
    assert not done.replayed and done.moves.memberships == 1
    assert (done.survivor.company, done.survivor.contact, done.survivor.email, done.survivor.phone) == (
        "Lee Studio",
        "Ann Lee",
        "ann@example.com",
        "555 0101",
    )
    with shop.tx(STAFF, write=False) as ctx:
        balance = ledger.balance(ctx, survivor)
        report = credit_reports.customer_report(ctx, survivor)
        mine = {m.id for m in memberships.memberships_of(ctx, survivor)}
        history = ledger.history(ctx, survivor)
    assert balance.total(Unit.CREDIT) == D(12)  # 5 + 7
    assert (balance.granted[Unit.CREDIT], balance.used[Unit.CREDIT]) == (D(16), D(4))
    line = SummaryLine(Unit.CREDIT, available=D(12), granted=D(16), used=D(4), expired=D(0))
    assert report.summary == (line,)
    assert mine == {moved, kept}
    # The duplicate's entries are as written; each moved lot has one merge entry of zero.
    merges = [e for e in history if e.kind == "merge"]
    assert [(e.quantity, e.remaining_after, e.reference) for e in merges] == [
        (D(0), D(5), f"from customer #{duplicate}")
    ]
    assert sum((e.quantity for e in history), D(0)) == D(12)
    with shop.tx(STAFF) as ctx:  # the moved credits are the survivor's to use, oldest expiry first
        ledger.redeem(ctx, survivor, D(12), key="all")
        assert ledger.balance(ctx, survivor).total(Unit.CREDIT) == D(0)


def test_the_merged_away_customer_is_not_found_but_its_number_names_the_survivor(shop: Shop) -> None:
    duplicate, survivor, _, _ = duplicates(shop)
    with shop.tx(ADMIN) as ctx:
        merge.merge_customers(ctx, duplicate, survivor)
    with shop.tx(STAFF, write=False) as ctx:
        assert [c.id for c in search_customers(ctx, "lee")] == [survivor]
        assert find_customer(ctx, "Lee Studio").one().id == survivor  # its name is the survivor's now
        with pytest.raises(MergedAway, match=rf"#{duplicate} .* was merged into #{survivor} "):
            find_customer(ctx, f"#{duplicate}")
        with pytest.raises(MergedAway):
            ledger.balance(ctx, duplicate)
        events = ctx.uow.all(ctx.uow.select(ContractEvent).where(ContractEvent.action == "merge"))
    assert len(events) == 1 and f"#{duplicate}" in events[0].reason and f"#{survivor}" in events[0].reason


def test_merging_again_changes_nothing_and_a_reversal_after_it_gives_back_to_the_survivor(shop: Shop) -> None:
    duplicate, survivor, _, _ = duplicates(shop)
    with shop.tx(MANAGER) as ctx:
        merge.merge_customers(ctx, duplicate, survivor)
    with shop.tx(MANAGER) as ctx:
        again = merge.merge_customers(ctx, duplicate, survivor)
    assert again.replayed
    with shop.tx(STAFF) as ctx:
        ledger.reverse(ctx, "yoga-dup", "Wrong customer at the desk")
        assert ledger.balance(ctx, survivor).total(Unit.CREDIT) == D(15)
        assert ledger.balance(ctx, survivor).used[Unit.CREDIT] == D(1)


def test_only_admins_and_managers_merge_and_never_a_customer_into_itself(shop: Shop) -> None:
    duplicate, survivor, _, _ = duplicates(shop)
    with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied, match="admin or manager"):
        merge.merge_customers(ctx, duplicate, survivor)
    with shop.tx(STAFF, write=False) as ctx, pytest.raises(PermissionDenied):
        merge.merge_preview(ctx, f"#{duplicate}", f"#{survivor}")
    with shop.tx(MANAGER) as ctx, pytest.raises(InvalidInput, match="itself"):
        merge.merge_customers(ctx, survivor, survivor)
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, duplicate).company == "Lee Studio"


def test_a_grant_waiting_for_approval_for_the_duplicate_stops_the_merge(shop: Shop) -> None:
    duplicate, survivor, _, _ = duplicates(shop)
    with shop.tx(ADMIN) as ctx:
        update_settings(ctx, approve_grants_above=D(10))
        approval_flows.grant(ctx, duplicate, D(25), "Goodwill", key="goodwill")
    with shop.tx(MANAGER, write=False) as ctx:
        assert merge.merge_preview(ctx, duplicate, survivor).blockers
    with shop.tx(MANAGER) as ctx, pytest.raises(Conflict, match="waiting for approval"):
        merge.merge_customers(ctx, duplicate, survivor)
    with shop.tx(STAFF, write=False) as ctx:
        assert get_customer(ctx, duplicate).company == "Lee Studio"


def test_every_table_keyed_to_a_customer_is_moved_by_the_merge() -> None:
    keyed = {t.name for t in schema.metadata.tables.values() if "customer_id" in t.c} | {"customer"}
    assert keyed == set(merge.MOVED)


def test_a_place_of_each_in_one_class_session_stops_the_merge_until_the_duplicates_is_cancelled(
    shop: Shop,
) -> None:
    duplicate, survivor, _, _ = duplicates(shop)
    with shop.tx() as ctx:
        location = catalog.add_location(ctx, "Downtown")
        silver = plan_by_name(ctx, "Silver").id
    gold = plan_by_name_id(shop, "Gold")
    series = helpers.yoga(shop, {"location": location, "gold": gold, "silver": silver}, date(2025, 2, 1))
    with shop.tx(write=False) as ctx:
        first, second = classes.upcoming_sessions(ctx, series.id)[:2]
    with shop.tx(STAFF) as ctx:
        shared = classes.book(ctx, first.id, duplicate)
        classes.book(ctx, first.id, survivor)
        own = classes.book(ctx, second.id, duplicate)
    with shop.tx(MANAGER) as ctx, pytest.raises(Conflict, match="same class session"):
        merge.merge_customers(ctx, duplicate, survivor)
    with shop.tx(STAFF) as ctx:
        classes.cancel_booking(ctx, shared.id)
    with shop.tx(MANAGER) as ctx:
        merge.merge_customers(ctx, duplicate, survivor)
    with shop.tx(write=False) as ctx:
        holders = {b.id: b.customer_id for b in ctx.uow.all(ctx.uow.select(ClassBooking))}
    assert holders[own.id] == survivor  # moved
    assert holders[shared.id] == duplicate  # cancelled, in a session the survivor holds: kept


def plan_by_name_id(shop: Shop, name: str) -> int:
    with shop.tx(write=False) as ctx:
        return plan_by_name(ctx, name).id


def test_the_duplicates_places_in_line_are_dropped_by_the_merge(shop: Shop) -> None:
    duplicate, survivor, _, _ = duplicates(shop)
    with shop.tx() as ctx:
        location = catalog.add_location(ctx, "Downtown")
        silver = plan_by_name(ctx, "Silver").id
    studio = {"location": location, "gold": plan_by_name_id(shop, "Gold"), "silver": silver}
    series = helpers.yoga(shop, studio, date(2025, 2, 1), capacity=1)
    with shop.tx(write=False) as ctx:
        session = classes.upcoming_sessions(ctx, series.id)[1]
    with shop.tx(STAFF) as ctx:
        classes.book(ctx, session.id, survivor)
        classes.join_waitlist(ctx, session.id, duplicate)
    with shop.tx(MANAGER) as ctx:
        merge.merge_customers(ctx, duplicate, survivor)
    with shop.tx(write=False) as ctx:
        assert classes.waitlist(ctx, session.id) == []
        assert ctx.uow.all(ctx.uow.select(ClassWaitlist)) == []
        assert classes.get_session(ctx, session.id).waiting == 0
