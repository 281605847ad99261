"""Moving a contract to another state and writing it to its audit trail: shared by memberships
and by the ledger (a membership that ends when its credits are used up)."""

from __future__ import annotations

from core.context import Ctx
from core.kernel.errors import NotFound
from core.memberships.lifecycle import Status
from storage.tables.memberships import Contract, ContractEvent


def membership(ctx: Ctx, contract_id: int, *, for_update: bool = False) -> Contract:
    """The membership's row (another kind of contract is not one), or NotFound."""
    contract = ctx.uow.get(Contract, contract_id, for_update=for_update)
    if contract is None or contract.kind != "membership":
        raise NotFound(f"There is no membership M-{contract_id}.", "membership")
    return contract


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
