"""Memberships: a plan version assigned to a customer as a contract, and its lifecycle.

Every transition is recorded with who, when and why (`history`). Staff assign; a manager
approves, which turns the plan's recurring services into dated visits; the calendar then moves
the membership on (scheduled -> active -> grace -> expired) through `advance_by_date`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from core.billing import service as billing
from core.checkout import benefit_terms
from core.classes import service as classes
from core.context import SYSTEM, Ctx
from core.credits import grants as credit_grants
from core.credits import ledger
from core.credits.lots import Pool, Unit
from core.customers import service as customers
from core.kernel import formats, paging
from core.kernel.errors import Conflict, Errors, PermissionDenied
from core.kernel.text import clean, clean_reason
from core.memberships import contract_log
from core.memberships.lifecycle import ALLOWED_FROM, LIVE, SERVICED, Status, by_calendar, default_end
from core.plans import service as plans
from core.visits import service as visits
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.billing import Cancellation, ForfeitedLot, MembershipFreeze
from storage.tables.catalog import Location
from storage.tables.credits import CreditLot
from storage.tables.memberships import Contract, ContractEvent
from storage.tables.plans import Plan, PlanVersion

EARLIEST = date(2000, 1, 1)
MAX_YEARS_AHEAD = 5  # a start further out than this is a typo, not a sale
MAX_TERM = relativedelta(years=10)


@dataclass(frozen=True)
class MembershipView:
    id: int
    customer_id: int
    customer: str
    plan_id: int
    plan: str
    plan_code: str
    plan_version: int
    status: Status
    start: date
    end: date | None
    summary: str
    location: str
    seller: str
    renewal_of_id: int | None
    created_by: str
    location_id: int | None = None

    @property
    def reference(self) -> str:
        return f"M-{self.id}"


@dataclass(frozen=True)
class EventView:
    action: str
    from_status: Status | None
    to_status: Status | None
    actor: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class ServiceProgress:
    job: str
    task: str
    completed: int
    upcoming: int
    overdue: int
    skipped: int


@dataclass(frozen=True)
class MembershipReport:
    membership: MembershipView
    terms: plans.PlanTerms
    services: tuple[plans.ServiceView, ...]
    progress: tuple[ServiceProgress, ...]


# --- selling -------------------------------------------------------------------------------------


def assign(
    ctx: Ctx,
    customer_id: int,
    plan_id: int,
    start: date,
    end: date | None = None,
    *,
    summary: str = "",
    location_id: int | None = None,
    seller: str | None = None,
    renewal_of: Contract | None = None,
) -> MembershipView:
    """Sell a plan to a customer. The membership waits for a manager's approval."""
    roles.require(ctx, Action.ASSIGN)
    customer = customers.customer_row(ctx, customer_id)
    plan = plans.get_plan(ctx, plan_id)
    if not plan.sellable:
        state = "archived" if plan.archived else "disabled"
        raise Conflict(
            f"{plan.name} is {state} and cannot be sold; enable it or choose another plan.", "plan"
        )
    errors = Errors()
    summary = clean(errors, "summary", summary, label="The summary", max_length=3000)
    if end is None:
        end = default_end(start, plan.terms.term_months)
    _check_dates(ctx, errors, start, end, fixed_term=plan.terms.term_months is not None)
    allowed = plan.terms.location_ids
    if location_id is None and customer.location_id is not None:
        # Sold where the customer is, when the plan is sold there: revenue is booked by location.
        location_id = customer.location_id if allowed is None or customer.location_id in allowed else None
    if location_id is not None and ctx.uow.get(Location, location_id) is None:
        errors.add("location", f"There is no location #{location_id}.")
    elif allowed is not None and location_id not in allowed:
        errors.add("location", f"{plan.name} is sold only at some locations; choose one of them.")
    errors.raise_if_any()
    contract = ctx.uow.add(
        Contract(
            tenant_id=ctx.uow.tenant_id,
            customer_id=customer_id,
            plan_version_id=plan.version_id,
            status=Status.PENDING.value,
            start_date=start,
            end_date=end,
            summary=summary,
            location_id=location_id,
            seller_id=seller or ctx.actor,
            renewal_of_id=renewal_of.id if renewal_of else None,
            created_by=ctx.actor,
            created_at=ctx.now(),
        )
    )
    ctx.uow.flush()
    contract_log.record(ctx, contract, "renew" if renewal_of else "assign", None, Status.PENDING)
    return _view(ctx, contract)


