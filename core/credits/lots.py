"""Pure rules of credit lots: which lots a redemption may use, in which order, and how much of
each it takes. No database here; the ledger feeds these functions the rows it locked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

_NEVER = datetime.max.replace(tzinfo=UTC)
# What each kind of ledger entry is called wherever people read it: a report, a history, an alert.
ENTRY_LABELS: dict[str, str] = {
    "grant": "Granted",
    "redeem": "Used",
    "expire": "Expired",
    "transfer_out": "Transferred out",
    "transfer_in": "Transferred in",
    "adjust": "Adjusted",
    "reverse": "Reversed",
    "merge": "Merged in",  # a lot of a customer merged into this one; its quantity is zero
}


class Unit(StrEnum):
    CREDIT = "credit"  # service/session credits, whole units
    MONEY = "money"  # monetary credit in the workspace's currency
    POINTS = "points"


class Pool(StrEnum):
    ANY = "any"  # credits and points
    SERVICES = "services"  # monetary credit allocated to services
    PRODUCTS = "products"  # ... to products
    COMMON = "common"  # ... the common pool: services, products and prepaid cards
    CARD = "card"  # a prepaid card the member bought at checkout: services and products, never expires


class Purpose(StrEnum):
    """What monetary credit is spent on; it decides which pools may pay."""

    SERVICE = "service"
    PRODUCT = "product"
    PREPAID_CARD = "prepaid card"


POOLS_FOR: dict[Purpose, frozenset[Pool]] = {
    Purpose.SERVICE: frozenset({Pool.SERVICES, Pool.COMMON}),
    Purpose.PRODUCT: frozenset({Pool.PRODUCTS, Pool.COMMON}),
    Purpose.PREPAID_CARD: frozenset({Pool.COMMON}),  # only the common pool may buy prepaid cards
}


def card_number(lot_id: int) -> str:
    """A prepaid card is its lot (of the card pool): card PC-12 is lot #12."""
    return f"PC-{lot_id}"


@dataclass(frozen=True)
class Lot:
    id: int
    remaining: Decimal
    usable_from: datetime
    expires_at: datetime | None
    priority: int
    promotional: bool
    granted_at: datetime
    pool: Pool = Pool.ANY
    services: frozenset[int] = frozenset()  # empty with no categories: any service
    categories: frozenset[str] = frozenset()
    costs: dict[int, int] = field(default_factory=dict)  # service -> credits (equality template)
    contract_id: int | None = None


def redemption_order(lot: Lot) -> tuple[int, datetime, bool, datetime, int]:
    """Lower priority first, then soonest expiry (never-expiring last), then promotional before
    paid, then the oldest grant."""
    return (lot.priority, lot.expires_at or _NEVER, not lot.promotional, lot.granted_at, lot.id)


def usable(lot: Lot, at: datetime) -> bool:
    return lot.remaining > 0 and lot.usable_from <= at and (lot.expires_at is None or lot.expires_at > at)


def covers(lot: Lot, service_id: int | None, category: str | None) -> bool:
    """Whether the lot may pay for the service (no service given: only unrestricted lots)."""
    if not lot.services and not lot.categories:
        return True
    if service_id is None:
        return False
    return service_id in lot.services or (category is not None and category in lot.categories)


def cost(lot: Lot, service_id: int | None) -> int:
    return lot.costs.get(service_id, 1) if service_id is not None else 1


def take(
    lots: Iterable[Lot],
    quantity: Decimal,
    *,
    service_id: int | None = None,
    caps: dict[int | None, Decimal] | None = None,
) -> tuple[list[tuple[Lot, Decimal]], Decimal]:
    """What to take from each lot, in redemption order, to cover `quantity` (services when a
    service is given, else units); and how much could not be covered. `caps` limits what one
    membership may give (per contract id). Whole services are never split across lots."""
    caps = dict(caps or {})
    plan: list[tuple[Lot, Decimal]] = []
    left = quantity
    for lot in sorted(lots, key=redemption_order):
        if left <= 0:
            break
        per = Decimal(cost(lot, service_id)) if service_id is not None else Decimal(1)
        room = lot.remaining
        cap = caps.get(lot.contract_id)
        if cap is not None:
            room = min(room, cap)
        if service_id is not None:
            units = min(left, (room / per).to_integral_value(rounding="ROUND_FLOOR"))
            amount = units * per
        else:
            units = amount = min(left, room)
        if units <= 0:
            continue
        plan.append((lot, amount))
        left -= units
        if cap is not None:
            caps[lot.contract_id] = cap - amount
    return plan, left


def available(lots: Sequence[Lot]) -> Decimal:
    return sum((lot.remaining for lot in lots), Decimal(0))
