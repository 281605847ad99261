"""Moving a contract to another state and writing it to its audit trail: shared by memberships
and by the ledger (a membership that ends when its credits are used up)."""

from __future__ import annotations

from core.context import Ctx
from core.memberships.lifecycle import Status
from storage.tables.memberships import Contract, ContractEvent


def move(
    ctx: Ctx, contract: Contract, action: str, to: Status, reason: str = "", *, actor: str | None = None
) -> None:
    before = Status(contract.status)
    contract.status = to.value
    ctx.uow.add(contract)
    record(ctx, contract, action, before, to, reason, actor=actor)


def record(
    ctx: Ctx,
    contract: Contract,
    action: str,
    before: Status | None,
    after: Status | None,
    reason: str = "",
    *,
    actor: str | None = None,
) -> None:
    ctx.uow.add(
        ContractEvent(
            tenant_id=ctx.uow.tenant_id,
            contract_id=contract.id or 0,
            action=action,
            from_status=before.value if before else None,
            to_status=after.value if after else None,
            actor=actor or ctx.actor,
            at=ctx.now(),
            reason=reason,
        )
    )
    ctx.uow.flush()