def may_decide(ctx: Ctx, contract_id: int) -> MembershipView:
    """The membership, when the actor may approve or reject its sale: a manager or an admin who
    neither sold nor entered it. Asked before a form for the rejection's reason opens."""
    roles.require(ctx, Action.APPROVE)
    contract = _contract(ctx, contract_id)
    _require_decider(ctx, contract)
    return _view(ctx, contract)


def approve(ctx: Ctx, contract_id: int) -> MembershipView:
    """A manager's yes: the membership goes live and its recurring services become visits."""
    roles.require(ctx, Action.APPROVE)
    contract = _transition_source(ctx, contract_id, "approve")
    _require_decider(ctx, contract)
    contract_log.move(ctx, contract, "approve", _calendar_status(ctx, contract))
    if Status(contract.status) in SERVICED:
        visits.materialize(ctx, contract, visits.horizon(ctx))
    credit_grants.grant_initial(ctx, contract)
    credit_grants.grant_due_for(ctx, contract)
    billing.raise_charges(ctx, contract)
    return _view(ctx, contract)


def reject(ctx: Ctx, contract_id: int, reason: str) -> MembershipView:
    roles.require(ctx, Action.APPROVE)
    reason = clean_reason(reason, required=True)
    contract = _transition_source(ctx, contract_id, "reject")
    _require_decider(ctx, contract)
    contract_log.move(ctx, contract, "reject", Status.REJECTED, reason)
    return _view(ctx, contract)


def freeze_waits(ctx: Ctx) -> bool:
    """Whether the workspace's approval policy holds freezes (core/approvals/policy.py asks here)."""
    return bool(ctx.tenant.approve_freezes)


def cancel_waits(ctx: Ctx, contract_id: int, *, on: date | None = None, at_term_end: bool = False) -> bool:
    """Within the lock-in of the plan it was sold on, a cancellation waits, when the policy says so.
    Inside the lock-in means the cancellation would charge a lock-in fee: the fee, not the calendar,
    decides (a cancellation on the lock-in's last billing period charges nothing and waits for
    nobody). core/approvals/policy.py asks here."""
    if not ctx.tenant.approve_lock_in_cancels:
        return False
    contract = ctx.uow.get(Contract, contract_id)
    if contract is None or contract.kind != "membership":
        return False
    if plans.version_terms(ctx, contract.plan_version_id or 0).lock_in_months == 0:
        return False
    return billing.cancellation_preview(ctx, contract_id, on=on, at_term_end=at_term_end).lock_in_fee > 0


def freeze(
    ctx: Ctx,
    contract_id: int,
    reason: str = "",
    *,
    starts: date | None = None,
    until: date | None = None,
    approved: bool = False,
) -> MembershipView:
    """Freeze an active membership from `starts` (today by default) to `until` (the last frozen
    day; None: until unfrozen). While frozen its credits cannot be used and do not expire, and
    each billing date bills the plan's freeze fee instead of the regular charge (core/billing/service.py).
    A freeze from a later date is planned: the daily jobs begin it, and end it after `until`.
    Where the workspace's policy holds freezes, only an approved one is made here (`approved`: the
    approval policy, core/approvals): asked directly, it is refused, whoever calls."""
    roles.require(ctx, Action.CHANGE_STATE)
    if freeze_waits(ctx) and not approved:
        raise PermissionDenied("Freezes wait for a manager's approval in this workspace: ask for the freeze.")
    reason = clean_reason(reason)
    contract = _transition_source(ctx, contract_id, "freeze")
    today = ctx.today()
    starts = starts or today
    errors = Errors()
    if starts < today:
        errors.add("starts", f"{formats.day(starts)} is in the past; a freeze starts today at the earliest.")
    elif contract.end_date is not None and starts > contract.end_date:
        errors.add(
            "starts",
            f"{formats.day(starts)} is after the end of the term ({formats.day(contract.end_date)}).",
        )
    if until is not None and until < starts:
        errors.add(
            "until", f"The last frozen day {formats.day(until)} is before the first ({formats.day(starts)})."
        )
    errors.raise_if_any()
    planned = billing.open_freeze(ctx, contract_id)
    if planned is not None:
        raise Conflict(
            f"M-{contract_id} already has a freeze planned from {formats.day(planned.starts_on)}; "
            "unfreeze it to withdraw that one first."
        )
    ctx.uow.add(
        MembershipFreeze(
            tenant_id=ctx.uow.tenant_id,
            contract_id=contract_id,
            starts_on=starts,
            until=until,
            reason=reason,
            created_by=ctx.actor,
            created_at=ctx.now(),
        )
    )
    ctx.uow.flush()
    if starts == today:
        _begin_freeze(ctx, contract, reason)
    else:
        to = f"until {formats.day(until)}" if until else "until unfrozen"
        contract_log.record(
            ctx, contract, "plan freeze", None, None, f"from {formats.day(starts)} {to}. {reason}"
        )
    billing.raise_charges(ctx, contract)
    return _view(ctx, contract)


