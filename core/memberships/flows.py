"""Memberships as people ask for them: sell one (by what was typed or in the form), decide a sale,
list and report a customer's, freeze, unfreeze, cancel (previewed, then confirmed) and renew. Each
function is one user intent in one unit of work and returns plain data for the caller to show.

A sale always waits for a manager (the membership is pending); a freeze, or a cancellation inside
the lock-in, waits when the workspace's approval policy says so (core/approvals/policy.py): the
flow then holds it and says where the request goes. What a person typed that needs the
workspace's today to read (dates) arrives as a function of that day, read once the role is checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.approvals import flows as approval_flows
from core.approvals import policy
from core.approvals import posts as approval_posts
from core.approvals import service as approvals
from core.approvals.flows import Held
from core.approvals.service import ApprovalView
from core.billing import service as billing
from core.billing.service import CancellationPreview, ChargeStatus
from core.catalog import locations
from core.catalog import services as catalog_services
from core.checkout import benefit_terms, benefits
from core.checkout.benefit_terms import MemberDiscount
from core.context import Ctx, rolled_back
from core.credits import ledger
from core.credits.lots import Unit
from core.customers import service as customers
from core.customers.lookup import find_customer, the_customer
from core.customers.service import CustomerView
from core.kernel import formats
from core.kernel.errors import Conflict, InvalidInput
from core.kernel.money import display
from core.mail import service as mail
from core.memberships import service as memberships
from core.memberships.lifecycle import Status, default_end
from core.memberships.service import MembershipReport, MembershipView
from core.outbox import Kind
from core.plans import flows as plan_flows
from core.plans import service as plans
from core.plans.service import PlanView
from core.visits import service as visits
from core.visits.service import VisitStatus
from core.workspace import roles
from core.workspace.roles import Action

REPORTS_SHOWN = 10  # a customer's memberships reported at once

SaleDates = Callable[[date], tuple[date | None, date | None]]  # today -> (start, end)
FreezeOptions = Callable[[date], tuple[date | None, date | None, str]]  # today -> (starts, until, reason)
CancelOptions = Callable[[date], tuple[date | None, bool, str]]  # today -> (on, at term end, reason)


@dataclass(frozen=True)
class Sale:
    """A membership sold (or renewed), waiting for a manager: what the request for approval says."""

    membership: MembershipView
    customer: str  # the customer's label
    plan: PlanView
    currency: str
    channel: str  # where the request for approval is posted ("": where it was sold)


@dataclass(frozen=True)
class SaleForm:
    """What the sale form shows: the plans on sale, and what was chosen so far."""

    plans: tuple[PlanView, ...]  # sellable ones
    customer: tuple[int, str] | None  # (id, label)
    plan: PlanView | None
    start: date
    end: date | None
    currency: str
    locations: tuple[tuple[int, str], ...] = ()  # (id, name): where the chosen plan may be sold
    location: int | None = None  # the one chosen, else the customer's where the plan is sold


@dataclass(frozen=True)
class Decided:
    membership: MembershipView
    plan: str  # the plan's name
    approved: bool
    reason: str
    posted: bool = False  # its request's message is updated through the outbox


@dataclass(frozen=True)
class CustomerMemberships:
    customer: CustomerView
    memberships: tuple[MembershipView, ...]  # newest first


@dataclass(frozen=True)
class Frozen:
    membership: MembershipView
    starts: date | None
    until: date | None
    planned: bool  # the freeze begins later


@dataclass(frozen=True)
class Unfrozen:
    membership: MembershipView
    withdrawn_from: date | None  # a freeze planned for later was withdrawn: the day it would have begun


@dataclass(frozen=True)
class CancelPreview:
    membership: MembershipView
    preview: CancellationPreview
    on: date | None
    at_term_end: bool
    reason: str
    waits: bool  # the cancellation waits for a manager's approval
    currency: str
    changed: Decimal | None = None  # the lock-in fee shown before, when it has changed since


@dataclass(frozen=True)
class Cancelled:
    membership: MembershipView  # cancelled now, or to be from `effective`
    effective: date


@dataclass(frozen=True)
class AlreadyCancelled:
    """This person's cancellation from that date is in force already (the button pressed twice)."""

    reference: str
    effective: date


@dataclass(frozen=True)
class AlreadyAsked:
    """The request asked under this key before (the button pressed twice)."""

    request: ApprovalView


# --- selling -------------------------------------------------------------------------------------


