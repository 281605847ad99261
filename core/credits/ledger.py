"""The credit ledger. Credits live in lots (one per grant); every change is an append-only entry
on one lot, written by an operation that carries an idempotency key:

- the same key with the same request changes nothing the second time and answers as the first;
- the same key with a different request is refused as a conflict;
- scheduled work derives its keys from what it acts on, e.g. ("expire", lot, expiry), so a rerun
  is harmless by construction.

A balance never goes negative: the lots a write depends on are locked (PostgreSQL FOR UPDATE, in
id order; SQLite's write lock is taken at BEGIN) and each debit is a conditional update that
checks the lot still holds enough.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from core.billing import service as billing
from core.context import Ctx
from core.credits import lending, lots
from core.credits import terms as credit_terms
from core.credits.lending import REDEEMABLE, Refusal
from core.credits.lots import Pool, Purpose, Unit
from core.credits.terms import CreditTerms
from core.customers import service as customers
from core.kernel import formats, paging
from core.kernel.errors import Conflict, Errors, InvalidInput, NotFound, PermissionDenied
from core.kernel.money import MAX_AMOUNT, minor_digits
from core.kernel.text import clean, clean_reason
from core.memberships import contract_log
from core.memberships.lifecycle import Status
from core.workspace import roles
from core.workspace.roles import Action
from storage import upserts
from storage.tables.catalog import Service
from storage.tables.credits import CreditLot, CreditTotals, LedgerEntry, LedgerOperation
from storage.tables.customers import Customer
from storage.tables.memberships import Contract
from storage.tables.plans import PlanVersion
from storage.uow import TENANT, prepared

_NO_TERMS = CreditTerms(kind=credit_terms.CreditKind.SERVICE)


class NotEnoughCredits(Conflict):
    """The customer's usable credits do not cover the request."""


@dataclass(frozen=True)
class EntryView:
    id: int
    operation_id: int
    lot_id: int
    contract_id: int | None
    kind: str
    quantity: Decimal
    remaining_after: Decimal
    at: datetime
    actor: str
    reason: str
    reference: str


@dataclass(frozen=True)
class LedgerResult:
    key: str
    operation_id: int
    entries: tuple[EntryView, ...]
    replayed: bool

    @property
    def total(self) -> Decimal:
        return sum((e.quantity for e in self.entries), Decimal(0))


@dataclass(frozen=True)
class Expiring:
    on: date  # the last day the credits can be used, in the workspace's timezone
    unit: Unit
    quantity: Decimal


@dataclass(frozen=True)
class Coming:
    on: date  # the first day the credits can be used, in the workspace's timezone
    unit: Unit
    quantity: Decimal


@dataclass(frozen=True)
class Balance:
    available: dict[tuple[Unit, Pool], Decimal]  # usable now
    by_scope: dict[tuple[Unit, str], Decimal]  # usable now, by what it is good for ("any service", ...)
    upcoming: dict[Unit, Decimal]  # granted, usable from a later date
    on_hold: dict[Unit, Decimal]  # in lots of frozen (or otherwise paused) memberships
    expiring: tuple[Expiring, ...]  # usable lots expiring within the window asked for
    granted: dict[Unit, Decimal]
    used: dict[Unit, Decimal]
    expired: dict[Unit, Decimal]
    transferred_in: dict[Unit, Decimal]
    transferred_out: dict[Unit, Decimal]
    adjusted: dict[Unit, Decimal]
    coming: tuple[Coming, ...] = ()  # the upcoming credits by the day they become usable

    def total(self, unit: Unit) -> Decimal:
        return sum((q for (u, _), q in self.available.items() if u is unit), Decimal(0))


# --- writing -------------------------------------------------------------------------------------


def grant(
    ctx: Ctx,
    customer_id: int,
    unit: Unit,
    quantity: Decimal,
    *,
    key: str,
    contract_id: int | None = None,
    pool: Pool = Pool.ANY,
    scope: dict[str, Any] | None = None,
    usable_from: datetime | None = None,
    expires_at: datetime | None = None,
    priority: int = 100,
    promotional: bool = False,
    source: str = "grant",
    reason: str = "",
    reference: str = "",
) -> LedgerResult:
    """A new lot. Used by scheduled grants (as the system) and, through `adjust`, by admins."""
    quantity = _quantity(ctx, unit, quantity)
    usable_from = usable_from or ctx.now()
    if expires_at is not None and expires_at <= usable_from:
        raise InvalidInput.single("expires", "Credits must expire after they become usable.")
    request = {
        "customer": customer_id,
        "unit": unit,
        "quantity": quantity,
        "contract": contract_id,
        "pool": pool,
        "scope": scope,
        "usable_from": usable_from,
        "expires_at": expires_at,
        "priority": priority,
        "promotional": promotional,
        "source": source,
        "reason": reason,
        "reference": reference,
    }
    op, replay = _begin(ctx, key, "grant" if source != "adjust" else "adjust", request)
    if replay is not None:
        return replay
    _lock_customers(ctx, customer_id)
    lot = ctx.uow.add(
        CreditLot(
            tenant_id=ctx.uow.tenant_id,
            customer_id=customer_id,
            contract_id=contract_id,
            unit=unit.value,
            pool=pool.value,
            scope=scope,
            priority=priority,
            promotional=promotional,
            granted=quantity,
            remaining=quantity,
            usable_from=usable_from,
            expires_at=expires_at,
            granted_at=ctx.now(),
            source=source,
        )
    )
    ctx.uow.flush()
    kind = "adjust" if source == "adjust" else "grant"
    _entry(ctx, op, lot, kind, quantity, reason=reason, reference=reference)
    _count(ctx, customer_id, unit, **{"adjusted" if kind == "adjust" else "granted": quantity})
    return op.result()


def grant_waits(ctx: Ctx, quantity: Decimal) -> bool:
    """A manual grant (or removal) of more credits than the workspace's threshold waits
    (core/approvals/policy.py asks here)."""
    threshold = ctx.tenant.approve_grants_above
    return threshold is not None and abs(quantity) > threshold


@dataclass(frozen=True)
class NewLot:
    """A scheduled grant for `grant_many`: what `grant` is given, with the system's defaults."""

    customer_id: int
    contract_id: int | None
    unit: Unit
    quantity: Decimal
    key: str
    pool: Pool
    usable_from: datetime
    expires_at: datetime | None
    scope: dict[str, Any] | None = None
    source: str = "grant"
    reference: str = ""