def unfreeze(ctx: Ctx, contract_id: int, reason: str = "") -> MembershipView:
    """End a freeze today (or withdraw one planned for later). The expiry of the membership's open
    credit lots moves on by the days it was frozen; the regular charges from today come back."""
    roles.require(ctx, Action.CHANGE_STATE)
    reason = clean_reason(reason)
    contract = _contract(ctx, contract_id, for_update=True)
    planned = billing.open_freeze(ctx, contract_id)
    if Status(contract.status) is not Status.FROZEN and planned is not None:
        planned.ended_on = planned.starts_on  # withdrawn before it began: it froze nothing
        ctx.uow.add(planned)
        contract_log.record(ctx, contract, "withdraw freeze", None, None, reason)
        billing.raise_charges(ctx, contract)
        credit_grants.grant_due_for(ctx, contract)  # tomorrow's period, skipped while it was planned
        return _view(ctx, contract)
    _require_state(contract, "unfreeze")
    _end_freeze(ctx, contract, reason)
    return _view(ctx, contract)


def cancel(
    ctx: Ctx,
    contract_id: int,
    reason: str,
    *,
    on: date | None = None,
    at_term_end: bool = False,
    expected_fee: Decimal | None = None,
    approved: bool = False,
) -> MembershipView:
    """Stop a live membership now, at the end of its term, or on a date. The record stays: charges
    of the periods from that date are voided, future visits cancelled, and inside the lock-in the
    remaining lock-in months are charged (`billing.cancellation_preview` says how much before the
    manager confirms; `expected_fee`, the fee that was shown, refuses a cancellation whose fee has
    changed since). The workspace's rule keeps or forfeits the credits. A reactivation brings
    everything back. Inside a lock-in the workspace's policy holds, only an approved cancellation
    is made here (`approved`: core/approvals); asked directly, it is refused, whoever calls."""
    roles.require(ctx, Action.CHANGE_STATE)
    if not approved and cancel_waits(ctx, contract_id, on=on, at_term_end=at_term_end):
        raise PermissionDenied(
            "A cancellation inside the lock-in waits for a manager's approval in this workspace: "
            "ask for the cancellation."
        )
    reason = clean_reason(reason, required=True)
    contract = _transition_source(ctx, contract_id, "cancel")
    earlier = billing.pending_cancellation(ctx, contract_id)
    if earlier is not None:
        raise Conflict(
            f"M-{contract_id} is already to be cancelled from {formats.day(earlier.effective_on)}; "
            "reactivate it to withdraw that cancellation first."
        )
    preview = billing.cancellation_preview(ctx, contract_id, on=on, at_term_end=at_term_end)
    if expected_fee is not None and expected_fee != preview.lock_in_fee:
        raise Conflict(
            f"The lock-in fee is now {preview.lock_in_fee}, not the {expected_fee} shown; review the "
            "cancellation again.",
            "expected_fee",
        )
    row = ctx.uow.add(
        Cancellation(
            tenant_id=ctx.uow.tenant_id,
            contract_id=contract_id,
            effective_on=preview.effective_on,
            lock_in_fee=preview.lock_in_fee,
            credits=ctx.tenant.cancelled_credits,
            reason=reason,
            created_by=ctx.actor,
            created_at=ctx.now(),
        )
    )
    ctx.uow.flush()
    visits.cancel_future(ctx, contract, preview.effective_on)
    if preview.effective_on <= ctx.today():
        _apply_cancellation(ctx, contract, row)
    else:
        contract_log.record(
            ctx, contract, "plan cancel", None, None, f"from {formats.day(preview.effective_on)}: {reason}"
        )
    billing.raise_charges(ctx, contract)
    return _view(ctx, contract)