def sell(
    ctx: Ctx,
    customer_id: int,
    plan_id: int,
    start: date | None,
    end: date | None,
    *,
    summary: str = "",
    past: bool = False,
    location_id: int | None = None,
    asked_in: str = "",
) -> Sale:
    """Sell a plan (from today when no start is given) at a location (None: the customer's, where
    the plan is sold); the sale waits for a manager's approval. A sale whose dates lie entirely in
    the past is recorded only when `past` confirms it."""
    start = start or ctx.today()
    if not past and _all_past(ctx, plan_id, start, end):
        raise InvalidInput.single(
            "past", "These dates lie entirely in the past; confirm that this is a past sale to record it."
        )
    sold = memberships.assign(ctx, customer_id, plan_id, start, end, summary=summary, location_id=location_id)
    return _sale(ctx, sold, asked_in)


def sell_named(ctx: Ctx, customer: str, plan: str, start: date | None, *, asked_in: str = "") -> Sale:
    """A sale whose customer and plan are named in words, as a Workflow Builder step gives them:
    one customer and one plan, or a refusal saying which (never a guess, and no form to choose in)."""
    roles.require(ctx, Action.ASSIGN)
    who = find_customer(ctx, customer).one()
    chosen = plan_flows.one_plan(ctx, plan)
    if not isinstance(chosen, PlanView):
        several = f"Several plans match “{plan}”: {', '.join(chosen.names)}." if chosen.names else ""
        raise InvalidInput.single("plan", several or f"No plan is named “{plan}”.")
    return sell(ctx, who.id, chosen.id, start, None, asked_in=asked_in)


def _all_past(ctx: Ctx, plan_id: int, start: date, end: date | None) -> bool:
    """Whether a term ends before today (one that ends before it starts is assign's to refuse)."""
    last = end or default_end(start, plans.get_plan(ctx, plan_id).terms.term_months)
    return last is not None and start <= last < ctx.today()


def sell_typed(ctx: Ctx, words: str, dates: SaleDates, *, asked_in: str = "") -> Sale | SaleForm:
    """Sell at once when the words name one customer and one plan (by its last one to three words);
    otherwise the form, with what was given (an ambiguous customer is chosen there, never guessed)."""
    roles.require(ctx, Action.ASSIGN)
    start, end = dates(ctx.today())
    customer_words, plan = _split_plan(ctx, words)
    customer = find_customer(ctx, customer_words).customer
    if customer is None or plan is None or _all_past(ctx, plan.id, start or ctx.today(), end):
        # A past sale is confirmed in the form.
        return sale_form(ctx, customer.id if customer else None, plan.id if plan else None, start, end)
    return sell(ctx, customer.id, plan.id, start, end, asked_in=asked_in)


def sale_form(
    ctx: Ctx,
    customer_id: int | None = None,
    plan_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    location_id: int | None = None,
) -> SaleForm:
    """The form's plans and what was chosen; the locations are those the plan is sold at (every
    one before a plan is chosen), the customer's preselected when it is one of them."""
    sellable = tuple(p for p in plans.list_plans(ctx) if p.sellable)
    customer = None
    home: int | None = None
    if customer_id is not None:
        found = customers.get_customer(ctx, customer_id)
        customer, home = (customer_id, found.label), customers.customer_row(ctx, customer_id).location_id
    plan = next((p for p in sellable if p.id == plan_id), None)
    allowed = plan.terms.location_ids if plan else None
    places = tuple(
        (loc.id or 0, loc.name) for loc in locations.locations(ctx) if allowed is None or loc.id in allowed
    )
    ids = {i for i, _ in places}
    chosen = location_id if location_id in ids else home if home in ids else None
    return SaleForm(sellable, customer, plan, start or ctx.today(), end, ctx.tenant.currency, places, chosen)


def renew(ctx: Ctx, contract_id: int, *, asked_in: str = "") -> Sale:
    """A renewal is a new sale: it waits for approval like one."""
    return _sale(ctx, memberships.renew(ctx, contract_id), asked_in)


def decide(ctx: Ctx, contract_id: int, *, approve: bool, reason: str = "") -> Decided:
    """A manager's yes or no to a sale (never the seller's own: memberships.service refuses)."""
    done = memberships.approve(ctx, contract_id) if approve else memberships.reject(ctx, contract_id, reason)
    plan = plans.get_plan(ctx, done.plan_id).name
    decision = {
        "customer": done.customer,
        "plan": plan,
        "start": done.start.isoformat(),
        "end": done.end.isoformat() if done.end else None,
        "status": done.status.value,
        "outcome": "approved" if approve else "rejected",
        "decided_by": ctx.actor,
        "decided_at": ctx.now().isoformat(),
        "reason": reason.strip(),
    }
    posted = approval_posts.queue_update(ctx, done.reference, decision)
    if approve:
        _welcome(ctx, done)
    return Decided(done, plan, approve, reason.strip(), posted)