def grant_many(ctx: Ctx, grants: list[NewLot]) -> int:
    """`grant` of many new lots at once, as the daily run writes a page of due grants: one
    statement per table (operations, lots, entries, running totals) instead of six round trips per
    lot. Exactly once by the operation key's unique constraint: a grant whose key exists (a rerun,
    another scheduler) writes nothing. The operations, lots and entries are what `grant` writes,
    request hash included, so `grant` with the same key replays them. Returns the lots written."""
    if not grants:
        return 0
    requests = []
    for g in grants:
        quantity = _quantity(ctx, g.unit, g.quantity)
        if g.expires_at is not None and g.expires_at <= g.usable_from:
            raise InvalidInput.single("expires", "Credits must expire after they become usable.")
        if not g.key or len(g.key) > 200:
            raise InvalidInput.single("key", "An idempotency key of 1 to 200 characters is required.")
        requests.append((g, quantity))
    kind = "grant"
    ops = [
        {
            "tenant_id": ctx.uow.tenant_id,
            "key": g.key,
            "kind": kind,
            "request_hash": _digest(kind, _grant_request(g, quantity)),
            "actor": ctx.actor,
            "at": ctx.now(),
        }
        for g, quantity in requests
    ]
    new_ops = upserts.insert_many_keys_if_absent(
        ctx.uow, "ledger_operation", ops, ["tenant_id", "key"], "key"
    )
    new = [(g, quantity) for g, quantity in requests if g.key in new_ops]
    if not new:
        return 0
    _lock_many_customers(ctx, [g.customer_id for g, _ in new])
    lot_ids = upserts.insert_many_returning_ids(
        ctx.uow,
        "credit_lot",
        [
            {
                "tenant_id": ctx.uow.tenant_id,
                "customer_id": g.customer_id,
                "contract_id": g.contract_id,
                "unit": g.unit.value,
                "pool": g.pool.value,
                "scope": g.scope,
                "priority": 100,
                "promotional": False,
                "granted": quantity,
                "remaining": quantity,
                "usable_from": g.usable_from,
                "expires_at": g.expires_at,
                "granted_at": ctx.now(),
                "source": g.source,
            }
            for g, quantity in new
        ],
    )
    entries = [
        {
            "tenant_id": ctx.uow.tenant_id,
            "operation_id": new_ops[g.key],
            "customer_id": g.customer_id,
            "lot_id": lot_id,
            "contract_id": g.contract_id,
            "kind": kind,
            "quantity": quantity,
            "remaining_after": quantity,
            "actor": ctx.actor,
            "reason": "",
            "reference": g.reference,
            "at": ctx.now(),
        }
        for (g, quantity), lot_id in zip(new, lot_ids, strict=True)
    ]
    upserts.insert_many_returning_ids(ctx.uow, "ledger_entry", entries)
    granted: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for g, quantity in new:
        granted[(g.customer_id, g.unit.value)] += quantity
    upserts.add_to_counters_many(
        ctx.uow,
        "credit_totals",
        [
            {"tenant_id": ctx.uow.tenant_id, "customer_id": c, "unit": u, "granted": q}
            for (c, u), q in sorted(granted.items())
        ],
        ["customer_id", "unit"],
        ["granted"],
        zero=[name for name in COUNTERS if name != "granted"],
    )
    return len(new)


def _grant_request(g: NewLot, quantity: Decimal) -> dict[str, Any]:
    """The request `grant` hashes for these arguments (so either path replays the other)."""
    return {
        "customer": g.customer_id,
        "unit": g.unit,
        "quantity": quantity,
        "contract": g.contract_id,
        "pool": g.pool,
        "scope": g.scope,
        "usable_from": g.usable_from,
        "expires_at": g.expires_at,
        "priority": 100,
        "promotional": False,
        "source": g.source,
        "reason": "",
        "reference": g.reference,
    }


def adjust(
    ctx: Ctx,
    customer_id: int,
    quantity: Decimal,
    reason: str,
    *,
    key: str,
    unit: Unit = Unit.CREDIT,
    expires_on: date | None = None,
    approved: bool = False,
) -> LedgerResult:
    """A manual correction by an admin, with a required reason: a positive quantity is a new lot,
    a negative one is taken from the customer's lots in redemption order. One above the workspace's
    threshold is made only once approved (`approved`: the approval policy, core/approvals); asked
    directly, it is refused, whoever calls."""
    roles.require(ctx, Action.ADJUST_CREDITS)
    if grant_waits(ctx, quantity) and not approved:
        raise PermissionDenied(
            f"Grants of more than {ctx.tenant.approve_grants_above} credits wait for a manager's "
            "approval in this workspace: ask for the grant."
        )
    errors = Errors()
    reason = clean(errors, "reason", reason, label="The reason", max_length=1000, required=True)
    if quantity == 0:
        errors.add("quantity", "An adjustment of zero changes nothing.")
    if expires_on is not None and expires_on <= ctx.today():
        errors.add("expires", f"{formats.day(expires_on)} is not in the future.")
    errors.raise_if_any()
    if quantity > 0:
        expires_at = None if expires_on is None else _local_midnight(ctx, expires_on + timedelta(days=1))
        return grant(
            ctx, customer_id, unit, quantity, key=key, expires_at=expires_at, source="adjust", reason=reason
        )
    return _take(ctx, "adjust", customer_id, -quantity, key=key, unit=unit, reason=reason)


def redeem(
    ctx: Ctx,
    customer_id: int,
    quantity: Decimal,
    *,
    key: str,
    unit: Unit = Unit.CREDIT,
    service_id: int | None = None,
    purpose: Purpose | None = None,
    reference: str = "",
) -> LedgerResult:
    """Use credits: `quantity` services (with a service) or units of credit, money or points."""
    roles.require(ctx, Action.REDEEM)
    return _take(
        ctx,
        "redeem",
        customer_id,
        quantity,
        key=key,
        unit=unit,
        service_id=service_id,
        purpose=purpose,
        reference=reference,
    )


def preview(
    ctx: Ctx,
    customer_id: int,
    quantity: Decimal,
    *,
    unit: Unit = Unit.CREDIT,
    service_id: int | None = None,
    purpose: Purpose | None = None,
) -> list[tuple[CreditLot, Decimal]]:
    """Which lots a redemption would use, without writing anything (the confirmation step)."""
    roles.require(ctx, Action.VIEW)
    quantity = _quantity(ctx, unit, quantity)
    plan, short, _ = _plan(ctx, customer_id, quantity, unit, service_id, purpose, lock=False)
    if short > 0:
        raise _not_enough(ctx, unit, quantity, short, service_id)
    return plan


def reverse(ctx: Ctx, of_key: str, reason: str) -> LedgerResult:
    """Undo a redemption: each lot gets back what was taken from it. A lot that has expired in the
    meantime expires again at once (both entries are written). Reversing twice changes nothing."""

    def give_back(op: _Op, entry: LedgerEntry, lot: CreditLot, reason: str, now: datetime) -> None:
        back = -entry.quantity
        _set_remaining(ctx, lot, lot.remaining + back)
        _entry(ctx, op, lot, "reverse", back, reason=reason, reference=f"reverses {of_key}")
        _count(ctx, lot.customer_id, Unit(lot.unit), used=-back)
        if lot.expires_at is not None and lot.expires_at <= now:
            _set_remaining(ctx, lot, lot.remaining - back)
            _entry(ctx, op, lot, "expire", -back, reason="expired before the reversal")
            _count(ctx, lot.customer_id, Unit(lot.unit), expired=back)

    return _undo(
        ctx,
        of_key,
        reason,
        ("redeem", "Only redemptions can be reversed"),
        (f"reverse:{of_key}", "reverse"),
        give_back,
    )


