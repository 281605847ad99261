"""Billing: the charges a membership owes, their payment, and enforce billing.

A charge is due, paid, failed or void. Payments are recorded by hand (`pay`, `fail`): there is no
payment processor. A charge is overdue from the day after its due date while it is still due or
failed. With the workspace's enforce-billing setting on, a membership with an overdue charge can
neither redeem credits nor book a class until the charge is paid (`require_paid_up`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_
from sqlmodel import col
from sqlmodel.sql.expression import SelectOfScalar

from core.billing import schedule as billing_schedule
from core.billing.schedule import Pricing
from core.context import Ctx
from core.kernel import formats, paging
from core.kernel.errors import Conflict, Errors, InvalidInput, NotFound
from core.kernel.money import amount, display, in_currency, minor_digits
from core.kernel.text import clean
from core.memberships import contract_log
from core.memberships.lifecycle import Status
from core.plans import service as plans
from core.plans.terms import BillingType
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.billing import Cancellation, Charge, ForfeitedLot, LocationPrice, MembershipFreeze
from storage.tables.catalog import Location
from storage.tables.memberships import Contract
from storage.tables.plans import PlanVersion


class ChargeStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    FAILED = "failed"
    VOID = "void"


# A charge in these states is still owed.
UNPAID = frozenset({ChargeStatus.DUE, ChargeStatus.FAILED})


class PaymentOverdue(Conflict):
    """Enforce billing: the membership has an overdue charge. `charge_id` and `amount` name it."""

    def __init__(self, message: str, charge_id: int, amount: Decimal) -> None:
        super().__init__(message, "membership")
        self.charge_id = charge_id
        self.amount = amount


def reference(charge_id: int) -> str:
    return f"C-{charge_id}"


def overdue_charges(ctx: Ctx, contract_id: int, *, on: date | None = None) -> list[Charge]:
    """The membership's unpaid charges whose due date has passed, oldest first."""
    query = _overdue(ctx, [contract_id], on or ctx.today())
    return list(ctx.uow.all(query.order_by(col(Charge.due_on), col(Charge.id))))


def unpaid_memberships(ctx: Ctx, contract_ids: Iterable[int]) -> set[int]:
    """Of these memberships, those that enforce billing stops (none when the setting is off)."""
    ids = sorted(set(contract_ids))
    if not ids or not ctx.tenant.enforce_billing:
        return set()
    return {c.contract_id for c in ctx.uow.all(_overdue(ctx, ids, ctx.today()))}


def _overdue(ctx: Ctx, contract_ids: list[int], today: date) -> SelectOfScalar[Charge]:
    return ctx.uow.select(Charge).where(
        col(Charge.contract_id).in_(contract_ids),
        col(Charge.status).in_([s.value for s in UNPAID]),
        col(Charge.due_on) < today,
    )


def require_paid_up(ctx: Ctx, contract_id: int) -> None:
    """Refuse (PaymentOverdue) when enforce billing is on and the membership has an overdue
    charge; the message names the oldest one and its amount. Redemption and booking call it."""
    overdue = payment_overdue(ctx, contract_id)
    if overdue is not None:
        raise overdue


def payment_overdue(ctx: Ctx, contract_id: int) -> PaymentOverdue | None:
    """What `require_paid_up` refuses with, for a caller that tells rather than refuses."""
    if not ctx.tenant.enforce_billing:
        return None
    overdue = overdue_charges(ctx, contract_id)
    if not overdue:
        return None
    first = overdue[0]
    owed = in_currency(first.amount, ctx.tenant.currency)
    more = f" (and {len(overdue) - 1} more)" if len(overdue) > 1 else ""
    return PaymentOverdue(
        f"M-{contract_id} has an overdue charge {reference(first.id or 0)} of "
        f"{display(owed, ctx.tenant.currency)}, due {formats.day(first.due_on)}{more}: "
        "record its payment before redeeming or booking.",
        first.id or 0,
        owed,
    )


HORIZON = relativedelta(years=1)  # an open-ended membership's charges are raised a year ahead