def _welcome(ctx: Ctx, m: MembershipView) -> bool:
    """The member's welcome e-mail (once per membership): what the plan includes, as plain data."""
    plan = plans.get_plan(ctx, m.plan_id)
    t, c = plan.terms, plan.terms.credits
    credits = None
    if c is not None:
        credits = {
            "kind": c.kind.value,
            "per_period": str(c.per_period),
            "frequency": c.frequency.value,
            "every_days": c.every_days,
            "initial": str(c.initial),
            "expiry": c.expiry.value,
            "expiry_days": c.expiry_days,
        }
    data = {
        "customer": m.customer,
        "reference": m.reference,
        "plan": plan.name,
        "description": t.description,
        "start": m.start.isoformat(),
        "end": m.end.isoformat() if m.end else None,
        "price": str(t.price),
        "setup_fee": str(t.setup_fee),
        "billing": t.billing_type.value,
        "currency": ctx.tenant.currency,
        "credits": credits,
        "services": [{"job": s.job, "task": s.task, "schedule": s.schedule} for s in plan.services],
        "location": m.location,
    }
    return mail.queue(ctx, Kind.EMAIL_WELCOME, m.reference, m.customer_id, data)


# --- reading -------------------------------------------------------------------------------------


def memberships_of(ctx: Ctx, typed: str) -> CustomerMemberships:
    roles.require(ctx, Action.VIEW)
    customer = the_customer(ctx, typed)
    return CustomerMemberships(customer, tuple(memberships.memberships_of(ctx, customer.id)))


def reports(ctx: Ctx, which: int | str) -> tuple[MembershipReport, ...]:
    """One membership's report (by id), or those of the customer typed (the first REPORTS_SHOWN)."""
    roles.require(ctx, Action.VIEW)
    if isinstance(which, int):
        ids = [which]
    else:
        ids = [m.id for m in memberships.memberships_of(ctx, the_customer(ctx, which).id)]
    return tuple(memberships.report(ctx, contract_id) for contract_id in ids[:REPORTS_SHOWN])


def to_delete(ctx: Ctx, contract_id: int) -> MembershipView:
    """The membership about to be deleted, for the person who may delete it to confirm."""
    roles.require(ctx, Action.DELETE)
    return memberships.get(ctx, contract_id)


# --- freezing ------------------------------------------------------------------------------------


def freeze(ctx: Ctx, contract_id: int, options: FreezeOptions, *, asked_in: str = "") -> Frozen | Held:
    """Freeze now or from a date, until a date or until unfrozen; or hold it for approval."""
    roles.require(ctx, Action.CHANGE_STATE)
    starts, until, reason = options(ctx.today())
    if policy.freeze_waits(ctx):
        m = memberships.get(ctx, contract_id)
        summary = f"Freeze {m.reference} ({m.customer}, {m.plan}) {_freeze_dates(starts, until)}: "
        summary += reason or "no reason given"
        request = {
            "contract": contract_id,
            "reason": reason,
            "starts": starts.isoformat() if starts else None,
            "until": until.isoformat() if until else None,
        }
        # Once a day per membership and dates: a retried command asks once.
        key = f"freeze-{contract_id}-{ctx.today()}-{starts or ''}-{until or ''}"
        return approval_flows.hold(ctx, "freeze", request, summary, key=key, asked_in=asked_in)
    done = memberships.freeze(ctx, contract_id, reason, starts=starts, until=until)
    return Frozen(done, starts, until, planned=done.status is not Status.FROZEN)


def unfreeze(ctx: Ctx, contract_id: int, reason: str = "") -> Unfrozen:
    """End a freeze, or withdraw one planned for later (and say which)."""
    roles.require(ctx, Action.CHANGE_STATE)
    before = memberships.get(ctx, contract_id)
    planned = billing.open_freeze(ctx, contract_id)
    done = memberships.unfreeze(ctx, contract_id, reason)
    withdrawn = planned is not None and before.status is not Status.FROZEN
    return Unfrozen(done, planned.starts_on if planned is not None and withdrawn else None)


def _freeze_dates(starts: date | None, until: date | None) -> str:
    since = f"from {formats.day(starts)} " if starts else ""
    return since + (f"until {formats.day(until)}" if until else "until unfrozen")