def redeem_lots(
    ctx: Ctx, customer_id: int, takes: list[tuple[int, Decimal]], *, key: str, reference: str = ""
) -> LedgerResult:
    """Use credits from lots the caller chose (checkout plans a whole invoice, with caps per
    invoice, and posts it as one operation that `reverse` undoes whole). Each lot must still be
    the customer's, usable now, of a membership that lends, and hold enough."""
    roles.require(ctx, Action.REDEEM)
    request = {"customer": customer_id, "takes": [[lot_id, str(q)] for lot_id, q in takes], "ref": reference}
    op, replay = _begin(ctx, key, "redeem", request)
    if replay is not None:
        return replay
    _lock_customers(ctx, customer_id)
    rows, held = _open_lots_held(ctx, customer_id, Unit.CREDIT, lock=True)
    money, money_held = _open_lots_held(ctx, customer_id, Unit.MONEY, lock=True)
    rows, held = {**rows, **money}, {**held, **money_held}
    now = ctx.now()
    for lot_id, quantity in sorted(takes):
        lot = rows.get(lot_id)
        membership = held.get(lot.contract_id) if lot is not None and lot.contract_id is not None else None
        if (
            lot is None
            or not lots.usable(as_lot(lot), now)
            or (membership is not None and membership.status not in REDEEMABLE)
        ):
            raise NotEnoughCredits(
                f"Lot #{lot_id} can no longer be used here (used up, expired or on hold).", "quantity"
            )
        unit = Unit(lot.unit)
        _debit(ctx, op, lot, _quantity(ctx, unit, quantity), "redeem", reference=reference)
        _count(ctx, customer_id, unit, used=quantity)
    touched = sorted({rows[lot_id].contract_id or 0 for lot_id, _ in takes} - {0})
    waiting = [c for c in touched if (held[c].terms or _NO_TERMS).wait_days > 0]
    if waiting:
        ctx.uow.session.execute(
            update(Contract)
            .where(col(Contract.tenant_id) == ctx.uow.tenant_id, col(Contract.id).in_(waiting))
            .values(last_redeemed_at=now)
        )
    for contract_id in touched:
        if (held[contract_id].terms or _NO_TERMS).ends_when_used_up:
            _end_if_used_up(ctx, contract_id)
    ctx.uow.flush()
    return op.result()


def take_back(ctx: Ctx, of_key: str, reason: str) -> LedgerResult:
    """Undo a grant (points earned on an invoice that was voided): each of its lots gives back what
    it still holds of it, as an adjustment; what was already used stays used. Twice changes nothing."""

    def take(op: _Op, entry: LedgerEntry, lot: CreditLot, reason: str, now: datetime) -> None:
        amount = min(lot.remaining, entry.quantity)
        if amount > 0:
            _debit(ctx, op, lot, amount, "adjust", reason=reason, reference=f"takes back {of_key}")
            _count(ctx, lot.customer_id, Unit(lot.unit), adjusted=-amount)

    return _undo(
        ctx,
        of_key,
        reason,
        ("grant", "Only grants can be taken back"),
        (f"take-back:{of_key}", "adjust"),
        take,
    )


def transfer(
    ctx: Ctx,
    from_customer: int,
    to_customer: int,
    quantity: Decimal,
    *,
    key: str,
    unit: Unit = Unit.CREDIT,
) -> LedgerResult:
    """Move credits between customers, where the plan allows it and the membership is active. They
    are taken in redemption order and arrive as lots under the recipient's expiry rule."""
    roles.require(ctx, Action.REDEEM)
    if from_customer == to_customer:
        raise InvalidInput.single("to", "Credits can only be transferred to another customer.")
    quantity = _quantity(ctx, unit, quantity)
    op, replay = _begin(
        ctx, key, "transfer", {"from": from_customer, "to": to_customer, "quantity": quantity, "unit": unit}
    )
    if replay is not None:
        return replay
    _lock_customers(ctx, from_customer, to_customer)
    plan = _transfer_plan(ctx, from_customer, quantity, unit, lock=True)
    recipient = _recipient_contract(ctx, to_customer, unit)
    for source, amount in plan:
        _debit(ctx, op, source, amount, "transfer_out", reference=f"to customer #{to_customer}")
        _count(ctx, from_customer, unit, transferred_out=amount)
        expires_at = _expiry_for(ctx, recipient, ctx.now()) if recipient is not None else source.expires_at
        arrived = ctx.uow.add(
            CreditLot(
                tenant_id=ctx.uow.tenant_id,
                customer_id=to_customer,
                contract_id=recipient.id if recipient else None,
                unit=unit.value,
                pool=source.pool,
                scope=source.scope,
                priority=source.priority,
                promotional=source.promotional,
                granted=amount,
                remaining=amount,
                usable_from=ctx.now(),
                expires_at=expires_at,
                granted_at=ctx.now(),
                source="transfer",
            )
        )
        ctx.uow.flush()
        _entry(ctx, op, arrived, "transfer_in", amount, reference=f"from customer #{from_customer}")
        _count(ctx, to_customer, unit, transferred_in=amount)
    return op.result()


def preview_transfer(
    ctx: Ctx, from_customer: int, quantity: Decimal, *, unit: Unit = Unit.CREDIT
) -> list[tuple[CreditLot, Decimal]]:
    """Which lots a transfer would move, without writing anything (the confirmation step): only
    lots of active memberships whose plan allows transfers, refused as `transfer` refuses."""
    roles.require(ctx, Action.VIEW)
    return _transfer_plan(ctx, from_customer, _quantity(ctx, unit, quantity), unit, lock=False)


def transferable(ctx: Ctx, customer_id: int, *, unit: Unit = Unit.CREDIT) -> Decimal:
    """How much of the customer's credit a transfer may move now (the rest stays: its plan does
    not allow transfers, or it lies outside a membership)."""
    roles.require(ctx, Action.VIEW)
    customers.customer_row(ctx, customer_id)
    rows, held = _open_lots_held(ctx, customer_id, unit, lock=False)
    now = ctx.now()
    found = sum(
        (
            lot.remaining
            for lot in rows.values()
            if _fits(as_lot(lot), now, None, None, None)
            and _lends(lot.contract_id, held, set(), now, for_transfer=True, waits=False)
        ),
        Decimal(0),
    )
    return _shown(ctx, unit, found)


def _transfer_plan(
    ctx: Ctx, from_customer: int, quantity: Decimal, unit: Unit, *, lock: bool
) -> list[tuple[CreditLot, Decimal]]:
    """The one rule of what a transfer moves, for its preview and for the transfer itself."""
    plan, short, _ = _plan(ctx, from_customer, quantity, unit, None, None, lock=lock, for_transfer=True)
    if short > 0:
        raise NotEnoughCredits(
            f"Only {_shown(ctx, unit, quantity - short)} {_unit_label(unit)} can be transferred (from active "
            f"memberships whose plan allows transfers); {quantity} asked.",
            "quantity",
        )
    return plan