def reactivate(ctx: Ctx, contract_id: int, reason: str = "") -> MembershipView:
    """Undo a cancellation: its voided charges are owed again, its lock-in fee is voided, its
    visits come back, forfeited credits are restored. A cancellation still to come is withdrawn."""
    roles.require(ctx, Action.CHANGE_STATE)
    reason = clean_reason(reason)
    contract = _contract(ctx, contract_id, for_update=True)
    cancellation = billing.pending_cancellation(ctx, contract_id)
    if cancellation is not None and not cancellation.applied and Status(contract.status) in LIVE:
        cancellation.revoked_at = ctx.now()
        ctx.uow.add(cancellation)
        contract_log.record(ctx, contract, "withdraw cancel", None, None, reason)
        if Status(contract.status) in SERVICED:
            visits.restore_future(ctx, contract)
        billing.raise_charges(ctx, contract)
        credit_grants.grant_due_for(ctx, contract)  # a period from the withdrawn date was skipped
        return _view(ctx, contract)
    _require_state(contract, "reactivate")
    contract.frozen_since = None
    contract_log.move(ctx, contract, "reactivate", _calendar_status(ctx, contract), reason)
    if cancellation is not None:
        cancellation.revoked_at = ctx.now()
        ctx.uow.add(cancellation)
        ctx.uow.flush()
        _restore_credits(ctx, cancellation)
    if Status(contract.status) in SERVICED:
        visits.restore_future(ctx, contract)
    billing.raise_charges(ctx, contract)
    credit_grants.grant_due_for(ctx, contract)
    return _view(ctx, contract)


def renew(
    ctx: Ctx,
    contract_id: int,
    *,
    start: date | None = None,
    end: date | None = None,
    plan_id: int | None = None,
) -> MembershipView:
    """A new contract linked to this one, on the plan's current terms. A renewal of a live
    membership continues from its end date; otherwise it starts today."""
    roles.require(ctx, Action.ASSIGN)
    old = _transition_source(ctx, contract_id, "renew")
    if old.end_date is None:
        raise Conflict("This membership never expires, so there is nothing to renew.")
    if start is None:
        start = old.end_date + timedelta(days=1)
        if Status(old.status) not in LIVE:
            start = max(start, ctx.today())
    if plan_id is None:
        plan_id = plans.plan_of_version(ctx, old.plan_version_id or 0).id
    return assign(
        ctx,
        old.customer_id,
        plan_id,
        start,
        end,
        summary=old.summary,
        location_id=old.location_id,
        renewal_of=old,
    )


def apply_planned(ctx: Ctx) -> int:
    """The daily jobs' part: begin the freezes planned to start by today, end those whose last
    frozen day has passed, and cancel the memberships whose cancellation date has come. Each moves
    a membership's status forward once, so a rerun does nothing twice. Returns the moves."""
    roles.require(ctx, Action.RUN_JOBS)
    today, moved = ctx.today(), 0
    freezes = (
        ctx.uow.select(MembershipFreeze)
        .where(col(MembershipFreeze.ended_on).is_(None), col(MembershipFreeze.starts_on) <= today)
        .order_by(col(MembershipFreeze.contract_id))
    )
    cancellations = (
        ctx.uow.select(Cancellation)
        .where(
            col(Cancellation.applied).is_(False),
            col(Cancellation.revoked_at).is_(None),
            col(Cancellation.effective_on) <= today,
        )
        .order_by(col(Cancellation.contract_id))
    )
    # Every membership concerned is locked first, in id order as the daily pages lock them; then
    # the plans are read again, as another scheduler may have carried them out meanwhile.
    ids = sorted(
        {r.contract_id for r in ctx.uow.all(freezes)} | {c.contract_id for c in ctx.uow.all(cancellations)}
    )
    fresh = {"populate_existing": True}
    contracts = ctx.uow.select(Contract).where(col(Contract.id).in_(ids)).order_by(col(Contract.id))
    locked = {c.id: c for c in ctx.uow.all(contracts.with_for_update().execution_options(**fresh))}
    starting = ctx.uow.all(freezes.execution_options(**fresh))
    due = ctx.uow.all(cancellations.execution_options(**fresh))
    for row in starting:
        contract = locked.get(row.contract_id)
        if contract is None:  # planned since the first read: the next run takes it
            continue
        status = Status(contract.status)
        if status is Status.FROZEN:
            if row.until is not None and row.until < today:
                _end_freeze(ctx, contract, "The planned freeze ended.", actor=SYSTEM)
                moved += 1
        elif status is Status.ACTIVE and (row.until is None or row.until >= today):
            _begin_freeze(ctx, contract, row.reason, actor=SYSTEM)
            billing.raise_charges(ctx, contract)
            moved += 1
        else:  # no longer active on its first day (expired, cancelled): it freezes nothing
            row.ended_on = row.starts_on
            ctx.uow.add(row)
    for cancellation in due:
        contract = locked.get(cancellation.contract_id)
        if contract is not None and Status(contract.status) in LIVE:
            _apply_cancellation(ctx, contract, cancellation, actor=SYSTEM)
            billing.raise_charges(ctx, contract)
            moved += 1
    ctx.uow.flush()
    return moved


