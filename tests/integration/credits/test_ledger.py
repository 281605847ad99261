"""The ledger's rules: order, idempotency, eligibility, reversal, transfer, expiry, rules of use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func

from core.catalog import services
from core.credits import ledger
from core.credits.ledger import NotEnoughCredits
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.kernel.errors import Conflict, ImmutableField, InvalidInput, NotFound, PermissionDenied
from core.memberships import service as memberships
from core.plans import service as plans
from storage.tables.credits import LedgerEntry
from tests.conftest import ADMIN, MANAGER, SPECIALIST, STAFF, Shop
from tests.integration.credit_helpers import D, at, credit_plan, member
from tests.integration.helpers import add_customer

SERVICE_CREDITS = CreditTerms(kind=CreditKind.SERVICE, per_period=D(4), transferable=True)


def entries(shop: Shop) -> int:
    with shop.tx(write=False) as ctx:
        return int(ctx.uow.scalar(ctx.uow.select(LedgerEntry).with_only_columns(func.count())))


def manual(
    shop: Shop,
    customer: int,
    quantity: str,
    key: str,
    *,
    usable_from: datetime | None = None,
    expires_at: datetime | None = None,
    priority: int = 100,
    promotional: bool = False,
    scope: dict[str, list[object]] | None = None,
) -> int:
    """A lot granted by hand, outside any membership; returns its id."""
    with shop.tx() as ctx:
        result = ledger.grant(
            ctx,
            customer,
            Unit.CREDIT,
            D(quantity),
            key=key,
            usable_from=usable_from,
            expires_at=expires_at,
            priority=priority,
            promotional=promotional,
            scope=dict(scope) if scope else None,
        )
        return result.entries[0].lot_id


def test_redemption_order_priority_expiry_promotional_then_age(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    soon = datetime(2025, 2, 1, tzinfo=UTC)
    later = datetime(2025, 6, 1, tzinfo=UTC)
    never_old = manual(shop, customer, "1", "a")
    late = manual(shop, customer, "1", "b", expires_at=later)
    soon_paid = manual(shop, customer, "1", "c", expires_at=soon)
    soon_promo = manual(shop, customer, "1", "d", expires_at=soon, promotional=True)
    never_new = manual(shop, customer, "1", "e")
    first_priority = manual(shop, customer, "1", "f", expires_at=later, priority=10)
    with shop.tx(STAFF) as ctx:
        result = ledger.redeem(ctx, customer, D(6), key="all")
    assert [e.lot_id for e in result.entries] == [
        first_priority,
        soon_promo,
        soon_paid,
        late,
        never_old,
        never_new,
    ]
    assert all(e.quantity == -1 and e.remaining_after == 0 for e in result.entries)


def test_the_same_key_replays_and_a_different_request_conflicts(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    manual(shop, customer, "5", "grant")
    with shop.tx(STAFF) as ctx:
        first = ledger.redeem(ctx, customer, D(2), key="visit-1")
    before = entries(shop)
    with shop.tx(STAFF) as ctx:
        again = ledger.redeem(ctx, customer, D(2), key="visit-1")
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == 3
    assert again.replayed and not first.replayed and again.entries == first.entries
    assert entries(shop) == before
    with pytest.raises(Conflict, match="different request"), shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(3), key="visit-1")


def test_not_enough_credits_is_clear_and_writes_nothing(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    manual(shop, customer, "2", "grant")
    before = entries(shop)
    with (
        pytest.raises(NotEnoughCredits, match="Not enough credits: 2 credits can be used now, 3 asked"),
        shop.tx(STAFF) as ctx,
    ):
        ledger.redeem(ctx, customer, D(3), key="too-many")
    assert entries(shop) == before
    with shop.tx(STAFF) as ctx:  # the failed key is free again: nothing was recorded
        assert ledger.redeem(ctx, customer, D(2), key="too-many").total == -2


@pytest.mark.parametrize("bad", [D(0), D(-1), D("1.5"), D("1e9")])
def test_bad_quantities_are_refused(shop: Shop, bad: Decimal) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    with pytest.raises(InvalidInput) as raised, shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, bad, key="bad")
    assert raised.value.field == "quantity"


def test_lots_not_yet_usable_expired_or_out_of_scope_are_never_used(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
        massage = services.add_service(ctx, "Massage 60", "massage", 60)
        facial = services.add_service(ctx, "Facial", "skin", 45)
    now = shop.clock.now()
    manual(shop, customer, "1", "future", usable_from=now + timedelta(days=1))
    manual(
        shop, customer, "1", "gone", usable_from=now - timedelta(days=10), expires_at=now - timedelta(hours=1)
    )
    manual(shop, customer, "1", "massage-only", scope={"services": [massage.id]})
    with pytest.raises(NotEnoughCredits), shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(1), key="facial", service_id=facial.id)
    with pytest.raises(NotEnoughCredits), shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(1), key="anything")  # a scoped lot needs its service
    manual(shop, customer, "2", "facial-or-skin", scope={"services": [facial.id], "categories": ["skin"]})
    with shop.tx(STAFF, write=False) as ctx:
        assert ledger.balance(ctx, customer).by_scope == {
            (Unit.CREDIT, "Facial, category skin"): D(2),
            (Unit.CREDIT, "Massage 60"): D(1),
        }
    with shop.tx(STAFF) as ctx:
        assert ledger.redeem(ctx, customer, D(1), key="massage", service_id=massage.id).total == -1
        ledger.redeem(ctx, customer, D(2), key="facials", service_id=facial.id)
        b = ledger.balance(ctx, customer)
    assert (b.total(Unit.CREDIT), b.upcoming) == (D(0), {Unit.CREDIT: D(1)})


def test_an_equality_template_lets_one_long_service_credit_pay_two_short_ones(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
        short = services.add_service(ctx, "Massage 30", "massage", 30)
        long = services.add_service(ctx, "Massage 60", "massage", 60)
        template = services.add_equality_template(ctx, "Massage minutes", {short.id: 1, long.id: 2})
    at(shop, date(2025, 1, 15))
    plan = credit_plan(
        shop,
        CreditTerms(
            kind=CreditKind.SERVICE, per_period=D(2), categories=("massage",), equality_template_id=template
        ),
    )
    member(shop, plan, date(2025, 1, 15), customer=customer)
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(2), key="two-short", service_id=short.id)
        with pytest.raises(NotEnoughCredits):
            ledger.redeem(ctx, customer, D(1), key="one-long", service_id=long.id)


def test_frozen_memberships_lend_nothing_until_unfrozen(shop: Shop) -> None:
    plan = credit_plan(shop, SERVICE_CREDITS)
    customer, m = member(shop, plan, date(2025, 1, 15))
    with shop.tx(MANAGER) as ctx:
        memberships.freeze(ctx, m, "Injury")
    with shop.tx(STAFF) as ctx:
        b = ledger.balance(ctx, customer)
        assert (b.total(Unit.CREDIT), b.on_hold) == (D(0), {Unit.CREDIT: D(4)})
    with pytest.raises(NotEnoughCredits), shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(1), key="while-frozen")
    with shop.tx(MANAGER) as ctx:
        memberships.unfreeze(ctx, m)
        assert ledger.redeem(ctx, customer, D(1), key="after").total == -1


def test_reversal_returns_credits_to_their_lots_and_re_expires_expired_ones(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    now = shop.clock.now()
    short_lived = manual(shop, customer, "2", "short", expires_at=now + timedelta(days=1))
    lasting = manual(shop, customer, "2", "long")
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(3), key="visit")
    shop.clock.advance(timedelta(days=2))  # the short-lived lot has expired by now
    with shop.tx(STAFF) as ctx:
        undone = ledger.reverse(ctx, "visit", "Visit cancelled")
        again = ledger.reverse(ctx, "visit", "Visit cancelled")
        b = ledger.balance(ctx, customer)
    assert again.replayed and again.entries == undone.entries
    assert [(e.lot_id, e.kind, e.quantity) for e in undone.entries] == [
        (short_lived, "reverse", D(2)),
        (short_lived, "expire", D(-2)),
        (lasting, "reverse", D(1)),
    ]
    assert (b.total(Unit.CREDIT), b.used[Unit.CREDIT], b.expired[Unit.CREDIT]) == (D(2), D(0), D(2))
    with pytest.raises(InvalidInput), shop.tx(STAFF) as ctx:
        ledger.reverse(ctx, "visit", "")


def test_transfer_needs_a_transferable_plan_and_arrives_under_the_recipients_rule(shop: Shop) -> None:
    at(shop, date(2025, 1, 15))
    transferable = credit_plan(shop, SERVICE_CREDITS)
    giver, _ = member(shop, transferable, date(2025, 1, 15))
    with shop.tx() as ctx:
        taker = add_customer(ctx, company="Taker")
        stranger = add_customer(ctx, company="Stranger")
    kept = credit_plan(
        shop,
        CreditTerms(kind=CreditKind.SERVICE, per_period=D(4), expiry=Expiry.DAYS, expiry_days=10),
        name="Silver",
    )
    member(shop, kept, date(2025, 1, 15), customer=taker)
    with shop.tx(STAFF) as ctx:
        moved = ledger.transfer(ctx, giver, taker, D(3), key="gift")
        with pytest.raises(NotEnoughCredits, match="transferred"):
            ledger.transfer(ctx, taker, stranger, D(1), key="regift")  # Silver does not allow transfers
    arrived = [e for e in moved.entries if e.kind == "transfer_in"]
    with shop.tx(STAFF, write=False) as ctx:
        lot = next(x for x in ledger.lots_of(ctx, taker) if x.id == arrived[0].lot_id)
        giver_balance, taker_balance = ledger.balance(ctx, giver), ledger.balance(ctx, taker)
    assert lot.expires_at == shop.clock.now() + timedelta(days=10)
    assert (giver_balance.total(Unit.CREDIT), taker_balance.total(Unit.CREDIT)) == (D(1), D(7))
    assert giver_balance.transferred_out[Unit.CREDIT] == taker_balance.transferred_in[Unit.CREDIT] == 3


def test_expiry_happens_once_however_often_it_runs(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    manual(shop, customer, "3", "x", expires_at=shop.clock.now() + timedelta(hours=1))
    shop.clock.advance(timedelta(hours=2))
    with shop.tx() as ctx:
        assert ledger.expire_due(ctx) == 1
    with shop.tx() as ctx:
        assert ledger.expire_due(ctx) == 0
        assert ledger.balance(ctx, customer).expired == {Unit.CREDIT: 3}


def test_wait_time_and_maximum_per_redemption(shop: Shop) -> None:
    plan = credit_plan(
        shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(10), wait_days=7, max_per_redemption=D(2))
    )
    customer, _ = member(shop, plan, date(2025, 1, 15))
    with pytest.raises(NotEnoughCredits), shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(3), key="three")
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(2), key="two")
    with pytest.raises(NotEnoughCredits), shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(1), key="too-soon")
    shop.clock.advance(timedelta(days=7))
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(1), key="a-week-later")


def test_a_membership_can_end_when_its_credits_are_used_up(shop: Shop) -> None:
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, initial=D(2), ends_when_used_up=True))
    customer, m = member(shop, plan, date(2025, 1, 15))
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(2), key="last-two")
        assert memberships.get(ctx, m).status.value == "expired"
        assert memberships.history(ctx, m)[-1].action == "credits used up"


def test_manual_adjustments_are_admin_only_and_need_a_reason(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    with pytest.raises(PermissionDenied), shop.tx(MANAGER) as ctx:
        ledger.adjust(ctx, customer, D(5), "Goodwill", key="adj")
    with pytest.raises(InvalidInput, match="reason is required"), shop.tx(ADMIN) as ctx:
        ledger.adjust(ctx, customer, D(5), " ", key="adj")
    with shop.tx(ADMIN) as ctx:
        ledger.adjust(ctx, customer, D(5), "Goodwill", key="adj", expires_on=date(2025, 3, 1))
        ledger.adjust(ctx, customer, D(-2), "Entered twice", key="adj-2")
        b = ledger.balance(ctx, customer)
        trail = ledger.history(ctx, customer)
    assert (b.total(Unit.CREDIT), b.adjusted[Unit.CREDIT]) == (D(3), D(3))
    assert [(e.kind, e.quantity, e.reason) for e in trail] == [
        ("adjust", D(5), "Goodwill"),
        ("adjust", D(-2), "Entered twice"),
    ]


def test_specialists_read_but_do_not_redeem(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    manual(shop, customer, "1", "g")
    with shop.tx(SPECIALIST) as ctx:
        assert ledger.balance(ctx, customer).total(Unit.CREDIT) == 1
        with pytest.raises(PermissionDenied):
            ledger.redeem(ctx, customer, D(1), key="no")


def test_sold_credit_terms_are_fixed_but_transferability_may_change(shop: Shop) -> None:
    plan = credit_plan(shop, SERVICE_CREDITS)
    member(shop, plan, date(2025, 1, 15))
    with pytest.raises(ImmutableField, match="Clone the plan") as raised, shop.tx() as ctx:
        terms = plans.get_plan(ctx, plan).terms
        assert terms.credits is not None
        plans.update_plan(
            ctx,
            plan,
            terms.__class__(
                **{
                    **terms.__dict__,
                    "credits": CreditTerms(kind=CreditKind.SERVICE, per_period=D(5), transferable=True),
                }
            ),
        )
    assert raised.value.field == "credits.per_period"
    with shop.tx() as ctx:
        terms = plans.get_plan(ctx, plan).terms
        updated = plans.update_plan(
            ctx,
            plan,
            terms.__class__(
                **{
                    **terms.__dict__,
                    "credits": CreditTerms(kind=CreditKind.SERVICE, per_period=D(4), transferable=False),
                }
            ),
        )
    assert updated.terms.credits is not None and not updated.terms.credits.transferable


def test_credit_terms_are_validated_field_by_field(shop: Shop) -> None:
    bad = CreditTerms(
        kind=CreditKind.SERVICE,
        per_period=D("1.5"),
        expiry=Expiry.DAYS,
        expiry_days=0,
        wait_days=400,
        for_services=D(1),
        max_per_redemption=D(0),
    )
    with pytest.raises(InvalidInput) as raised:
        credit_plan(shop, bad)
    assert {e.field for e in raised.value.errors} == {
        "credits.per_period",
        "credits.expiry_days",
        "credits.wait_days",
        "credits.for_services",
        "credits.max_per_redemption",
    }


def test_points_are_earned_on_payments_and_converted_to_monetary_credit(shop: Shop) -> None:
    from core.credits import grants as credit_grants

    plan = credit_plan(shop, CreditTerms(kind=CreditKind.POINTS, points_per_unit=D(1), point_value=D("0.05")))
    customer, m = member(shop, plan, date(2025, 1, 15))
    with shop.tx(STAFF) as ctx:
        earned = credit_grants.earn_points(ctx, m, D("129.99"), key="invoice-7:points", reference="INV-7")
        assert earned is not None and earned.total == 129
        credit_grants.convert_points(ctx, m, D(100), key="convert-1")
        b = ledger.balance(ctx, customer)
    assert (b.total(Unit.POINTS), b.total(Unit.MONEY)) == (D(29), D("5.00"))


def test_taking_back_a_grant_returns_what_is_left_once_and_refuses_what_it_cannot_undo(shop: Shop) -> None:
    with shop.tx() as ctx:
        customer = add_customer(ctx)
    manual(shop, customer, "5", "points-earned")
    with shop.tx(STAFF) as ctx:
        ledger.redeem(ctx, customer, D(2), key="spent")
    with shop.tx(STAFF) as ctx:
        taken = ledger.take_back(ctx, "points-earned", "Invoice voided")
        again = ledger.take_back(ctx, "points-earned", "Invoice voided")
        left = ledger.balance(ctx, customer).total(Unit.CREDIT)
    assert [e.quantity for e in taken.entries] == [D(-3)]  # the 2 already used stay used
    assert again.replayed and left == D(0)
    with shop.tx(write=False) as ctx:
        before = len(ledger.history(ctx, customer))
    for key, reason, error in (
        ("points-earned", " ", InvalidInput),  # no reason
        ("spent", "Invoice voided", Conflict),  # a redemption is reversed, not taken back
        ("never-written", "Invoice voided", NotFound),
    ):
        with pytest.raises(error), shop.tx(STAFF) as ctx:
            ledger.take_back(ctx, key, reason)
    with pytest.raises(PermissionDenied), shop.tx(SPECIALIST) as ctx:
        ledger.take_back(ctx, "points-earned", "Invoice voided")
    with shop.tx(write=False) as ctx:
        assert len(ledger.history(ctx, customer)) == before