def merge_lots(ctx: Ctx, from_customer: int, to_customer: int, *, key: str) -> LedgerResult:
    """Hand every lot of a customer merged into another (core/customers/merge.py) to the survivor,
    as they are: the same remaining credits, expiry, membership and scope. Entries are never
    rewritten: each lot gets a "merge" entry of zero naming both customers, the survivor's from
    then on, and the running totals move with the lots, so the survivor's balance, history and
    reports read both customers' credits. The caller checks the merge's permission."""
    op, replay = _begin(ctx, key, "merge", {"from": from_customer, "to": to_customer})
    if replay is not None:
        return replay
    for lot in ctx.uow.all(
        ctx.uow.select(CreditLot)
        .where(col(CreditLot.customer_id) == from_customer)
        .order_by(col(CreditLot.id))
        .with_for_update()
    ):
        lot.customer_id = to_customer
        ctx.uow.add(lot)
        _entry(ctx, op, lot, "merge", Decimal(0), reference=f"from customer #{from_customer}")
    totals = ctx.uow.all(
        ctx.uow.select(CreditTotals)
        .where(col(CreditTotals.customer_id) == from_customer)
        .execution_options(populate_existing=True)
    )
    for row in totals:
        counts = {name: getattr(row, name) for name in COUNTERS}
        _count(ctx, to_customer, Unit(row.unit), **counts)
        _count(ctx, from_customer, Unit(row.unit), **{name: -q for name, q in counts.items()})
    ctx.uow.flush()
    return op.result()


def expire_due(ctx: Ctx, at: datetime | None = None) -> int:
    """Expire every lot whose expiry has come by `at` (default now). Each lot's expiry is keyed by
    (lot, expiry time), so running this any number of times expires exactly what is due, once."""
    return sum(paging.pages(lambda after: expire_page(ctx, after, 1000, at)))