def change_dates(ctx: Ctx, contract_id: int, start: date, end: date | None) -> MembershipView:
    """Correct the term. Only future visits that were not carried out are rewritten."""
    contract = _contract(ctx, contract_id, for_update=True)
    roles.require(ctx, Action.ASSIGN if contract.status == Status.PENDING else Action.CHANGE_STATE)
    _require_state(contract, "change dates")
    errors = Errors()
    _check_term(ctx, errors, contract, start, end)
    errors.raise_if_any()
    before = f"{contract.start_date} to {contract.end_date or 'no end'}"
    _move_dates(ctx, contract, start, end, f"was {before}", action="change dates")
    return _view(ctx, contract)


def edit(
    ctx: Ctx,
    contract_id: int,
    start: date,
    end: date | None,
    *,
    summary: str,
    location_id: int | None,
    seller: str,
    reason: str,
    approved: bool = False,
) -> MembershipView:
    """Correct a contract's term, summary, location and seller, saying why: one entry in the
    contract log names what changed. New dates move what follows them (`change_dates`: visits not
    carried out, charges, and the credit periods, whose credits now due are granted at once).
    Staff may correct a pending sale; the dates of a sold one are a manager's change, unless a
    manager approved this one (`approved`: the approval policy, core/approvals)."""
    contract = _contract(ctx, contract_id, for_update=True)
    pending = contract.status == Status.PENDING
    moves = (start, end) != (contract.start_date, contract.end_date)
    roles.require(ctx, Action.CHANGE_STATE if moves and not pending and not approved else Action.ASSIGN)
    _require_state(contract, "change dates")
    errors = Errors()
    reason = clean(errors, "reason", reason, label="The reason", max_length=1000, required=True)
    summary = clean(errors, "summary", summary, label="The summary", max_length=3000)
    _check_term(ctx, errors, contract, start, end)
    terms = plans.version_terms(ctx, contract.plan_version_id or 0)
    if location_id == contract.location_id:
        pass  # unchanged: the plan's locations may have changed since it was sold
    elif location_id is not None and ctx.uow.get(Location, location_id) is None:
        errors.add("location", f"There is no location #{location_id}.")
    elif terms.location_ids is not None and location_id not in terms.location_ids:
        errors.add("location", "This plan is sold only at some locations; choose one of them.")
    seller = seller.strip()
    if seller != contract.seller_id and seller not in roles.allowed(ctx, Action.ASSIGN):
        errors.add("seller", "The seller must be someone who may sell memberships here (staff or above).")
    errors.raise_if_any()
    changed = _changes(ctx, contract, start, end, summary, location_id, seller)
    if not changed:
        raise Conflict(f"M-{contract_id} already has these details; nothing to change.")
    contract.summary, contract.location_id, contract.seller_id = summary, location_id, seller
    note = f"{'; '.join(changed)}. {reason}"
    if moves:
        _move_dates(ctx, contract, start, end, note, action="edit")
        if contract.status != Status.PENDING:
            credit_grants.grant_due_for(ctx, contract)
    else:
        ctx.uow.add(contract)
        contract_log.record(ctx, contract, "edit", None, None, note)
    return _view(ctx, contract)


def _changes(
    ctx: Ctx,
    contract: Contract,
    start: date,
    end: date | None,
    summary: str,
    location_id: int | None,
    seller: str,
) -> list[str]:
    """What an edit changes, in words, for the contract log."""

    def place(location: int | None) -> str:
        row = ctx.uow.get(Location, location) if location else None
        return row.name if row else "no location"

    changed = []
    if start != contract.start_date:
        changed.append(f"start {contract.start_date} -> {start}")
    if end != contract.end_date:
        changed.append(f"end {contract.end_date or 'none'} -> {end or 'none'}")
    if summary != contract.summary:
        changed.append("summary")
    if location_id != contract.location_id:
        changed.append(f"location {place(contract.location_id)} -> {place(location_id)}")
    if seller != contract.seller_id:
        changed.append(f"seller {contract.seller_id} -> {seller}")
    return changed


def _check_term(ctx: Ctx, errors: Errors, contract: Contract, start: date, end: date | None) -> None:
    terms = plans.version_terms(ctx, contract.plan_version_id or 0)
    _check_dates(ctx, errors, start, end, fixed_term=terms.term_months is not None)