@dataclass(frozen=True)
class ChargeView:
    id: int
    contract_id: int
    kind: str  # regular | freeze | lock-in
    period_start: date
    period_end: date
    due_on: date
    amount: Decimal
    setup_fee: Decimal
    status: ChargeStatus
    overdue: bool
    settled_at: datetime | None
    settled_by: str
    note: str

    @property
    def reference(self) -> str:
        return reference(self.id)


@dataclass(frozen=True)
class CancellationPreview:
    """What a cancellation would do, for the person to confirm before it is made."""

    contract_id: int
    effective_on: date  # the first day no longer covered
    lock_in_fee: Decimal
    lock_in_months_left: int  # 0: outside the lock-in
    voided: tuple[ChargeView, ...]  # unpaid charges of periods from the effective date on
    credits: str  # keep | forfeit
    message: str


CREDIT_RULES = ("keep", "forfeit")  # what a cancellation does to the membership's credits


@dataclass(frozen=True)
class BillingSettings:
    enforce_billing: bool
    cancelled_credits: str  # keep | forfeit


def billing_settings(ctx: Ctx) -> BillingSettings:
    roles.require(ctx, Action.VIEW)
    return BillingSettings(ctx.tenant.enforce_billing, ctx.tenant.cancelled_credits)


def update_billing_settings(
    ctx: Ctx, *, enforce_billing: bool | None = None, cancelled_credits: str | None = None
) -> BillingSettings:
    """The workspace's billing settings (admins): enforce billing, and whether a cancelled
    membership keeps its credits until they expire or forfeits them. None leaves one as it is."""
    roles.require(ctx, Action.MANAGE_SETTINGS)
    if cancelled_credits is not None and cancelled_credits not in CREDIT_RULES:
        raise InvalidInput.single(
            "cancelled_credits", f"{cancelled_credits!r} is not a rule; choose keep or forfeit."
        )
    tenant = ctx.tenant
    if enforce_billing is not None:
        tenant.enforce_billing = enforce_billing
    if cancelled_credits is not None:
        tenant.cancelled_credits = cancelled_credits
    ctx.uow.session.add(tenant)
    ctx.uow.flush()
    return billing_settings(ctx)


# --- pricing -------------------------------------------------------------------------------------


def pricing_of(ctx: Ctx, contract: Contract) -> Pricing:
    """The membership's billing terms: its plan version's, with its location's own price and setup
    fee where the location has them."""
    version = ctx.uow.get(PlanVersion, contract.plan_version_id or 0)
    assert version is not None, "a membership always has a plan version"
    price, setup_fee = version.price, version.setup_fee
    if contract.location_id is not None:
        override = ctx.uow.session.get(LocationPrice, (version.id, contract.location_id))
        if override is not None and override.tenant_id == ctx.uow.tenant_id:
            price = price if override.price is None else override.price
            setup_fee = setup_fee if override.setup_fee is None else override.setup_fee
    return Pricing(
        billing_type=BillingType(version.billing_type),
        price=price,
        setup_fee=setup_fee,
        freeze_fee=version.freeze_fee,
        prorate=version.prorate_first_period,
        lock_in_months=version.lock_in_months,
        digits=minor_digits(ctx.tenant.currency),
    )


def set_location_price(
    ctx: Ctx,
    plan_id: int,
    location_id: int,
    *,
    price: Decimal | None = None,
    setup_fee: Decimal | None = None,
) -> None:
    """A location's own price and setup fee for the plan's current version (None: the plan's own).
    Both None removes the override. Memberships already approved keep the charges they have."""
    roles.require(ctx, Action.MANAGE_PLANS)
    plan = plans.get_plan(ctx, plan_id)
    errors = Errors()
    currency = ctx.tenant.currency
    if price is not None:
        price = amount(errors, "price", price, label="The price", currency=currency)
    if setup_fee is not None:
        setup_fee = amount(errors, "setup_fee", setup_fee, label="The setup fee", currency=currency)
    if ctx.uow.get(Location, location_id) is None:
        errors.add("location", f"There is no location #{location_id}.")
    errors.raise_if_any()
    row = ctx.uow.session.get(LocationPrice, (plan.version_id, location_id))
    if row is not None and row.tenant_id != ctx.uow.tenant_id:
        raise NotFound(f"There is no plan #{plan_id}.", "plan")
    if price is None and setup_fee is None:
        if row is not None:
            ctx.uow.delete(row)
    elif row is None:
        ctx.uow.add(
            LocationPrice(
                tenant_id=ctx.uow.tenant_id,
                plan_version_id=plan.version_id,
                location_id=location_id,
                price=price,
                setup_fee=setup_fee,
            )
        )
    else:
        row.price, row.setup_fee = price, setup_fee
        ctx.uow.add(row)
    ctx.uow.flush()