# --- cancelling ----------------------------------------------------------------------------------


def cancel_preview(ctx: Ctx, contract_id: int, options: CancelOptions) -> CancelPreview:
    """What the cancellation would do, and whether it waits for approval. The cancellation is made
    and rolled back, so one that cannot be made is refused now, before anyone confirms it."""
    roles.require(ctx, Action.CHANGE_STATE)
    on, at_term_end, reason = options(ctx.today())
    shown = _preview(ctx, contract_id, on, at_term_end, reason)
    with rolled_back(ctx):  # as it would be made once approved, when it waits
        memberships.cancel(ctx, contract_id, reason, on=on, at_term_end=at_term_end, approved=True)
    return shown


def cancel(
    ctx: Ctx,
    contract_id: int,
    reason: str,
    *,
    on: date | None,
    at_term_end: bool,
    expected_fee: Decimal,
    effective: date,
    key: str,
    asked_in: str = "",
) -> Cancelled | AlreadyCancelled | AlreadyAsked | Held | CancelPreview:
    """The cancellation as previewed, or its approval request. Asking twice cancels (or asks) once:
    the second finds the cancellation this person made for that date, or the request asked under
    `key`. A lock-in fee that changed since the preview is refused: the answer is the preview again,
    with the fee shown before."""
    roles.require(ctx, Action.CHANGE_STATE)
    asked = approvals.by_key(ctx, key)
    if asked is not None:
        return AlreadyAsked(asked)
    if _cancelled_by(ctx, contract_id, effective):
        return AlreadyCancelled(f"M-{contract_id}", effective)
    if policy.cancel_waits(ctx, contract_id, on=on, at_term_end=at_term_end):
        m = memberships.get(ctx, contract_id)
        fee = (
            f" with a lock-in fee of {display(expected_fee, ctx.tenant.currency)}" if expected_fee > 0 else ""
        )
        summary = (
            f"Cancel {m.reference} ({m.customer}, {m.plan}) from {formats.day(effective)}{fee}: {reason}"
        )
        wanted = {
            "contract": contract_id,
            "reason": reason,
            "on": on.isoformat() if on else None,
            "at_term_end": at_term_end,
            "expected_fee": str(expected_fee),
        }
        return approval_flows.hold(ctx, "cancel", wanted, summary, key=key, asked_in=asked_in)
    try:
        done = memberships.cancel(
            ctx, contract_id, reason, on=on, at_term_end=at_term_end, expected_fee=expected_fee
        )
    except Conflict as exc:
        if _cancelled_by(ctx, contract_id, effective):
            # Two at once: this one waited on the membership's lock while the other cancelled it.
            return AlreadyCancelled(f"M-{contract_id}", effective)
        if exc.field != "expected_fee":
            raise
        return _preview(ctx, contract_id, on, at_term_end, reason, changed=expected_fee)
    return Cancelled(done, effective)


def _preview(
    ctx: Ctx,
    contract_id: int,
    on: date | None,
    at_term_end: bool,
    reason: str,
    *,
    changed: Decimal | None = None,
) -> CancelPreview:
    m = memberships.get(ctx, contract_id)
    preview = billing.cancellation_preview(ctx, contract_id, on=on, at_term_end=at_term_end)
    waits = policy.cancel_waits(ctx, contract_id, on=on, at_term_end=at_term_end)
    return CancelPreview(m, preview, on, at_term_end, reason, waits, ctx.tenant.currency, changed)


def _cancelled_by(ctx: Ctx, contract_id: int, effective: date) -> bool:
    """Whether the actor's cancellation from that date is already in force (a second press)."""
    earlier = billing.pending_cancellation(ctx, contract_id)
    return earlier is not None and earlier.created_by == ctx.actor and earlier.effective_on == effective


# --- internals -----------------------------------------------------------------------------------


def _sale(ctx: Ctx, sold: MembershipView, asked_in: str) -> Sale:
    customer = customers.get_customer(ctx, sold.customer_id).label
    plan = plans.get_plan(ctx, sold.plan_id)
    return Sale(sold, customer, plan, ctx.tenant.currency, policy.destination(ctx, asked_in))


def _split_plan(ctx: Ctx, words: str) -> tuple[str, PlanView | None]:
    """The plan is named by the last one to three words (as /plan reads a name); the rest names
    the customer."""
    tokens = words.split()
    for size in (3, 2, 1):
        if len(tokens) > size:
            plan = plan_flows.one_plan(ctx, " ".join(tokens[-size:]))
            if isinstance(plan, PlanView):
                return " ".join(tokens[:-size]), plan
    return words, None