def expire_page(ctx: Ctx, after: int, limit: int, at: datetime | None = None) -> tuple[int, int | None]:
    """`expire_due` for the next `limit` due lots with an id above `after` (bounded work for one
    transaction): the lots expired, and the last id seen (None: no more).

    Set-based: the page's customers are locked in one statement (ascending ids, as every writer
    locks them), then its lots (re-read under the lock: one used meanwhile is left alone), and the
    expiries are written with one statement per table: the operations (`expire:<lot>:<expiry>`,
    ON CONFLICT DO NOTHING on the key's unique constraint, so a rerun writes nothing), the lots
    set to zero, their entries, the running totals."""
    roles.require(ctx, Action.RUN_JOBS)
    at = at or ctx.now()
    # Expiry is paused while a membership is frozen: unfreezing moves its lots' expiry on.
    frozen = ctx.uow.select(Contract).where(col(Contract.status) == Status.FROZEN.value)
    query = (
        select(col(CreditLot.id), col(CreditLot.customer_id))
        .where(
            col(CreditLot.tenant_id) == ctx.uow.tenant_id,
            col(CreditLot.remaining) > 0,
            col(CreditLot.expires_at).is_not(None),
            col(CreditLot.expires_at) <= at,
            col(CreditLot.id) > after,
            or_(
                col(CreditLot.contract_id).is_(None),
                col(CreditLot.contract_id).not_in(frozen.with_only_columns(col(Contract.id))),
            ),
        )
        .order_by(col(CreditLot.id))
        .limit(limit)
    )
    page = list(ctx.uow.session.exec(query).all())
    last = page[-1][0] if len(page) == limit else None
    if not page:
        return 0, last
    _lock_many_customers(ctx, [customer_id for _, customer_id in page])
    locked = (
        select(CreditLot)
        .where(col(CreditLot.tenant_id) == ctx.uow.tenant_id, col(CreditLot.id).in_([i for i, _ in page]))
        .order_by(col(CreditLot.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    due = [
        lot for lot in ctx.uow.session.exec(locked).all() if lot.remaining > 0 and lot.expires_at is not None
    ]
    keys = {
        lot.id: f"expire:{lot.id}:{lot.expires_at.isoformat()}" for lot in due if lot.expires_at is not None
    }
    ops = [
        {
            "tenant_id": ctx.uow.tenant_id,
            "key": keys[lot.id],
            "kind": "expire",
            "request_hash": _digest("expire", {"lot": lot.id}),
            "actor": ctx.actor,
            "at": ctx.now(),
        }
        for lot in due
    ]
    new_ops = upserts.insert_many_keys_if_absent(
        ctx.uow, "ledger_operation", ops, ["tenant_id", "key"], "key"
    )
    expiring = [lot for lot in due if keys[lot.id] in new_ops]
    if not expiring:
        return 0, last
    entries = [
        {
            "tenant_id": ctx.uow.tenant_id,
            "operation_id": new_ops[keys[lot.id]],
            "customer_id": lot.customer_id,
            "lot_id": lot.id or 0,
            "contract_id": lot.contract_id,
            "kind": "expire",
            "quantity": -lot.remaining,
            "remaining_after": Decimal(0),
            "actor": ctx.actor,
            "reason": "",
            "reference": "",
            "at": ctx.now(),
        }
        for lot in expiring
    ]
    expired: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for lot in expiring:
        expired[(lot.customer_id, lot.unit)] += lot.remaining
    ids = [lot.id or 0 for lot in expiring]
    # Locked above; the condition is the second line of defence, as in `_debit`.
    if upserts.set_where_positive(ctx.uow, "credit_lot", ids, "remaining", Decimal(0)) != len(ids):
        raise NotEnoughCredits("Not enough credits: someone used them a moment ago. Try again.", "quantity")
    for lot in expiring:
        set_committed_value(lot, "remaining", Decimal(0))
    upserts.insert_many_returning_ids(ctx.uow, "ledger_entry", entries)
    upserts.add_to_counters_many(
        ctx.uow,
        "credit_totals",
        [
            {"tenant_id": ctx.uow.tenant_id, "customer_id": c, "unit": u, "expired": q}
            for (c, u), q in sorted(expired.items())
        ],
        ["customer_id", "unit"],
        ["expired"],
        zero=[name for name in COUNTERS if name != "expired"],
    )
    return len(expiring), last


def postpone_expiry(ctx: Ctx, contract_id: int, days: int) -> int:
    """Move the expiry of the membership's open lots `days` later (by the calendar: the same local
    time of day), after a freeze of that many days. Returns the lots moved."""
    if days <= 0:
        return 0
    query = ctx.uow.select(CreditLot).where(
        col(CreditLot.contract_id) == contract_id,
        col(CreditLot.remaining) > 0,
        col(CreditLot.expires_at).is_not(None),
    )
    moved = 0
    for lot in ctx.uow.all(query.order_by(col(CreditLot.id)).with_for_update()):
        assert lot.expires_at is not None
        lot.expires_at = lot.expires_at.astimezone(ctx.tz) + timedelta(days=days)
        ctx.uow.add(lot)
        moved += 1
    ctx.uow.flush()
    return moved


# --- reading -------------------------------------------------------------------------------------


def balance(ctx: Ctx, customer_id: int, *, within_days: int = 30) -> Balance:
    """What the customer has now. Reads only open lots and running totals, never the history, so
    its cost does not grow with the length of the history."""
    roles.require(ctx, Action.VIEW)
    customers.customer_row(ctx, customer_id)
    now = ctx.now()
    horizon = now + timedelta(days=within_days)
    available: dict[tuple[Unit, Pool], Decimal] = defaultdict(Decimal)
    upcoming: dict[Unit, Decimal] = defaultdict(Decimal)
    coming: dict[tuple[date, Unit], Decimal] = defaultdict(Decimal)
    on_hold: dict[Unit, Decimal] = defaultdict(Decimal)
    expiring: dict[tuple[date, Unit], Decimal] = defaultdict(Decimal)
    by_scope: dict[tuple[Unit, str], Decimal] = defaultdict(Decimal)
    scopes = _ScopeNames(ctx)
    for lot, status in _open_lots_with_status(ctx, customer_id):
        unit = Unit(lot.unit)
        if lot.expires_at is not None and lot.expires_at <= now:
            continue  # expired; the expiry job writes its entry
        if lot.contract_id is not None and (status is None or Status(status) not in REDEEMABLE):
            on_hold[unit] += lot.remaining
        elif lot.usable_from > now:
            upcoming[unit] += lot.remaining
            coming[(lot.usable_from.astimezone(ctx.tz).date(), unit)] += lot.remaining
        else:
            available[(unit, Pool(lot.pool))] += lot.remaining
            by_scope[(unit, scopes.label(lot))] += lot.remaining
            if lot.expires_at is not None and lot.expires_at <= horizon:
                last_day = (lot.expires_at - timedelta(microseconds=1)).astimezone(ctx.tz).date()
                expiring[(last_day, unit)] += lot.remaining
    totals = {Unit(t.unit): t for t in ctx.uow.run(_TOTALS, customer=customer_id)}

    def column(name: str) -> dict[Unit, Decimal]:
        return {u: _shown(ctx, u, getattr(t, name)) for u, t in totals.items()}

    return Balance(
        available={(u, p): _shown(ctx, u, q) for (u, p), q in available.items()},
        by_scope={(u, label): _shown(ctx, u, q) for (u, label), q in sorted(by_scope.items())},
        upcoming={u: _shown(ctx, u, q) for u, q in upcoming.items()},
        on_hold={u: _shown(ctx, u, q) for u, q in on_hold.items()},
        expiring=tuple(Expiring(d, u, _shown(ctx, u, q)) for (d, u), q in sorted(expiring.items())),
        granted=column("granted"),
        used=column("used"),
        expired=column("expired"),
        transferred_in=column("transferred_in"),
        transferred_out=column("transferred_out"),
        adjusted=column("adjusted"),
        coming=tuple(Coming(d, u, _shown(ctx, u, q)) for (d, u), q in sorted(coming.items())),
    )


@dataclass(frozen=True)
class ExpiringFor:
    customer_id: int
    customer: str
    expiring: Expiring


def expiring_soon(ctx: Ctx, *, within_days: int) -> list[ExpiringFor]:
    """Every customer's credits that expire within the window, soonest first (one query)."""
    roles.require(ctx, Action.VIEW)
    now = ctx.now()
    query = ctx.uow.select(CreditLot).where(
        col(CreditLot.remaining) > 0,
        col(CreditLot.expires_at) > now,
        col(CreditLot.expires_at) <= now + timedelta(days=within_days),
    )
    totals: dict[tuple[date, int, Unit], Decimal] = defaultdict(Decimal)
    for lot in ctx.uow.all(query):
        assert lot.expires_at is not None
        last_day = (lot.expires_at - timedelta(microseconds=1)).astimezone(ctx.tz).date()
        totals[(last_day, lot.customer_id, Unit(lot.unit))] += lot.remaining
    names = {
        c.id: c.company or c.contact
        for c in ctx.uow.all(ctx.uow.select(Customer).where(col(Customer.id).in_({k[1] for k in totals})))
    }
    return [
        ExpiringFor(customer, names.get(customer, ""), Expiring(day, unit, _shown(ctx, unit, quantity)))
        for (day, customer, unit), quantity in sorted(totals.items(), key=lambda i: (i[0][0], i[0][1]))
    ]


def history(ctx: Ctx, customer_id: int, *, contract_id: int | None = None) -> list[EntryView]:
    """Every entry of the customer's lots: those of customers merged into it too, under the
    customer they were written for."""
    roles.require(ctx, Action.VIEW)
    customers.customer_row(ctx, customer_id)
    mine = ctx.uow.select(CreditLot).where(col(CreditLot.customer_id) == customer_id)
    query = ctx.uow.select(LedgerEntry).where(
        col(LedgerEntry.lot_id).in_(mine.with_only_columns(col(CreditLot.id)))
    )
    if contract_id is not None:
        query = query.where(col(LedgerEntry.contract_id) == contract_id)
    return [_view(e) for e in ctx.uow.all(query.order_by(col(LedgerEntry.id)))]


def lots_of(ctx: Ctx, customer_id: int) -> list[CreditLot]:
    roles.require(ctx, Action.VIEW)
    return list(
        ctx.uow.all(
            ctx.uow.select(CreditLot)
            .where(col(CreditLot.customer_id) == customer_id)
            .order_by(col(CreditLot.id))
        )
    )


def granted_lots(ctx: Ctx, key: str) -> list[CreditLot]:
    """The lots the grant under `key` made (none: no such grant), as they stand now."""
    op = _operation(ctx, key)
    if op is None or op.kind != "grant":
        return []
    ids = sorted({e.lot_id for e in _entries_of(ctx, op)})
    query = ctx.uow.select(CreditLot).where(col(CreditLot.id).in_(ids)).order_by(col(CreditLot.id))
    return list(ctx.uow.all(query.execution_options(populate_existing=True)))


# --- internals -----------------------------------------------------------------------------------


def _take(
    ctx: Ctx,
    kind: str,
    customer_id: int,
    quantity: Decimal,
    *,
    key: str,
    unit: Unit,
    service_id: int | None = None,
    purpose: Purpose | None = None,
    reason: str = "",
    reference: str = "",
) -> LedgerResult:
    quantity = _quantity(ctx, unit, quantity)
    if unit is Unit.MONEY and purpose is None:
        purpose = Purpose.SERVICE
    op, replay = _begin(
        ctx,
        key,
        kind,
        {
            "customer": customer_id,
            "quantity": quantity,
            "unit": unit,
            "service": service_id,
            "purpose": purpose,
            "reason": reason,
            "reference": reference,
        },
    )
    if replay is not None:
        return replay
    plan, short, held = _plan(
        ctx, customer_id, quantity, unit, service_id, purpose, lock=True, honour_rules=kind == "redeem"
    )
    if short > 0:
        raise _not_enough(ctx, unit, quantity, short, service_id)
    touched: set[int] = set()
    for lot, amount in plan:
        _debit(ctx, op, lot, amount, kind, reason=reason, reference=reference)
        counter = "used" if kind == "redeem" else "adjusted"
        _count(ctx, customer_id, unit, **{counter: amount if kind == "redeem" else -amount})
        if lot.contract_id is not None:
            touched.add(lot.contract_id)
    # Remember the time for plans with a wait between redemptions (sold terms never change, so
    # memberships without a wait never need it).
    waiting = [c for c in touched if (held[c].terms or _NO_TERMS).wait_days > 0]
    if kind == "redeem" and waiting:
        ctx.uow.session.execute(
            update(Contract)
            .where(col(Contract.tenant_id) == ctx.uow.tenant_id, col(Contract.id).in_(waiting))
            .values(last_redeemed_at=ctx.now())
        )
    for contract_id in sorted(touched):
        rule = held[contract_id].terms
        if rule is not None and rule.ends_when_used_up:
            _end_if_used_up(ctx, contract_id)
    ctx.uow.flush()
    return op.result()


def _plan(
    ctx: Ctx,
    customer_id: int,
    quantity: Decimal,
    unit: Unit,
    service_id: int | None,
    purpose: Purpose | None,
    *,
    lock: bool,
    for_transfer: bool = False,
    honour_rules: bool = True,
) -> tuple[list[tuple[CreditLot, Decimal]], Decimal, dict[int, _Membership]]:
    """The lots to take from, what is left uncovered, and the customer's memberships, applying
    every rule of use. Redeemers lock the lots they read (in id order), nothing else."""
    if not lock:
        customers.customer_row(ctx, customer_id)
    category = _category(ctx, service_id)
    now = ctx.now()
    rows, held = _open_lots_held(ctx, customer_id, unit, lock=lock)
    pools = lots.POOLS_FOR[purpose] if unit is Unit.MONEY and purpose is not None else None
    # Enforce billing: a membership with an overdue charge lends nothing; if that leaves the
    # request short, the refusal names the charge (billing.require_paid_up).
    checked = honour_rules and not for_transfer
    unpaid = billing.unpaid_memberships(ctx, held) if checked else set()
    candidates: list[lots.Lot] = []
    caps: dict[int | None, Decimal] = {}
    for lot in rows.values():
        view = as_lot(lot)
        if not _fits(view, now, service_id, category, pools):
            continue
        if not _lends(lot.contract_id, held, unpaid, now, for_transfer=for_transfer, waits=checked):
            continue
        rule = held[lot.contract_id].terms if lot.contract_id is not None else None
        if checked and rule is not None and rule.max_per_redemption is not None:
            caps[lot.contract_id] = rule.max_per_redemption
        candidates.append(view)
    taken, short = lots.take(candidates, quantity, service_id=service_id, caps=caps)
    if short > 0:
        # An unknown customer is "not found", not "not enough credits".
        customers.customer_row(ctx, customer_id)
        for contract_id in sorted(unpaid):
            billing.require_paid_up(ctx, contract_id)
    return [(rows[view.id], amount) for view, amount in taken], short, held


def _category(ctx: Ctx, service_id: int | None) -> str | None:
    """The category of the service redeemed for (None: no service, or one without a category)."""
    if service_id is None:
        return None
    service = ctx.uow.get(Service, service_id)
    if service is None:
        raise NotFound(f"There is no service #{service_id}.", "service")
    return service.category or None


def _fits(
    view: lots.Lot, now: datetime, service_id: int | None, category: str | None, pools: frozenset[Pool] | None
) -> bool:
    """The lot can pay for this: usable now, good for the service, and of a pool that may pay."""
    usable = lots.usable(view, now) and lots.covers(view, service_id, category)
    return usable and (pools is None or view.pool in pools)


def _lends(
    contract_id: int | None,
    held: dict[int, _Membership],
    unpaid: set[int],
    now: datetime,
    *,
    for_transfer: bool,
    waits: bool,
) -> bool:
    """Whether the lot's membership lends it (core/credits/lending.py). A transfer takes only from
    active memberships whose plan allows it and, like a redemption that skips the rules of use
    (`waits` False), does not wait out the days between redemptions."""
    if contract_id is None:
        return not for_transfer  # credits outside a membership (manual grants) have no plan allowing transfer
    membership = held[contract_id]
    why = lending.refusal(
        membership.status, membership.terms, membership.last_redeemed_at, now, overdue=contract_id in unpaid
    )
    if why is Refusal.WAITING and not waits:
        why = None
    if for_transfer:
        rule = membership.terms
        return why is None and membership.status is Status.ACTIVE and rule is not None and rule.transferable
    return why is None


@dataclass(frozen=True)
class _Membership:
    status: Status
    terms: CreditTerms | None
    last_redeemed_at: datetime | None


def _open_lots_held(
    ctx: Ctx, customer_id: int, unit: Unit, *, lock: bool
) -> tuple[dict[int, CreditLot], dict[int, _Membership]]:
    """The customer's open lots of a unit with the state and terms of their memberships, in one
    query; writers lock the lots (only the lots), in id order so redeemers never deadlock."""
    query = (
        select(CreditLot, col(Contract.status), col(Contract.last_redeemed_at), col(PlanVersion.credit_terms))
        .outerjoin(Contract, col(Contract.id) == col(CreditLot.contract_id))
        .outerjoin(PlanVersion, col(PlanVersion.id) == col(Contract.plan_version_id))
        .where(
            col(CreditLot.tenant_id) == ctx.uow.tenant_id,
            col(CreditLot.customer_id) == customer_id,
            col(CreditLot.unit) == unit.value,
            col(CreditLot.remaining) > 0,
        )
        .order_by(col(CreditLot.id))
        .execution_options(populate_existing=True)  # remaining changes by SQL, not through the ORM
    )
    if lock:
        query = query.with_for_update(of=CreditLot)
    rows: dict[int, CreditLot] = {}
    held: dict[int, _Membership] = {}
    for lot, status, last, terms in ctx.uow.session.exec(query):
        rows[lot.id or 0] = lot
        if lot.contract_id is not None:
            held[lot.contract_id] = _Membership(
                Status(status), None if terms is None else credit_terms.from_dict(terms), last
            )
    return rows, held


class _ScopeNames:
    """Says what a lot is good for, in words: "any service", "Massage 60, category skin"."""

    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx
        self._names: dict[int, str] = {}

    def label(self, lot: CreditLot) -> str:
        if lot.pool == Pool.CARD.value:
            return f"services and products, on prepaid card {lots.card_number(lot.id or 0)}"
        if lot.unit != Unit.CREDIT.value:
            return {
                Pool.ANY.value: "any use",
                Pool.SERVICES.value: "services",
                Pool.PRODUCTS.value: "products",
                Pool.COMMON.value: "services, products or prepaid cards",
            }[lot.pool]
        scope = lot.scope or {}
        parts = [self._service(int(i)) for i in scope.get("services", [])]
        parts += [f"category {c}" for c in scope.get("categories", [])]
        return ", ".join(parts) if parts else "any service"

    def _service(self, service_id: int) -> str:
        if service_id not in self._names:
            row = self._ctx.uow.get(Service, service_id)
            self._names[service_id] = row.name if row else f"service #{service_id}"
        return self._names[service_id]


def _open_lots(ctx: Ctx, customer_id: int, *, unit: Unit | None, lock: bool) -> list[CreditLot]:
    query = ctx.uow.select(CreditLot).where(
        col(CreditLot.customer_id) == customer_id, col(CreditLot.remaining) > 0
    )
    if unit is not None:
        query = query.where(col(CreditLot.unit) == unit.value)
    query = query.order_by(col(CreditLot.id))  # a fixed lock order: no deadlocks between redeemers
    return list(ctx.uow.all(query.with_for_update() if lock else query))


# The balance's two reads, built once (every /credits reply runs them).
_TOTALS = (
    prepared(CreditTotals)
    .where(col(CreditTotals.customer_id) == bindparam("customer"))
    .execution_options(populate_existing=True)  # totals change by SQL, not through the ORM
)
_OPEN_LOTS_WITH_STATUS = (
    select(CreditLot, col(Contract.status))
    .outerjoin(
        Contract,
        (col(Contract.id) == col(CreditLot.contract_id))
        & (col(Contract.customer_id) == bindparam("customer")),
    )
    .where(
        col(CreditLot.tenant_id) == bindparam(TENANT),
        col(CreditLot.customer_id) == bindparam("customer"),
        col(CreditLot.remaining) > 0,
    )
    .order_by(col(CreditLot.id))
)


def _open_lots_with_status(ctx: Ctx, customer_id: int) -> list[tuple[CreditLot, str | None]]:
    """The customer's open lots, each with the status of its membership (None: the lot's contract
    is not one of this customer's), in one query."""
    rows = ctx.uow.session.exec(
        _OPEN_LOTS_WITH_STATUS, params={TENANT: ctx.uow.tenant_id, "customer": customer_id}
    )
    return [(lot, status) for lot, status in rows]


def _contract_terms(ctx: Ctx, contract: Contract) -> CreditTerms | None:
    version = ctx.uow.get(PlanVersion, contract.plan_version_id or 0)
    return (
        None
        if version is None or version.credit_terms is None
        else credit_terms.from_dict(version.credit_terms)
    )


def _end_if_used_up(ctx: Ctx, contract_id: int) -> None:
    """A plan may end its memberships when their credits are used up."""
    contract = ctx.uow.get(Contract, contract_id, for_update=True)
    assert contract is not None
    if Status(contract.status) not in REDEEMABLE:
        return
    left = ctx.uow.first(
        ctx.uow.select(CreditLot).where(
            col(CreditLot.contract_id) == contract.id, col(CreditLot.remaining) > 0
        )
    )
    if left is None:
        contract_log.move(ctx, contract, "credits used up", Status.EXPIRED, "All of its credits were used.")


def _recipient_contract(ctx: Ctx, customer_id: int, unit: Unit) -> Contract | None:
    """The recipient's active membership with credits of this unit, whose expiry rule applies."""
    query = ctx.uow.select(Contract).where(
        col(Contract.customer_id) == customer_id, col(Contract.status) == Status.ACTIVE.value
    )
    for contract in ctx.uow.all(query.order_by(col(Contract.id))):
        rule = _contract_terms(ctx, contract)
        if rule is not None and rule.unit == unit.value:
            return contract
    return None


def _expiry_for(ctx: Ctx, contract: Contract, usable_from: datetime) -> datetime | None:
    rule = _contract_terms(ctx, contract)
    assert rule is not None, "the recipient's contract was chosen for its credit terms"
    return expiry_of(ctx, rule, contract, usable_from)


def expiry_of(ctx: Ctx, rule: CreditTerms, contract: Contract, usable_from: datetime) -> datetime | None:
    """When a lot granted under `rule` to `contract`, usable from `usable_from`, expires."""
    if rule.expiry == credit_terms.Expiry.DAYS:
        return usable_from + timedelta(days=rule.expiry_days)
    if rule.expiry == credit_terms.Expiry.MEMBERSHIP_END and contract.end_date is not None:
        return _local_midnight(ctx, contract.end_date + timedelta(days=1))
    return None


def _local_midnight(ctx: Ctx, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ctx.tz)


@dataclass
class _Op:
    """An operation being written: its id and the entries written for it so far."""

    id: int
    key: str
    entries: list[EntryView] = field(default_factory=list)

    def result(self) -> LedgerResult:
        return LedgerResult(self.key, self.id, tuple(self.entries), replayed=False)


def _begin(ctx: Ctx, key: str, kind: str, request: dict[str, Any]) -> tuple[_Op, LedgerResult | None]:
    """The operation for this key: a new one, or the earlier one and its result to replay."""
    if not key or len(key) > 200:
        raise InvalidInput.single("key", "An idempotency key of 1 to 200 characters is required.")
    digest = _digest(kind, request)
    values = {
        "tenant_id": ctx.uow.tenant_id,
        "key": key,
        "kind": kind,
        "request_hash": digest,
        "actor": ctx.actor,
        "at": ctx.now(),
    }
    # One statement: a concurrent request with the same key makes it wait, then find that key taken.
    new_id = upserts.insert_if_absent(ctx.uow, "ledger_operation", values, ["tenant_id", "key"])
    if new_id is not None:
        return _Op(new_id, key), None
    existing = _operation(ctx, key)
    assert existing is not None
    if existing.request_hash != digest:
        raise Conflict(f"The key {key!r} was already used for a different request.", "key")
    return _Op(existing.id or 0, key), _result(ctx, existing, replayed=True)


def _digest(kind: str, request: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps({"kind": kind, **request}, sort_keys=True, default=str).encode()
    ).hexdigest()


def _operation(ctx: Ctx, key: str) -> LedgerOperation | None:
    return ctx.uow.first(ctx.uow.select(LedgerOperation).where(col(LedgerOperation.key) == key))


def _undone(ctx: Ctx, key: str, kind: str, only: str) -> LedgerOperation:
    """The operation a reversal or take-back undoes, which must exist and be of `kind`."""
    original = _operation(ctx, key)
    if original is None:
        raise NotFound(f"There is no ledger operation with the key {key!r}.", "key")
    if original.kind != kind:
        raise Conflict(f"{only}; {key!r} is a {original.kind}.", "key")
    return original


def _undo(
    ctx: Ctx,
    of_key: str,
    reason: str,
    undoes: tuple[str, str],
    writes: tuple[str, str],
    each: Callable[[_Op, LedgerEntry, CreditLot, str, datetime], None],
) -> LedgerResult:
    """Undo the operation under `of_key` (of the kind `undoes` names, else its refusal) as an
    operation of its own (`writes`: key and kind), calling `each` for every entry with its lot,
    locked after the customers; a second undo replays the first."""
    roles.require(ctx, Action.REDEEM)
    reason = clean_reason(reason, required=True)
    original = _undone(ctx, of_key, *undoes)
    op, replay = _begin(ctx, writes[0], writes[1], {"of": of_key})
    if replay is not None:
        return replay
    entries = _entries_of(ctx, original)
    # The lots' owners now, who are the entries' customers unless a merge moved the lots since.
    owners = {lot.id: lot.customer_id for lot in _lots(ctx, {e.lot_id for e in entries})}
    _lock_customers(ctx, *owners.values())
    now = ctx.now()
    for entry in entries:
        lot = ctx.uow.get(CreditLot, entry.lot_id, for_update=True)
        assert lot is not None
        each(op, entry, lot, reason, now)
    return op.result()


def _lots(ctx: Ctx, lot_ids: set[int]) -> list[CreditLot]:
    return list(ctx.uow.all(ctx.uow.select(CreditLot).where(col(CreditLot.id).in_(lot_ids))))


def _entries_of(ctx: Ctx, op: LedgerOperation) -> list[LedgerEntry]:
    """An operation's entries, in lot order (the order rows are locked in)."""
    query = ctx.uow.select(LedgerEntry).where(col(LedgerEntry.operation_id) == op.id)
    return list(ctx.uow.all(query.order_by(col(LedgerEntry.lot_id))))


def _debit(
    ctx: Ctx, op: _Op, lot: CreditLot, amount: Decimal, kind: str, *, reason: str = "", reference: str = ""
) -> None:
    """Take from a lot and record it. The debit only happens while the lot still holds enough:
    the second line of defence behind the row locks."""
    row = _entry_row(ctx, op, lot, kind, -amount, reason, reference)
    done = upserts.debit_and_record(ctx.uow, lot.id or 0, amount, row)
    if done is None:
        raise NotEnoughCredits("Not enough credits: someone used them a moment ago. Try again.", "quantity")
    entry_id, after = done
    set_committed_value(lot, "remaining", after)
    op.entries.append(_entry_view(entry_id, {**row, "remaining_after": after}))


def _set_remaining(ctx: Ctx, lot: CreditLot, value: Decimal) -> None:
    lot.remaining = value
    ctx.uow.add(lot)
    ctx.uow.flush()


def _entry(
    ctx: Ctx, op: _Op, lot: CreditLot, kind: str, quantity: Decimal, *, reason: str = "", reference: str = ""
) -> None:
    """Record a change already made to the lot (a grant, a reversal, an arrival)."""
    ctx.uow.flush()  # the lot must exist, with its new balance, before its entry
    row = {**_entry_row(ctx, op, lot, kind, quantity, reason, reference), "remaining_after": lot.remaining}
    op.entries.append(_entry_view(upserts.insert_returning_id(ctx.uow, "ledger_entry", row), row))


def _entry_row(
    ctx: Ctx, op: _Op, lot: CreditLot, kind: str, quantity: Decimal, reason: str, reference: str
) -> dict[str, Any]:
    return {
        "tenant_id": ctx.uow.tenant_id,
        "operation_id": op.id,
        "customer_id": lot.customer_id,
        "lot_id": lot.id or 0,
        "contract_id": lot.contract_id,
        "kind": kind,
        "quantity": quantity,
        "actor": ctx.actor,
        "reason": reason,
        "reference": reference,
        "at": ctx.now(),
    }


def _entry_view(entry_id: int, row: dict[str, Any]) -> EntryView:
    return EntryView(
        entry_id,
        row["operation_id"],
        row["lot_id"],
        row["contract_id"],
        row["kind"],
        row["quantity"],
        row["remaining_after"],
        row["at"],
        row["actor"],
        row["reason"],
        row["reference"],
    )


COUNTERS = ("granted", "used", "expired", "transferred_in", "transferred_out", "adjusted")


def _count(ctx: Ctx, customer_id: int, unit: Unit, **deltas: Decimal) -> None:
    """Add to the customer's running totals in one statement (created at zero when missing)."""
    row = {"tenant_id": ctx.uow.tenant_id, "customer_id": customer_id, "unit": unit.value}
    upserts.add_to_counters(
        ctx.uow,
        "credit_totals",
        row,
        ["customer_id", "unit"],
        deltas,
        zero=[name for name in COUNTERS if name not in deltas],
    )


def _quantity(ctx: Ctx, unit: Unit, quantity: Decimal) -> Decimal:
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise InvalidInput.single("quantity", f"{quantity!r} is not a quantity.")
    if quantity <= 0:
        raise InvalidInput.single("quantity", "The quantity must be more than zero.")
    if quantity > MAX_AMOUNT:
        raise InvalidInput.single("quantity", f"{quantity} is too large (at most {MAX_AMOUNT:,}).")
    places = 0 if unit is not Unit.MONEY else minor_digits(ctx.tenant.currency)
    if quantity != quantity.quantize(Decimal(1).scaleb(-places)):
        what = (
            "whole credits"
            if unit is Unit.CREDIT
            else "whole points"
            if unit is Unit.POINTS
            else f"{ctx.tenant.currency} with at most {places} decimals"
        )
        raise InvalidInput.single("quantity", f"{quantity} is not a valid quantity: use {what}.")
    return quantity.quantize(Decimal(1).scaleb(-places))


def _lock_customers(ctx: Ctx, *customer_ids: int) -> None:
    """Serialise ledger writes per customer. Every writer locks the customers it touches first,
    in ascending id order, so two transfers in opposite directions queue instead of deadlocking."""
    for customer_id in sorted(set(customer_ids)):
        customers.customer_row(ctx, customer_id, for_update=True)


def _lock_many_customers(ctx: Ctx, customer_ids: list[int]) -> None:
    """`_lock_customers` of many in one statement per thousand, in ascending id order as every
    writer locks them; a customer missing or merged away is refused as `_lock_customers` refuses it."""
    wanted = sorted(set(customer_ids))
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        query = (
            select(col(Customer.id), col(Customer.merged_into_id))
            .where(col(Customer.tenant_id) == ctx.uow.tenant_id, col(Customer.id).in_(chunk))
            .order_by(col(Customer.id))
            .with_for_update()
        )
        found = dict(ctx.uow.session.exec(query).all())
        for customer_id in chunk:
            if customer_id not in found or found[customer_id] is not None:
                customers.customer_row(ctx, customer_id)  # raises NotFound or MergedAway


def as_lot(row: CreditLot) -> lots.Lot:
    """A stored lot as the pure redemption rules (core/credits/lots.py) see it."""
    scope = row.scope or {}
    return lots.Lot(
        id=row.id or 0,
        remaining=row.remaining,
        usable_from=row.usable_from,
        expires_at=row.expires_at,
        priority=row.priority,
        promotional=row.promotional,
        granted_at=row.granted_at,
        pool=Pool(row.pool),
        services=frozenset(int(s) for s in scope.get("services", ())),
        categories=frozenset(scope.get("categories", ())),
        costs={int(k): int(v) for k, v in scope.get("costs", {}).items()},
        contract_id=row.contract_id,
    )


def _result(ctx: Ctx, op: LedgerOperation, *, replayed: bool) -> LedgerResult:
    entries = ctx.uow.all(
        ctx.uow.select(LedgerEntry)
        .where(col(LedgerEntry.operation_id) == op.id)
        .order_by(col(LedgerEntry.id))
    )
    return LedgerResult(op.key, op.id or 0, tuple(_view(e) for e in entries), replayed)


def _view(e: LedgerEntry) -> EntryView:
    return EntryView(
        e.id or 0,
        e.operation_id,
        e.lot_id,
        e.contract_id,
        e.kind,
        e.quantity,
        e.remaining_after,
        e.at,
        e.actor,
        e.reason,
        e.reference,
    )


def _not_enough(
    ctx: Ctx, unit: Unit, quantity: Decimal, short: Decimal, service_id: int | None
) -> NotEnoughCredits:
    usable = _shown(ctx, unit, quantity - short)
    what = "services" if service_id is not None else _unit_label(unit)
    return NotEnoughCredits(
        f"Not enough credits: {usable} {what} can be used now, {quantity} asked.", "quantity"
    )


def _shown(ctx: Ctx, unit: Unit, quantity: Decimal) -> Decimal:
    """A quantity with the decimals its unit has: 2 credits, 75.00 USD (storage keeps four)."""
    places = minor_digits(ctx.tenant.currency) if unit is Unit.MONEY else 0
    return quantity.quantize(Decimal(1).scaleb(-places))


def _unit_label(unit: Unit) -> str:
    return {Unit.CREDIT: "credits", Unit.MONEY: "of monetary credit", Unit.POINTS: "points"}[unit]