def location_prices(ctx: Ctx, plan_id: int) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """The current version's overrides: location id -> (price, setup fee), None where not overridden."""
    plan = plans.get_plan(ctx, plan_id)
    rows = ctx.uow.all(
        ctx.uow.select(LocationPrice).where(col(LocationPrice.plan_version_id) == plan.version_id)
    )
    return {r.location_id: (r.price, r.setup_fee) for r in rows}


# --- charges -------------------------------------------------------------------------------------


def raise_charges(ctx: Ctx, contract: Contract, *, void_reason: str | None = None) -> int:
    """Bring the membership's charges in line with its schedule, freezes and cancellation: raise
    those missing, void the unpaid ones no longer owed, restore those a freeze or cancellation
    voided that are owed again. Keyed by (membership, kind, period start), so calling it any
    number of times raises each charge once. Paid charges are never changed. `void_reason` names
    why unpaid charges stop being owed when it is not a freeze or the cancellation ("dates": the
    term was corrected). Returns the rows written."""
    if Status(contract.status) in (Status.PENDING, Status.REJECTED):
        return 0
    today = ctx.today()
    through = contract.end_date or max(today, contract.start_date) + HORIZON
    cancellation = pending_cancellation(ctx, contract.id or 0)
    wanted = {
        due.key: due
        for due in billing_schedule.schedule(
            pricing_of(ctx, contract),
            contract.start_date,
            contract.end_date,
            through,
            freezes=_freezes(ctx, contract.id or 0),
            cancelled_from=cancellation.effective_on if cancellation else None,
            today=today,
        )
    }
    rows = {(c.kind, c.period_start): c for c in _charge_rows(ctx, contract.id or 0, lock=True)}
    written = 0
    for key, due in wanted.items():
        row = rows.get(key)
        regular = rows.get((billing_schedule.REGULAR, due.period_start))
        if (
            due.kind == billing_schedule.FREEZE
            and regular is not None
            and regular.status == ChargeStatus.PAID
        ):
            continue  # the period was paid in full before the freeze: no fee on top
        if row is None:
            ctx.uow.add(
                Charge(
                    tenant_id=ctx.uow.tenant_id,
                    contract_id=contract.id or 0,
                    kind=due.kind,
                    period_start=due.period_start,
                    period_end=due.period_end,
                    due_on=due.due_on,
                    amount=due.amount,
                    setup_fee=due.setup_fee,
                    status=ChargeStatus.DUE.value,
                    created_at=ctx.now(),
                )
            )
            written += 1
        elif row.status == ChargeStatus.VOID and row.void_reason in _RESTORABLE:
            row.status, row.void_reason = ChargeStatus.DUE.value, ""
            if row.kind == billing_schedule.LOCK_IN:
                row.amount = due.amount  # a new cancellation date: a new fee
            ctx.uow.add(row)
            written += 1
    for key, row in rows.items():
        if key not in wanted and ChargeStatus(row.status) in UNPAID:
            after_cancel = cancellation is not None and row.period_start >= cancellation.effective_on
            row.status = ChargeStatus.VOID.value
            if void_reason is not None:
                row.void_reason = void_reason
            elif after_cancel or row.kind == billing_schedule.LOCK_IN:
                row.void_reason = "cancel"
            else:
                row.void_reason = "freeze"
            ctx.uow.add(row)
            written += 1
    ctx.uow.flush()
    return written


def charges_of(ctx: Ctx, contract_id: int) -> list[ChargeView]:
    """The membership's charges by due date."""
    roles.require(ctx, Action.VIEW)
    contract_log.membership(ctx, contract_id)
    return [_charge_view(ctx, c) for c in _charge_rows(ctx, contract_id)]