# --- editing a sold contract ---------------------------------------------------------------------


@dataclass(frozen=True)
class EditForm:
    """What the edit form shows: the contract as it is, and where it may be sold."""

    membership: MembershipView
    locations: tuple[tuple[int, str], ...]  # (id, name): the plan's, or every location
    dates_wait: bool  # new dates wait for a manager's approval (the actor is staff)


@dataclass(frozen=True)
class Edit:
    """A correction as asked: the contract's details afterwards, and why."""

    start: date
    end: date | None
    summary: str
    location_id: int | None
    seller: str
    reason: str

    def carried(self) -> dict[str, Any]:
        """As plain JSON values: what a request for approval (or a preview) carries."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "summary": self.summary,
            "location": self.location_id,
            "seller": self.seller,
            "reason": self.reason,
        }

    @classmethod
    def from_carried(cls, values: dict[str, Any]) -> Edit:
        location = values.get("location")
        return cls(
            date.fromisoformat(str(values["start"])),
            date.fromisoformat(str(values["end"])) if values.get("end") else None,
            str(values.get("summary", "")),
            int(location) if location is not None else None,
            str(values.get("seller", "")),
            str(values.get("reason", "")),
        )


@dataclass(frozen=True)
class Effects:
    """What follows a contract's dates, before or after they change."""

    visits: int  # upcoming visits
    first_visit: date | None
    last_visit: date | None
    charges: int  # charges not voided
    billed: Decimal  # their total
    credits: Decimal  # the customer's available credits
    money: Decimal  # and monetary credit


@dataclass(frozen=True)
class EditPreview:
    membership: MembershipView  # as it is
    edit: Edit
    dates_changed: bool
    before: Effects
    after: Effects
    waits: bool  # the change waits for a manager's approval
    currency: str


@dataclass(frozen=True)
class Edited:
    membership: MembershipView


EditChanges = Callable[[MembershipView], Edit]  # the contract as it is -> the edit asked


def edit_form(ctx: Ctx, contract_id: int) -> EditForm:
    """The contract's details to correct, for someone who may sell (staff or above)."""
    roles.require(ctx, Action.ASSIGN)
    m = memberships.get(ctx, contract_id)
    allowed = memberships.terms_of(ctx, contract_id).location_ids
    places = tuple(
        (loc.id or 0, loc.name)
        for loc in locations.locations(ctx)
        if allowed is None or loc.id in allowed or loc.id == m.location_id
    )
    waits = m.status is not Status.PENDING and not roles.can(ctx, Action.CHANGE_STATE)
    return EditForm(m, places, waits)


def preview_edit(ctx: Ctx, contract_id: int, changes: Edit | EditChanges) -> EditPreview:
    """What the correction would do — visits, charges and credits before and after — checked by
    making it and rolling it back, so a correction that cannot be made is refused now (every
    field's mistake at once), before anyone confirms it."""
    roles.require(ctx, Action.ASSIGN)
    m = memberships.get(ctx, contract_id)
    asked = changes if isinstance(changes, Edit) else changes(m)
    before = _effects(ctx, m)
    savepoint = ctx.uow.session.begin_nested()
    try:
        _edit(ctx, contract_id, asked, approved=True)  # who may make it is the policy's question
        after = _effects(ctx, memberships.get(ctx, contract_id))
    finally:
        savepoint.rollback()
    moved = (asked.start, asked.end) != (m.start, m.end)
    waits = policy.edit_waits(ctx, contract_id, asked.start, asked.end)
    return EditPreview(m, asked, moved, before, after, waits, ctx.tenant.currency)


def edit(ctx: Ctx, contract_id: int, changes: Edit | EditChanges, *, asked_in: str = "") -> Edited | Held:
    """The correction as previewed, or — new dates asked by staff for a sold contract — its
    request for approval (asked once per contract, dates and day)."""
    roles.require(ctx, Action.ASSIGN)
    m = memberships.get(ctx, contract_id)
    asked = changes if isinstance(changes, Edit) else changes(m)
    if policy.edit_waits(ctx, contract_id, asked.start, asked.end):
        until = f"{formats.day(asked.end)}" if asked.end else "no end"
        summary = f"Move {m.reference} ({m.customer}, {m.plan}) from {formats.day(asked.start)} to {until}: "
        request = {"contract": contract_id, **asked.carried()}  # read by core/approvals/service.py
        key = f"edit-{contract_id}-{ctx.today()}-{asked.start}-{asked.end or ''}"
        return approval_flows.hold(ctx, "edit", request, summary + asked.reason, key=key, asked_in=asked_in)
    return Edited(_edit(ctx, contract_id, asked))


