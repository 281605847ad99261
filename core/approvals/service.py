"""Approval policies: a workspace may hold some changes until a second person agrees — manual
credit grants above a number of credits, freezes, cancellations inside the plan's lock-in,
a sold contract's dates corrected by staff, and a membership's own discount amounts asked by staff.
The requester must be allowed to make the change; a manager or admin other than the requester
decides. An approved change is then made in the requester's name (the ledger and the audit trail
show who asked), in the same transaction as the decision, so it happens exactly once.

Which changes wait, where a request goes and who may decide: policy.py. Asking twice with the same
key asks once; deciding twice decides once (the second is told)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col

from core.approvals import policy, posts
from core.checkout import benefit_terms
from core.context import Ctx, rolled_back
from core.credits import ledger
from core.kernel.errors import Conflict, InvalidInput
from core.memberships import service as memberships
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.approvals import ApprovalRequest
from storage.upserts import insert_if_absent

KINDS = {
    "grant": Action.ADJUST_CREDITS,
    "freeze": Action.CHANGE_STATE,
    "cancel": Action.CHANGE_STATE,
    "edit": Action.ASSIGN,  # a contract's dates corrected by staff (policy.edit_waits)
    "discounts": Action.ASSIGN,  # a membership's own discount amounts asked by staff (policy.discounts_wait)
}


@dataclass(frozen=True)
class ApprovalView:
    id: int
    kind: str
    summary: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str
    reason: str
    request: dict[str, Any] = field(default_factory=dict)  # the change as asked (its kind's values)
    posted: bool = False  # decided now, and its request's message is updated through the outbox

    @property
    def reference(self) -> str:
        return f"A-{self.id}"


class AlreadyDecided(Conflict):
    """A request decided before. Who decided is data (`request.decided_by`), for the caller to name
    as it names people: core writes no Slack mentions."""

    def __init__(self, request: ApprovalView) -> None:
        super().__init__(f"{request.reference} was already {request.status}.")
        self.request = request


# --- asking and deciding -------------------------------------------------------------------------


def request_approval(ctx: Ctx, kind: str, request: dict[str, Any], summary: str, *, key: str) -> ApprovalView:
    """Hold the change for approval, after checking that it could be made now."""
    if kind not in KINDS:
        raise InvalidInput.single("kind", f"{kind!r} changes do not wait for approval.")
    roles.require(ctx, KINDS[kind])
    existing = _by_key(ctx, key)
    if existing is not None:
        return _view(existing)
    _check(ctx, kind, request, key)
    values = {
        "tenant_id": ctx.uow.tenant_id,
        "key": key,
        "kind": kind,
        "request": request,
        "summary": summary[:500],
        "status": "pending",
        "requested_by": ctx.actor,
        "requested_at": ctx.now(),
        "decided_by": "",
        "reason": "",
    }
    written = insert_if_absent(ctx.uow, "approval_request", values, ["tenant_id", "key"])
    # None: a concurrent request with the same key got there first; that one stands.
    row = ctx.uow.get(ApprovalRequest, written) if written is not None else _by_key(ctx, key)
    if row is None:
        raise Conflict("The same request is being sent from elsewhere; try again in a moment.")
    return _view(row)


def may_decide(ctx: Ctx, request_id: int) -> ApprovalView:
    """The request, when the actor may decide it (a manager or an admin who did not ask for it);
    asked before a form for the rejection's reason opens."""
    roles.require(ctx, Action.APPROVE)
    asked = get(ctx, request_id)
    policy.require_decider(ctx, asked.requested_by)
    return asked


def decide(ctx: Ctx, request_id: int, *, approve: bool, reason: str = "") -> ApprovalView:
    """Approve (the change is made now, in the requester's name) or reject with a reason. The
    policy holds for every caller: a manager or an admin, never the requester."""
    roles.require(ctx, Action.APPROVE)
    row = _request(ctx, request_id, for_update=True)
    if row.status != "pending":
        raise AlreadyDecided(_view(row))
    policy.require_decider(ctx, row.requested_by)
    if not approve and not reason.strip():
        raise InvalidInput.single("reason", "Say why it is rejected.")
    if approve:
        _perform(Ctx(ctx.uow, row.requested_by, ctx.clock), row.kind, row.request, row.key)
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.reason = ctx.actor, ctx.now(), reason.strip()[:1000]
    ctx.uow.add(row)
    ctx.uow.flush()
    done = _view(row)
    decision = {
        "summary": done.summary,
        "requested_by": done.requested_by,
        "outcome": done.status,
        "decided_by": done.decided_by,
        "decided_at": ctx.now().isoformat(),
        "reason": done.reason,
    }
    return replace(done, posted=posts.queue_update(ctx, done.reference, decision))