def get_charge(ctx: Ctx, charge_id: int) -> ChargeView:
    roles.require(ctx, Action.VIEW)
    return _charge_view(ctx, _charge(ctx, charge_id))


def pay(ctx: Ctx, charge_id: int, *, note: str = "") -> ChargeView:
    """Record that a charge was paid (at the desk, by card, by transfer: outside memberbot). A due
    or failed charge becomes paid; paying it again changes nothing."""
    return _settle(ctx, charge_id, ChargeStatus.PAID, note)


def fail(ctx: Ctx, charge_id: int, *, note: str = "") -> ChargeView:
    """Record that collecting a due charge failed (a declined card). It is still owed."""
    return _settle(ctx, charge_id, ChargeStatus.FAILED, note)


def due_page(ctx: Ctx, after: int, limit: int) -> tuple[int, int | None]:
    """The daily billing step for the next `limit` memberships after id `after` whose charges can
    change with the calendar alone: those without an end date (their horizon moves on) and those
    frozen until further notice (a freeze fee comes with each billing date). A fixed term's charges
    were all raised at approval. Returns the rows written and the last id seen."""
    roles.require(ctx, Action.RUN_JOBS)
    open_freezes = ctx.uow.select(MembershipFreeze).where(
        col(MembershipFreeze.ended_on).is_(None), col(MembershipFreeze.until).is_(None)
    )
    query = ctx.uow.select(Contract).where(
        col(Contract.status).in_([s.value for s in BILLED]),
        col(Contract.id) > after,
        or_(
            col(Contract.end_date).is_(None),
            col(Contract.id).in_(open_freezes.with_only_columns(col(MembershipFreeze.contract_id))),
        ),
    )
    page = ctx.uow.all(query.order_by(col(Contract.id)).limit(limit).with_for_update())
    written = sum(raise_charges(ctx, contract) for contract in page)
    return written, paging.last_id(page, limit)


def mark_overdue(ctx: Ctx) -> int:
    """Note the day each unpaid charge became overdue, once: a charge already marked keeps its
    date, so a rerun marks nothing. Enforcement reads the due date itself, not this mark.

    The rows are locked by (membership, due date, id), the order `raise_charges` locks a
    membership's charges in and the daily pages take memberships in: no deadlock between them."""
    roles.require(ctx, Action.RUN_JOBS)
    today = ctx.today()
    due = (
        ctx.uow.select(Charge)
        .where(
            col(Charge.status).in_([s.value for s in UNPAID]),
            col(Charge.due_on) < today,
            col(Charge.overdue_since).is_(None),
        )
        .order_by(col(Charge.contract_id), col(Charge.due_on), col(Charge.id))
        .with_for_update()
    )
    marked = 0
    for charge in ctx.uow.all(due):
        charge.overdue_since = today
        ctx.uow.add(charge)
        marked += 1
    ctx.uow.flush()
    return marked


# --- freezes and cancellations -------------------------------------------------------------------


def open_freeze(ctx: Ctx, contract_id: int) -> MembershipFreeze | None:
    """The membership's freeze that has not ended (started or planned), if any."""
    query = ctx.uow.select(MembershipFreeze).where(
        col(MembershipFreeze.contract_id) == contract_id, col(MembershipFreeze.ended_on).is_(None)
    )
    return ctx.uow.first(query.order_by(col(MembershipFreeze.id).desc()))


def frozen_on(ctx: Ctx, contract_id: int, day: date) -> bool:
    """Whether the membership is (or is planned to be) frozen on `day`."""
    return billing_schedule.frozen_on(_freezes(ctx, contract_id), day) is not None


def frozen_days(ctx: Ctx, contract_ids: Iterable[int]) -> dict[int, list[billing_schedule.Freeze]]:
    """The freezes of many memberships (`frozen_on` of each, without a query per day), in one
    query per thousand; a membership never frozen has none."""
    wanted = sorted(set(contract_ids))
    found: dict[int, list[billing_schedule.Freeze]] = {c: [] for c in wanted}
    for start in range(0, len(wanted), 1000):
        query = ctx.uow.select(MembershipFreeze).where(
            col(MembershipFreeze.contract_id).in_(wanted[start : start + 1000])
        )
        for f in ctx.uow.all(query.order_by(col(MembershipFreeze.id))):
            found[f.contract_id].extend(_as_freezes([f]))
    return found