def _edit(ctx: Ctx, contract_id: int, asked: Edit, *, approved: bool = False) -> MembershipView:
    return memberships.edit(
        ctx,
        contract_id,
        asked.start,
        asked.end,
        summary=asked.summary,
        location_id=asked.location_id,
        seller=asked.seller,
        reason=asked.reason,
        approved=approved,
    )


def _effects(ctx: Ctx, m: MembershipView) -> Effects:
    upcoming = sorted(v.due_on for v in visits.visits_of(ctx, m.id) if v.status is VisitStatus.UPCOMING)
    charged = [c for c in billing.charges_of(ctx, m.id) if c.status is not ChargeStatus.VOID]
    balance = ledger.balance(ctx, m.customer_id)
    return Effects(
        len(upcoming),
        upcoming[0] if upcoming else None,
        upcoming[-1] if upcoming else None,
        len(charged),
        sum((c.amount + c.setup_fee for c in charged), Decimal(0)),
        balance.total(Unit.CREDIT),
        balance.total(Unit.MONEY),
    )


# --- a sold membership's own discounts -----------------------------------------------------------


@dataclass(frozen=True)
class DiscountForm:
    """A membership's discounts as they are, each in words, and whether a change waits."""

    membership: MembershipView
    discounts: tuple[MemberDiscount, ...]
    labels: tuple[str, ...]  # each discount in words, at the membership's amount
    waits: bool  # a change waits for a manager's approval (the actor is staff)
    currency: str


@dataclass(frozen=True)
class DiscountsAdjusted:
    membership: MembershipView
    discounts: tuple[MemberDiscount, ...]
    labels: tuple[str, ...]


def discount_form(ctx: Ctx, contract_id: int) -> DiscountForm:
    """The discounts a manager may adjust (staff may ask for it), with their current amounts."""
    roles.require(ctx, Action.ASSIGN)
    m = memberships.get(ctx, contract_id)
    found = tuple(benefit_terms.membership_discounts(ctx, contract_id))
    if not found:
        raise Conflict(f"{m.reference}'s plan gives no discounts; there is nothing to adjust.", "discounts")
    return DiscountForm(m, found, _labels(ctx, found), policy.discounts_wait(ctx), ctx.tenant.currency)


def adjust_discounts(
    ctx: Ctx, contract_id: int, values: Mapping[int, Decimal | str], reason: str, *, asked_in: str = ""
) -> DiscountsAdjusted | Held:
    """A sold membership's own discount amounts (its plan's kinds kept) at any time, with a reason
    for the contract log; or — asked by staff — the request for a manager's approval, checked now
    (once per membership, amounts and day)."""
    roles.require(ctx, Action.ASSIGN)
    m = memberships.get(ctx, contract_id)
    if policy.discounts_wait(ctx):
        typed = {str(k): str(v).strip() for k, v in sorted(values.items())}
        request = {"contract": contract_id, "values": typed, "reason": reason}  # core/approvals/service.py
        amounts = ", ".join(f"#{k} {v}" for k, v in typed.items())
        summary = f"Adjust the discounts of {m.reference} ({m.customer}, {m.plan}) to {amounts}: {reason}"
        digest = hashlib.sha256(amounts.encode()).hexdigest()[:16]  # keys are 100 characters at most
        key = f"discounts-{contract_id}-{ctx.today()}-{digest}"
        return approval_flows.hold(ctx, "discounts", request, summary, key=key, asked_in=asked_in)
    done = tuple(benefit_terms.set_member_values(ctx, contract_id, values, reason))
    return DiscountsAdjusted(memberships.get(ctx, contract_id), done, _labels(ctx, done))


def _labels(ctx: Ctx, found: tuple[MemberDiscount, ...]) -> tuple[str, ...]:
    names = {s.id: s.name for s in catalog_services.list_services(ctx)}
    return tuple(
        benefits.describe(
            benefits.Discount(
                d.id,
                0,
                d.applies_to,
                d.kind,
                d.value,
                frozenset(d.services),
                frozenset(d.categories),
                frozenset(d.products),
            ),
            names,
            f"#{d.id}",
            ctx.tenant.currency,
        )
        for d in found
    )
