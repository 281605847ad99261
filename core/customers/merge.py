"""Merging two records of the same customer (a CSV import can make near-duplicates).

The survivor keeps both histories: every row keyed to the merged-away customer moves to it
(`MOVED`: memberships carry their charges, freezes, cancellations and visits; the credit lots
move through the ledger, which records the move as entries instead of rewriting any). The
survivor's details win; an empty one takes the duplicate's. The duplicate stays, marked as
merged (by whom, when, into which customer): search no longer finds it and its number says
where it went. Each moved membership's log records both customers; merging again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from core.classes.rules import BookingStatus
from core.context import Ctx
from core.credits import ledger
from core.customers.lookup import the_customer
from core.customers.service import CustomerInput, CustomerView, customer_row, get_customer, update_customer
from core.kernel.errors import Conflict, InvalidInput
from core.memberships import contract_log
from core.memberships.lifecycle import Status
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.approvals import ApprovalRequest
from storage.tables.base import TenantRow
from storage.tables.billing import Charge
from storage.tables.checkout import CheckoutInvoice
from storage.tables.classes import ClassBooking, ClassWaitlist
from storage.tables.credits import BalanceAlert, CreditLot, LedgerEntry
from storage.tables.customers import Customer
from storage.tables.memberships import Contract
from storage.tables.visits import ServiceVisit

FIELDS = ("company", "contact", "email", "phone", "location", "notes")  # as the edit form orders them
# Every table with a customer_id, and how its rows reach the survivor (a test holds this to the schema).
MOVED = {
    "contract": "re-keyed, with a line in each membership's log",
    "class_booking": "re-keyed, but for a cancelled one in a session the survivor holds too (kept)",
    "class_waitlist": "the duplicate's places in line are dropped (join the survivor again if needed)",
    "checkout_invoice": "re-keyed",
    "balance_alert": "re-keyed; the duplicate's open alert closes when the survivor has one",
    "credit_lot": "handed over by the ledger, with a merge entry each",
    "ledger_entry": "kept as written; the survivor's history reads them through its lots",
    "credit_totals": "added to the survivor's by the ledger",
    "customer": "the duplicate itself, marked merged",
}


@dataclass(frozen=True)
class Moves:
    """What moves to the survivor, counted."""

    memberships: int
    charges: int
    visits: int
    lots: int
    entries: int
    credits: Decimal  # credits (of every unit) still in the moving lots
    bookings: int
    invoices: int
    alerts: int  # balance alerts, with their follow-ups

    @property
    def nothing(self) -> bool:
        return not (self.memberships or self.lots or self.bookings or self.invoices or self.alerts)


@dataclass(frozen=True)
class Difference:
    field: str  # one of FIELDS
    kept: str  # the survivor's value
    dropped: str  # the duplicate's, left on its record


@dataclass(frozen=True)
class MergePreview:
    merged: CustomerView  # goes away
    survivor: CustomerView  # as it is
    becomes: CustomerView  # the survivor with the details it takes over
    moves: Moves
    differences: tuple[Difference, ...]  # both set and not the same: the survivor's is kept
    filled: tuple[str, ...]  # fields the survivor had empty and takes from the duplicate
    blockers: tuple[str, ...]  # why the merge cannot be done yet; empty when it can


@dataclass(frozen=True)
class Merged:
    merged: CustomerView
    survivor: CustomerView
    moves: Moves
    filled: tuple[str, ...]
    replayed: bool  # merged already: nothing was written this time


def merge_preview(ctx: Ctx, merged: str | int, into: str | int) -> MergePreview:
    """What merging the customer `merged` names into the one `into` names would move and change,
    and what stops it; nothing is written. Either may be lookup text or an id."""
    roles.require(ctx, Action.MERGE_CUSTOMERS)
    duplicate, survivor = _meant(ctx, merged), _meant(ctx, into)
    _refuse_self(duplicate.id, survivor.id)
    return _preview(ctx, duplicate, survivor)


def merge_customers(ctx: Ctx, merged_id: int, into_id: int) -> Merged:
    """Merge customer `merged_id` into `into_id` (see the module). Asked again after it was done,
    it answers as the first time and writes nothing."""
    roles.require(ctx, Action.MERGE_CUSTOMERS)
    _refuse_self(merged_id, into_id)
    # Both locked in id order, as the ledger locks customers: no deadlock with a redemption.
    rows = {i: customer_row(ctx, i, for_update=True, merged=True) for i in sorted({merged_id, into_id})}
    duplicate = rows[merged_id]
    if duplicate.merged_into_id == into_id:
        done = get_customer(ctx, merged_id, merged=True)
        return Merged(done, get_customer(ctx, into_id), _moves(ctx, merged_id), (), True)
    customer_row(ctx, merged_id)  # merged into another customer: MergedAway says which
    customer_row(ctx, into_id)
    preview = _preview(ctx, get_customer(ctx, merged_id), get_customer(ctx, into_id))
    if preview.blockers:
        raise Conflict(preview.blockers[0], "customer")
    _move_rows(ctx, merged_id, into_id, preview)
    ledger.merge_lots(ctx, merged_id, into_id, key=f"merge:{merged_id}:{into_id}")
    duplicate.merged_into_id, duplicate.merged_by, duplicate.merged_at = into_id, ctx.actor, ctx.now()
    ctx.uow.add(duplicate)
    # Customers merged into the duplicate earlier now point at the survivor: one hop, always.
    ctx.uow.session.execute(
        update(Customer)
        .where(col(Customer.tenant_id) == ctx.uow.tenant_id, col(Customer.merged_into_id) == merged_id)
        .values(merged_into_id=into_id)
    )
    ctx.uow.flush()
    # Saved as an edit is (checked, searchable by any new name), once the duplicate's email is free.
    becomes = preview.becomes
    survivor = update_customer(ctx, into_id, CustomerInput(**{n: getattr(becomes, n) for n in FIELDS}))
    return Merged(preview.merged, survivor, preview.moves, preview.filled, False)


# --- helpers -------------------------------------------------------------------------------------


def _meant(ctx: Ctx, who: str | int) -> CustomerView:
    return get_customer(ctx, who) if isinstance(who, int) else the_customer(ctx, who)


def _refuse_self(merged_id: int, into_id: int) -> None:
    if merged_id == into_id:
        raise InvalidInput.single("into", "A customer cannot be merged into itself; name two customers.")


def _preview(ctx: Ctx, duplicate: CustomerView, survivor: CustomerView) -> MergePreview:
    differences, filled = [], []
    for name in FIELDS:
        kept, dropped = getattr(survivor, name), getattr(duplicate, name)
        if not kept and dropped:
            filled.append(name)
        elif kept and dropped and kept.strip().casefold() != dropped.strip().casefold():
            differences.append(Difference(name, kept, dropped))
    taken = {name: getattr(duplicate, name) for name in filled}
    becomes = CustomerView(
        **{**{n: getattr(survivor, n) for n in ("id", *FIELDS)}, **taken}, unsubscribed=survivor.unsubscribed
    )
    return MergePreview(
        duplicate,
        survivor,
        becomes,
        _moves(ctx, duplicate.id),
        tuple(differences),
        tuple(filled),
        _blockers(ctx, duplicate, survivor),
    )


def _moves(ctx: Ctx, customer_id: int) -> Moves:
    contracts = ctx.uow.select(Contract).where(col(Contract.customer_id) == customer_id)
    contract_ids = contracts.with_only_columns(col(Contract.id))
    lots = ctx.uow.select(CreditLot).where(col(CreditLot.customer_id) == customer_id)
    lot_ids = lots.with_only_columns(col(CreditLot.id))

    def count(model: type[TenantRow], *where: ColumnElement[bool]) -> int:
        query = ctx.uow.select(model).where(*where).with_only_columns(func.count())
        return int(ctx.uow.scalar(query) or 0)

    left = ctx.uow.scalar(lots.with_only_columns(func.coalesce(func.sum(col(CreditLot.remaining)), 0)))
    return Moves(
        memberships=count(Contract, col(Contract.customer_id) == customer_id),
        charges=count(Charge, col(Charge.contract_id).in_(contract_ids)),
        visits=count(ServiceVisit, col(ServiceVisit.contract_id).in_(contract_ids)),
        lots=count(CreditLot, col(CreditLot.customer_id) == customer_id),
        entries=count(LedgerEntry, col(LedgerEntry.lot_id).in_(lot_ids)),
        credits=Decimal(left or 0),
        bookings=count(ClassBooking, col(ClassBooking.customer_id) == customer_id),
        invoices=count(CheckoutInvoice, col(CheckoutInvoice.customer_id) == customer_id),
        alerts=count(BalanceAlert, col(BalanceAlert.customer_id) == customer_id),
    )


def _blockers(ctx: Ctx, duplicate: CustomerView, survivor: CustomerView) -> tuple[str, ...]:
    """What has to be settled first: a place of each in one class session (a customer holds one;
    the duplicate's, once cancelled, stays on its record), and a credit grant waiting for approval
    for the duplicate (it would be granted to no one)."""
    found = []
    both = [
        b for b in _shared_sessions(ctx, duplicate.id, survivor.id) if b.status != BookingStatus.CANCELLED
    ]
    if both:
        found.append(
            f"Both are booked into the same class session ({len(both)}); cancel {duplicate.label}'s "
            "booking first."
        )
    waiting = ctx.uow.all(
        ctx.uow.select(ApprovalRequest).where(
            col(ApprovalRequest.status) == "pending", col(ApprovalRequest.kind) == "grant"
        )
    )
    if any(r.request.get("customer") == duplicate.id for r in waiting):
        found.append(f"A credit grant for {duplicate.label} is waiting for approval; have it decided first.")
    return tuple(found)


def _shared_sessions(ctx: Ctx, merged_id: int, into_id: int) -> list[ClassBooking]:
    """The duplicate's bookings of sessions the survivor has a booking in too."""
    mine = ctx.uow.select(ClassBooking).where(col(ClassBooking.customer_id) == into_id)
    sessions = mine.with_only_columns(col(ClassBooking.session_id))
    return list(
        ctx.uow.all(
            ctx.uow.select(ClassBooking).where(
                col(ClassBooking.customer_id) == merged_id, col(ClassBooking.session_id).in_(sessions)
            )
        )
    )


def _move_rows(ctx: Ctx, merged_id: int, into_id: int, preview: MergePreview) -> None:
    """Re-key the duplicate's memberships, bookings, invoices and alerts (the ledger moves the lots)."""
    why = (
        f"Moved from customer #{merged_id} ({preview.merged.label}) to #{into_id} "
        f"({preview.survivor.label}): the two were merged."
    )
    contracts = ctx.uow.all(
        ctx.uow.select(Contract)
        .where(col(Contract.customer_id) == merged_id)
        .order_by(col(Contract.id))
        .with_for_update()
    )
    for contract in contracts:
        contract.customer_id = into_id
        ctx.uow.add(contract)
        status = Status(contract.status)
        contract_log.record(ctx, contract, "merge", status, status, why)
    # The alert job keeps one open alert per customer: two would leave one open for ever.
    survivor_open = ctx.uow.first(
        ctx.uow.select(BalanceAlert).where(
            col(BalanceAlert.customer_id) == into_id, col(BalanceAlert.closed_on).is_(None)
        )
    )
    if survivor_open is not None:
        ctx.uow.session.execute(
            update(BalanceAlert)
            .where(
                col(BalanceAlert.tenant_id) == ctx.uow.tenant_id,
                col(BalanceAlert.customer_id) == merged_id,
                col(BalanceAlert.closed_on).is_(None),
            )
            .values(closed_on=ctx.today())
        )
    kept = [b.id for b in _shared_sessions(ctx, merged_id, into_id)]  # cancelled: the blockers say
    ctx.uow.session.execute(
        update(ClassBooking)
        .where(
            col(ClassBooking.tenant_id) == ctx.uow.tenant_id,
            col(ClassBooking.customer_id) == merged_id,
            col(ClassBooking.id).not_in(kept),
        )
        .values(customer_id=into_id)
    )
    # A place in line is not moved: the survivor may be booked or waiting in that session already.
    ctx.uow.session.execute(
        delete(ClassWaitlist).where(
            col(ClassWaitlist.tenant_id) == ctx.uow.tenant_id, col(ClassWaitlist.customer_id) == merged_id
        )
    )
    for model in (CheckoutInvoice, BalanceAlert):
        ctx.uow.session.execute(
            update(model)
            .where(col(model.tenant_id) == ctx.uow.tenant_id, col(model.customer_id) == merged_id)
            .values(customer_id=into_id)
        )
    ctx.uow.flush()