def pending(ctx: Ctx) -> list[ApprovalView]:
    """Every request still waiting, oldest first (core/approvals/flows.py lists those a person may
    decide)."""
    roles.require(ctx, Action.VIEW)
    query = ctx.uow.select(ApprovalRequest).where(col(ApprovalRequest.status) == "pending")
    return [_view(r) for r in ctx.uow.all(query.order_by(col(ApprovalRequest.id)))]


def by_key(ctx: Ctx, key: str) -> ApprovalView | None:
    """The request asked under `key`, if any: a second press of a Confirm button finds it."""
    row = _by_key(ctx, key)
    return _view(row) if row is not None else None


def get(ctx: Ctx, request_id: int) -> ApprovalView:
    return _view(_request(ctx, request_id))


def _request(ctx: Ctx, request_id: int, *, for_update: bool = False) -> ApprovalRequest:
    return ctx.found(
        ApprovalRequest, request_id, f"There is no approval request A-{request_id}.", for_update=for_update
    )


# --- internals -----------------------------------------------------------------------------------


def _check(ctx: Ctx, kind: str, request: dict[str, Any], key: str) -> None:
    """Make the change inside a savepoint and roll it back: whatever would stop it later (an
    unknown customer, a membership that is not live, too few credits) stops the request now."""
    with rolled_back(ctx):
        _perform(ctx, kind, request, key)


def _perform(ctx: Ctx, kind: str, request: dict[str, Any], key: str) -> None:
    if kind == "grant":
        expires = date.fromisoformat(request["expires"]) if request.get("expires") else None
        ledger.adjust(
            ctx,
            int(request["customer"]),
            Decimal(str(request["quantity"])),
            str(request["reason"]),
            key=key,
            expires_on=expires,
            approved=True,
        )
    elif kind == "freeze":
        memberships.freeze(
            ctx,
            int(request["contract"]),
            str(request.get("reason", "")),
            starts=_day(request.get("starts")),
            until=_day(request.get("until")),
            approved=True,
        )
    elif kind == "discounts":
        values = {int(k): str(v) for k, v in dict(request["values"]).items()}  # amounts as typed
        benefit_terms.set_member_values(
            ctx, int(request["contract"]), values, str(request.get("reason", "")), approved=True
        )
    elif kind == "edit":
        location = request.get("location")
        memberships.edit(
            ctx,
            int(request["contract"]),
            date.fromisoformat(str(request["start"])),
            _day(request.get("end")),
            summary=str(request.get("summary", "")),
            location_id=int(location) if location is not None else None,
            seller=str(request["seller"]),
            reason=str(request.get("reason", "")),
            approved=True,
        )
    else:
        fee = request.get("expected_fee")
        memberships.cancel(
            ctx,
            int(request["contract"]),
            str(request.get("reason", "")),
            on=_day(request.get("on")),
            at_term_end=bool(request.get("at_term_end", False)),
            expected_fee=Decimal(str(fee)) if fee is not None else None,
            approved=True,
        )


def _day(value: object) -> date | None:
    """A date a request carries as ISO text (None or "" when not given: the change's default)."""
    return date.fromisoformat(str(value)) if value else None


def _by_key(ctx: Ctx, key: str) -> ApprovalRequest | None:
    return ctx.uow.first(ctx.uow.select(ApprovalRequest).where(col(ApprovalRequest.key) == key))


def _view(row: ApprovalRequest) -> ApprovalView:
    return ApprovalView(
        row.id or 0,
        row.kind,
        row.summary,
        row.status,
        row.requested_by,
        row.requested_at,
        row.decided_by,
        row.reason,
        dict(row.request),
    )