def _move_dates(
    ctx: Ctx, contract: Contract, start: date, end: date | None, note: str, *, action: str
) -> None:
    contract.start_date, contract.end_date = start, end
    contract.next_grant_on = None  # the periods move with the dates: the grant job works it out again
    if Status(contract.status) in {Status.SCHEDULED, Status.ACTIVE, Status.GRACE}:
        contract.status = _calendar_status(ctx, contract).value
    contract_log.record(ctx, contract, action, None, None, note)
    if contract.status != Status.PENDING:
        visits.regenerate_future(ctx, contract)
        billing.raise_charges(ctx, contract, void_reason="dates")  # the periods follow the new term


def delete(ctx: Ctx, contract_id: int, *, confirm: bool) -> None:
    """Remove a membership entered in error, with its visits. Cannot be undone, hence `confirm`;
    the audit trail keeps a record of the deletion."""
    roles.require(ctx, Action.DELETE)
    contract = _contract(ctx, contract_id, for_update=True)
    if not confirm:
        raise Conflict(f"Deleting M-{contract_id} cannot be undone; confirm to delete it.", "confirm")
    if ctx.uow.first(ctx.uow.select(Contract).where(col(Contract.renewal_of_id) == contract_id)) is not None:
        raise Conflict(f"M-{contract_id} has a renewal; delete the renewal first.")
    contract_log.record(ctx, contract, "delete", Status(contract.status), None)
    visits.delete_all(ctx, contract)
    billing.delete_all(ctx, contract_id)
    benefit_terms.forget_member_values(ctx, contract_id)
    ctx.uow.delete(contract)
    ctx.uow.flush()


def advance_by_date(ctx: Ctx) -> list[tuple[int, Status, Status]]:
    """Move memberships on by the calendar (scheduled -> active -> grace -> expired). Running it
    twice on the same day changes nothing the second time."""
    return [m for page in paging.pages(lambda after: advance_page(ctx, after, 1000)) for m in page]


def advance_page(ctx: Ctx, after: int, limit: int) -> tuple[list[tuple[int, Status, Status]], int | None]:
    """`advance_by_date` for the next `limit` memberships after id `after`; the last id seen (None:
    no more)."""
    roles.require(ctx, Action.RUN_JOBS)
    moved = []
    query = ctx.uow.select(Contract).where(_calendar_moves(ctx), col(Contract.id) > after)
    page = ctx.uow.all(query.order_by(col(Contract.id)).limit(limit).with_for_update())
    for contract in page:
        before, now = Status(contract.status), _calendar_status(ctx, contract)
        if now is not before:
            contract_log.move(ctx, contract, "calendar", now, actor=SYSTEM)
            moved.append((contract.id or 0, before, now))
    return moved, paging.last_id(page, limit)


# --- reading -------------------------------------------------------------------------------------


def get(ctx: Ctx, contract_id: int) -> MembershipView:
    return _view(ctx, _contract(ctx, contract_id))


def terms_of(ctx: Ctx, contract_id: int) -> plans.PlanTerms:
    """The terms of the plan version the membership was sold on."""
    return plans.version_terms(ctx, _contract(ctx, contract_id).plan_version_id or 0)


def memberships_of(ctx: Ctx, customer_id: int) -> list[MembershipView]:
    """The customer's contract list, newest first."""
    customers.customer_row(ctx, customer_id)
    query = ctx.uow.select(Contract).where(col(Contract.customer_id) == customer_id)
    return [
        _view(ctx, c) for c in ctx.uow.all(query.order_by(col(Contract.start_date).desc(), col(Contract.id)))
    ]


def pending_approval(ctx: Ctx) -> list[MembershipView]:
    query = ctx.uow.select(Contract).where(col(Contract.status) == Status.PENDING.value)
    return [_view(ctx, c) for c in ctx.uow.all(query.order_by(col(Contract.id)))]


def history(ctx: Ctx, contract_id: int) -> list[EventView]:
    query = ctx.uow.select(ContractEvent).where(col(ContractEvent.contract_id) == contract_id)
    return [_event_view(e) for e in ctx.uow.all(query.order_by(col(ContractEvent.id)))]


def _event_view(e: ContractEvent) -> EventView:
    return EventView(
        e.action,
        Status(e.from_status) if e.from_status else None,
        Status(e.to_status) if e.to_status else None,
        e.actor,
        e.at,
        e.reason,
    )


def recent_activity(ctx: Ctx, *, limit: int = 10) -> list[tuple[int, EventView]]:
    """The workspace's latest membership events, newest first, with the membership they concern."""
    roles.require(ctx, Action.VIEW)
    query = ctx.uow.select(ContractEvent).order_by(col(ContractEvent.id).desc()).limit(limit)
    return [(e.contract_id, _event_view(e)) for e in ctx.uow.all(query)]