def pending_cancellations(ctx: Ctx, contract_ids: Iterable[int]) -> dict[int, Cancellation]:
    """`pending_cancellation` of many memberships, in one query per thousand (those with none are
    left out)."""
    wanted = sorted(set(contract_ids))
    found: dict[int, Cancellation] = {}
    for start in range(0, len(wanted), 1000):
        query = ctx.uow.select(Cancellation).where(
            col(Cancellation.contract_id).in_(wanted[start : start + 1000]),
            col(Cancellation.revoked_at).is_(None),
        )
        for row in ctx.uow.all(query.order_by(col(Cancellation.id))):
            found[row.contract_id] = row  # the latest in force wins, as in pending_cancellation
    return found


def pending_cancellation(ctx: Ctx, contract_id: int) -> Cancellation | None:
    """The membership's cancellation in force (applied or still to come), if any."""
    query = ctx.uow.select(Cancellation).where(
        col(Cancellation.contract_id) == contract_id, col(Cancellation.revoked_at).is_(None)
    )
    return ctx.uow.first(query.order_by(col(Cancellation.id).desc()))


def cancellation_preview(
    ctx: Ctx, contract_id: int, *, on: date | None = None, at_term_end: bool = False
) -> CancellationPreview:
    """What cancelling now, at the term's end, or `on` a date would do: the lock-in fee it charges
    (and the months it covers), the unpaid charges it voids, what happens to the credits. Writes
    nothing: the Slack form shows it before the manager confirms."""
    roles.require(ctx, Action.VIEW)
    contract = contract_log.membership(ctx, contract_id)
    effective = cancellation_date(ctx, contract, on=on, at_term_end=at_term_end)
    pricing = pricing_of(ctx, contract)
    fee = billing_schedule.lock_in_fee(pricing, contract.start_date, contract.end_date, effective)
    months = billing_schedule.months_left(pricing, contract.start_date, contract.end_date, effective)
    voided = tuple(
        _charge_view(ctx, c)
        for c in _charge_rows(ctx, contract_id)
        if c.period_start >= effective and ChargeStatus(c.status) in UNPAID
    )
    currency = ctx.tenant.currency
    credits = ctx.tenant.cancelled_credits
    parts = [f"M-{contract_id} would be cancelled from {formats.day(effective)}."]
    if fee > 0:
        lock_end = billing_schedule.lock_in_end(contract.start_date, pricing.lock_in_months)
        last_day = lock_end - timedelta(days=1)
        parts.append(
            f"It is inside its {pricing.lock_in_months}-month lock-in (to {formats.day(last_day)}): "
            f"cancelling charges the remaining {months} lock-in month{'s' if months != 1 else ''}, "
            f"{display(in_currency(fee, currency), currency)}."
        )
    if voided:
        total = sum((c.amount for c in voided), Decimal(0))
        parts.append(
            f"{len(voided)} unpaid charge{'s' if len(voided) != 1 else ''} from that date "
            f"({display(in_currency(total, currency), currency)}) would be voided."
        )
    parts.append(
        "Its credits are forfeited." if credits == "forfeit" else "Its credits are kept until they expire."
    )
    return CancellationPreview(
        contract_id, effective, in_currency(fee, currency), months, voided, credits, " ".join(parts)
    )


def cancellation_date(ctx: Ctx, contract: Contract, *, on: date | None, at_term_end: bool) -> date:
    """The first day a cancellation no longer covers: today, the day after the term, or `on`."""
    today = ctx.today()
    if at_term_end and on is not None:
        raise InvalidInput.single("on", "Cancel at the term's end or on a date, not both.")
    if at_term_end:
        if contract.end_date is None:
            raise InvalidInput.single("on", f"M-{contract.id} has no end date; choose the date to cancel on.")
        return max(contract.end_date + timedelta(days=1), today)
    if on is None:
        return today
    if on < today:
        raise InvalidInput.single(
            "on", f"{formats.day(on)} is in the past; a cancellation takes effect today at the earliest."
        )
    if contract.end_date is not None and on > contract.end_date + timedelta(days=1):
        raise InvalidInput.single(
            "on", f"{formats.day(on)} is after the end of the term ({formats.day(contract.end_date)})."
        )
    return on


def delete_all(ctx: Ctx, contract_id: int) -> None:
    """A membership deleted as entered in error takes its billing with it."""
    uow = ctx.uow
    cancellations = uow.all(uow.select(Cancellation).where(col(Cancellation.contract_id) == contract_id))
    ids = [c.id for c in cancellations]
    forfeited = uow.all(uow.select(ForfeitedLot).where(col(ForfeitedLot.cancellation_id).in_(ids)))
    charges = uow.all(uow.select(Charge).where(col(Charge.contract_id) == contract_id))
    freezes = uow.all(uow.select(MembershipFreeze).where(col(MembershipFreeze.contract_id) == contract_id))
    for row in [*forfeited, *charges, *freezes]:
        uow.delete(row)
    uow.flush()  # the forfeited lots before the cancellations they belong to
    for cancellation in cancellations:
        uow.delete(cancellation)
    uow.flush()


# --- internals -----------------------------------------------------------------------------------

# Memberships whose charges the daily step keeps up to date.
BILLED = frozenset({Status.SCHEDULED, Status.ACTIVE, Status.FROZEN, Status.GRACE})
_RESTORABLE = frozenset({"freeze", "cancel", "dates"})


def _freezes(ctx: Ctx, contract_id: int) -> list[billing_schedule.Freeze]:
    return _as_freezes(
        ctx.uow.all(ctx.uow.select(MembershipFreeze).where(col(MembershipFreeze.contract_id) == contract_id))
    )


def _as_freezes(rows: Iterable[MembershipFreeze]) -> list[billing_schedule.Freeze]:
    result = []
    for f in rows:
        last = f.until if f.ended_on is None else f.ended_on - timedelta(days=1)
        if last is None or last >= f.starts_on:  # a freeze withdrawn before it began froze nothing
            result.append(billing_schedule.Freeze(f.starts_on, last))
    return result


def _charge_rows(ctx: Ctx, contract_id: int, *, lock: bool = False) -> list[Charge]:
    query = ctx.uow.select(Charge).where(col(Charge.contract_id) == contract_id)
    query = query.order_by(col(Charge.due_on), col(Charge.id))
    return list(ctx.uow.all(query.with_for_update() if lock else query))


def _charge(ctx: Ctx, charge_id: int, *, for_update: bool = False) -> Charge:
    return ctx.found(
        Charge, charge_id, f"There is no charge {reference(charge_id)}.", "charge", for_update=for_update
    )


def _settle(ctx: Ctx, charge_id: int, to: ChargeStatus, note: str) -> ChargeView:
    roles.require(ctx, Action.RECORD_PAYMENTS)
    errors = Errors()
    note = clean(errors, "note", note, label="The note", max_length=500)
    errors.raise_if_any()
    charge = _charge(ctx, charge_id, for_update=True)
    status = ChargeStatus(charge.status)
    if status is to:
        return _charge_view(ctx, charge)  # recorded already: a retry changes nothing
    if status is ChargeStatus.VOID:
        raise Conflict(f"{reference(charge_id)} is void; nothing is owed on it.", "charge")
    if status is ChargeStatus.PAID:
        raise Conflict(f"{reference(charge_id)} is paid already.", "charge")
    charge.status = to.value
    charge.settled_at, charge.settled_by = ctx.now(), ctx.actor
    if note:
        charge.note = note
    ctx.uow.add(charge)
    ctx.uow.flush()
    return _charge_view(ctx, charge)


def _charge_view(ctx: Ctx, c: Charge) -> ChargeView:
    currency = ctx.tenant.currency
    status = ChargeStatus(c.status)
    return ChargeView(
        id=c.id or 0,
        contract_id=c.contract_id,
        kind=c.kind,
        period_start=c.period_start,
        period_end=c.period_end,
        due_on=c.due_on,
        amount=in_currency(c.amount, currency),
        setup_fee=in_currency(c.setup_fee, currency),
        status=status,
        overdue=status in UNPAID and c.due_on < ctx.today(),
        settled_at=c.settled_at,
        settled_by=c.settled_by,
        note=c.note,
    )