def report(ctx: Ctx, contract_id: int) -> MembershipReport:
    """The plan and term, and for each job and task the visits completed, upcoming, overdue, skipped."""
    membership = get(ctx, contract_id)
    contract = _contract(ctx, contract_id)
    terms = plans.version_terms(ctx, contract.plan_version_id or 0)
    counts: dict[tuple[str, str], Counter[str]] = {}
    for v in visits.visits_of(ctx, contract_id):
        tally = counts.setdefault((v.job, v.task), Counter())
        tally["overdue" if v.overdue else v.status.value] += 1
    service_views = plans.service_views(ctx, terms)
    for view in service_views:
        counts.setdefault((view.job, view.task), Counter())
    progress = tuple(
        ServiceProgress(job, task, c["completed"], c["upcoming"], c["overdue"], c["skipped"])
        for (job, task), c in sorted(counts.items())
    )
    return MembershipReport(membership, terms, service_views, progress)


# --- internals -----------------------------------------------------------------------------------


def _check_dates(ctx: Ctx, errors: Errors, start: date, end: date | None, *, fixed_term: bool) -> None:
    latest_start = ctx.today() + relativedelta(years=MAX_YEARS_AHEAD)
    if start < EARLIEST:
        errors.add("start", f"The start date {formats.day(start)} is too far in the past.")
    elif start > latest_start:
        errors.add("start", f"The start date {formats.day(start)} is more than {MAX_YEARS_AHEAD} years away.")
    if end is None:
        if fixed_term:
            errors.add("end", "An end date is required for this plan.")
    elif end < start:
        errors.add("end", f"The end date {formats.day(end)} is before the start date {formats.day(start)}.")
    elif end > start + MAX_TERM:
        errors.add("end", "A membership can run for at most 10 years; renew it instead.")


# The membership row, or NotFound (the rule lives with the contracts: billing uses it too).
_contract = contract_log.membership


def _transition_source(ctx: Ctx, contract_id: int, action: str) -> Contract:
    contract = _contract(ctx, contract_id, for_update=True)
    _require_state(contract, action)
    return contract


def _require_decider(ctx: Ctx, contract: Contract) -> None:
    """Nobody approves or rejects their own sale (the daily run, deciding for nobody, may)."""
    if ctx.actor != SYSTEM and ctx.actor in (contract.seller_id, contract.created_by):
        raise PermissionDenied("Nobody approves their own sale: another manager or an admin must approve it.")


def _require_state(contract: Contract, action: str) -> None:
    status = Status(contract.status)
    if status not in ALLOWED_FROM[action]:
        raise Conflict(f"M-{contract.id} is {status.label}; it cannot {action} from that state.")


def _begin_freeze(ctx: Ctx, contract: Contract, reason: str, *, actor: str | None = None) -> None:
    contract.frozen_since = ctx.today()
    contract_log.move(ctx, contract, "freeze", Status.FROZEN, reason, actor=actor)


def _end_freeze(ctx: Ctx, contract: Contract, reason: str, *, actor: str | None = None) -> None:
    """Unfrozen today: the lots' expiry moves on by the frozen days, the regular charges return."""
    today = ctx.today()
    row = billing.open_freeze(ctx, contract.id or 0)
    began = row.starts_on if row is not None else contract.frozen_since or today
    if row is not None:
        row.ended_on = today
        ctx.uow.add(row)
    contract.frozen_since = None
    contract_log.move(ctx, contract, "unfreeze", _calendar_status(ctx, contract), reason, actor=actor)
    credit_grants.withdraw_frozen(ctx, contract, began, today)
    ledger.postpone_expiry(ctx, contract.id or 0, (today - began).days)
    billing.raise_charges(ctx, contract)
    credit_grants.grant_due_for(ctx, contract)  # a period that starts tomorrow is there at midnight


def _apply_cancellation(
    ctx: Ctx, contract: Contract, cancellation: Cancellation, *, actor: str | None = None
) -> None:
    today = ctx.today()
    freeze = billing.open_freeze(ctx, contract.id or 0)
    if freeze is not None:  # a cancellation ends a freeze (or withdraws one still to come)
        freeze.ended_on = max(freeze.starts_on, today)
        ctx.uow.add(freeze)
        credit_grants.withdraw_frozen(ctx, contract, freeze.starts_on, freeze.ended_on)
        ledger.postpone_expiry(ctx, contract.id or 0, (freeze.ended_on - freeze.starts_on).days)
    contract.frozen_since = None
    contract_log.move(ctx, contract, "cancel", Status.CANCELLED, cancellation.reason, actor=actor)
    cancellation.applied = True
    ctx.uow.add(cancellation)
    # Class bookings still to come are released with their credits (a reactivation does not book
    # them again: the seats may have gone).
    classes.release_bookings(ctx, contract.id or 0, cancellation.reason or "Membership cancelled.")
    if cancellation.credits == "forfeit":
        _forfeit_credits(ctx, contract, cancellation)
    ctx.uow.flush()


def _forfeit_credits(ctx: Ctx, contract: Contract, cancellation: Cancellation) -> None:
    """The workspace forfeits a cancelled membership's credits: each open lot expires now (the
    daily expiry records it), its former expiry kept so a reactivation can restore it."""
    now = ctx.now()
    query = ctx.uow.select(CreditLot).where(
        col(CreditLot.contract_id) == contract.id, col(CreditLot.remaining) > 0
    )
    for lot in ctx.uow.all(query.order_by(col(CreditLot.id)).with_for_update()):
        ctx.uow.add(
            ForfeitedLot(
                tenant_id=ctx.uow.tenant_id,
                cancellation_id=cancellation.id or 0,
                lot_id=lot.id or 0,
                expires_at=lot.expires_at,
                remaining=lot.remaining,
            )
        )
        lot.expires_at = now
        ctx.uow.add(lot)
    ctx.uow.flush()


def _restore_credits(ctx: Ctx, cancellation: Cancellation) -> None:
    """Forfeited lots get their expiry back; those the daily expiry already emptied are granted
    again (keyed by cancellation and lot), unless their own expiry has passed meanwhile."""
    now = ctx.now()
    query = ctx.uow.select(ForfeitedLot).where(col(ForfeitedLot.cancellation_id) == cancellation.id)
    for forfeited in ctx.uow.all(query.order_by(col(ForfeitedLot.lot_id))):
        lot = ctx.uow.get(CreditLot, forfeited.lot_id, for_update=True)
        assert lot is not None
        if forfeited.expires_at is not None and forfeited.expires_at <= now:
            continue
        if lot.remaining > 0:
            lot.expires_at = forfeited.expires_at
            ctx.uow.add(lot)
            continue
        ledger.grant(
            ctx,
            lot.customer_id,
            Unit(lot.unit),
            forfeited.remaining,
            key=f"restore:{cancellation.id}:{lot.id}",
            contract_id=lot.contract_id,
            pool=Pool(lot.pool),
            scope=lot.scope,
            expires_at=forfeited.expires_at,
            priority=lot.priority,
            promotional=lot.promotional,
            source="restore",
            reason="The membership was reactivated.",
        )
    ctx.uow.flush()


def _calendar_moves(ctx: Ctx) -> ColumnElement[bool]:
    """The memberships whose status `by_calendar` moves today, in SQL: only they are read (through
    the status and date indexes), so a day that moves none costs one indexed query, not a read of
    every live membership. The Python check in `advance_page` stays the rule."""
    today = ctx.today()
    last_grace_end = today - timedelta(days=ctx.tenant.grace_days)  # ended before it: expired
    status, start, end = col(Contract.status), col(Contract.start_date), col(Contract.end_date)
    return or_(
        and_(status == Status.SCHEDULED.value, start <= today),
        and_(status == Status.ACTIVE.value, or_(start > today, end < today)),
        and_(
            status == Status.GRACE.value,
            or_(start > today, end.is_(None), end >= today, end < last_grace_end),
        ),
    )


def _calendar_status(ctx: Ctx, contract: Contract) -> Status:
    return by_calendar(contract.start_date, contract.end_date, ctx.tenant.grace_days, ctx.today())


def _view(ctx: Ctx, contract: Contract) -> MembershipView:
    customer = customers.customer_row(ctx, contract.customer_id)
    location = ctx.uow.get(Location, contract.location_id) if contract.location_id else None
    version = ctx.uow.get(PlanVersion, contract.plan_version_id or 0)
    plan = ctx.uow.get(Plan, version.plan_id) if version else None
    assert version is not None and plan is not None, "a membership always has a plan version"
    return MembershipView(
        id=contract.id or 0,
        customer_id=contract.customer_id,
        customer=customer.company or customer.contact,
        plan_id=plan.id or 0,
        plan=plan.name,
        plan_code=plan.code,
        plan_version=version.version,
        status=Status(contract.status),
        start=contract.start_date,
        end=contract.end_date,
        summary=contract.summary,
        location=location.name if location else "",
        seller=contract.seller_id,
        renewal_of_id=contract.renewal_of_id,
        created_by=contract.created_by,
        location_id=contract.location_id,
    )
