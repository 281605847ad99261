"""What a member pays at the counter: which service credits, discounts, monetary credit and points
apply to an invoice's lines, in the location's order of benefits. Pure rules, no database: the
checkout service (core/checkout/service.py) feeds in the customer's usable lots, discounts and memberships,
and posts what `compute` returns.

The rule for several memberships (documented in docs/benefits.md):
- service credits are taken one service at a time in the ledger's redemption order across every
  membership (lower priority, soonest expiry, promotional, oldest grant, then lot id);
- of the discounts that fit a line, the one worth most applies (discounts never stack); on a tie,
  the oldest membership's (lowest id), then the rule listed first;
- monetary credit pays what is left, first from the services or products shares, then from the
  common pool, each lot in redemption order; then the member's prepaid cards (services and
  products only: a card never buys a card, and the shares never buy one);
- each membership gives at most its plan's maximum per invoice, across the whole invoice;
- points are earned by one membership: the oldest live one whose plan earns points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from core.credits import lots
from core.credits.lots import Pool, Unit
from core.kernel import formats
from core.kernel.errors import Errors

ZERO = Decimal(0)


class Order(StrEnum):
    """Which benefit a location applies first (a per-location setting)."""

    CREDITS_FIRST = "credits-first"  # credits, then discounts on what credits did not cover
    DISCOUNTS_FIRST = "discounts-first"  # discounts; credits where no discount applies (or it was removed)
    MANUAL = "manual"  # nothing applies by itself: staff choose each line's benefits

    @property
    def label(self) -> str:
        """How a message says it: "credits first", "discounts first", "benefits chosen by hand"."""
        return "benefits chosen by hand" if self is Order.MANUAL else self.value.replace("-", " ")


class ItemKind(StrEnum):
    SERVICE = "service"
    PRODUCT = "product"
    CARD = "prepaid card"  # sold at checkout: paid from the common pool (or at the desk), a new card lot


class DiscountKind(StrEnum):
    PERCENT = "percent"  # a percentage of the price
    FLAT = "flat"  # an amount off each unit, never more than its price


class Kind(StrEnum):
    CREDIT = "service credit"
    DISCOUNT = "discount"
    MONEY = "monetary credit"
    CARD = "prepaid card"  # a prepaid card the member bought earlier pays


@dataclass(frozen=True)
class Line:
    number: int  # 1, 2, ... as on the invoice
    kind: ItemKind
    quantity: int
    unit_price: Decimal
    service_id: int | None = None
    category: str = ""  # the service's category, for credits and discounts limited to categories
    product: str = ""  # the product's code, for product discounts limited to products
    name: str = ""

    @property
    def gross(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Discount:
    """One discount rule of a membership's plan."""

    id: int
    contract_id: int
    applies_to: ItemKind
    kind: DiscountKind
    value: Decimal  # a percentage (more than 0, at most 100) or an amount off each unit
    services: frozenset[int] = frozenset()  # services and categories both empty: every service
    categories: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()  # products and categories both empty: every product
    label: str = ""  # the rule in words ("20% off category massage")

    def covers(self, line: Line) -> bool:
        if line.kind is not self.applies_to:
            return False
        if line.kind is ItemKind.PRODUCT:
            if not self.products and not self.categories:
                return True
            return line.product in self.products or bool(line.category and line.category in self.categories)
        if not self.services and not self.categories:
            return True
        return line.service_id in self.services or bool(line.category and line.category in self.categories)

    def amount(self, line: Line, units: int, places: int) -> Decimal:
        """Off `units` units of the line, rounded half up to the cent for the line as a whole."""
        if self.kind is DiscountKind.FLAT:
            return min(self.value, line.unit_price) * units
        return _cents(line.unit_price * units * self.value / 100, places)


@dataclass(frozen=True)
class Membership:
    contract_id: int
    label: str  # "M-12 Gold"
    max_per_invoice: Decimal | None = None  # credits or money it may give on one invoice
    points_per_unit: Decimal = ZERO  # points plans: points earned per currency unit paid


@dataclass(frozen=True)
class Benefits:
    """The customer's benefits usable now: the checkout service has already left out lots and
    discounts of memberships that are frozen, expired, waiting between redemptions or unpaid."""

    memberships: tuple[Membership, ...] = ()
    credit_lots: tuple[lots.Lot, ...] = ()
    money_lots: tuple[lots.Lot, ...] = ()
    discounts: tuple[Discount, ...] = ()
    notes: tuple[str, ...] = ()  # why a membership gives nothing now, for the desk
    # Monetary credit left out (on hold, not yet usable, expired): why, and how much.
    held_back: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class Choice:
    """Manual order: what staff apply to one line — service credits, a discount (on what credits
    did not cover), both or neither."""

    line: int
    credits: bool = False
    discount_id: int | None = None


@dataclass(frozen=True)
class Applied:
    kind: Kind
    contract_id: int | None
    amount: Decimal  # money off the line
    rule: str  # the rule that produced it, in words
    units: int = 0  # units of the line it covers (credits, discounts)
    lot_id: int | None = None  # credits and monetary credit: the lot it is taken from
    taken: Decimal = ZERO  # credits or money taken from that lot
    discount_id: int | None = None


@dataclass(frozen=True)
class LineResult:
    line: Line
    applied: tuple[Applied, ...] = ()
    removed: tuple[int, ...] = ()  # discounts staff removed from this line: they never come back

    @property
    def benefits(self) -> Decimal:
        return sum((a.amount for a in self.applied), ZERO)

    @property
    def due(self) -> Decimal:
        return self.line.gross - self.benefits

    def total(self, kind: Kind) -> Decimal:
        return sum((a.amount for a in self.applied if a.kind is kind), ZERO)


@dataclass(frozen=True)
class Posting:
    """A ledger entry the invoice posts: taken from a lot (negative) or points earned (positive)."""

    unit: Unit
    lot_id: int | None  # None: a new lot (points earned)
    contract_id: int | None
    quantity: Decimal
    line: int | None
    rule: str


@dataclass(frozen=True)
class Breakdown:
    order: Order
    lines: tuple[LineResult, ...]
    points: Decimal = ZERO  # earned on what is paid
    points_contract: int | None = None
    points_rule: str = ""
    notes: tuple[str, ...] = ()

    @property
    def gross(self) -> Decimal:
        return sum((r.line.gross for r in self.lines), ZERO)

    def total(self, kind: Kind) -> Decimal:
        return sum((r.total(kind) for r in self.lines), ZERO)

    @property
    def due(self) -> Decimal:
        return sum((r.due for r in self.lines), ZERO)

    def postings(self) -> tuple[Posting, ...]:
        out = [
            Posting(
                Unit.CREDIT if a.kind is Kind.CREDIT else Unit.MONEY,
                a.lot_id,
                a.contract_id,
                -a.taken,
                r.line.number,
                a.rule,
            )
            for r in self.lines
            for a in r.applied
            if a.lot_id is not None
        ]
        if self.points > 0:
            out.append(Posting(Unit.POINTS, None, self.points_contract, self.points, None, self.points_rule))
        return tuple(out)

    def cards(self) -> list[tuple[int, Decimal]]:
        """The prepaid cards the invoice sells: (line, value), one for each unit of a card line."""
        sold = [r.line for r in self.lines if r.line.kind is ItemKind.CARD]
        return [(line.number, line.unit_price) for line in sold for _ in range(line.quantity)]

    def takes(self) -> list[tuple[int, Decimal]]:
        """What to take from each lot, summed over the invoice, in lot id order."""
        summed: dict[int, Decimal] = {}
        for p in self.postings():
            if p.lot_id is not None:
                summed[p.lot_id] = summed.get(p.lot_id, ZERO) - p.quantity
        return sorted(summed.items())

    def contracts(self) -> set[int]:
        """The memberships whose benefits the invoice uses."""
        return {a.contract_id for r in self.lines for a in r.applied if a.contract_id is not None}


def compute(
    lines: Sequence[Line],
    benefits: Benefits,
    order: Order,
    *,
    places: int,
    removed: Iterable[tuple[int, int]] = (),
    choices: Sequence[Choice] = (),
    use_monetary: bool = True,
) -> Breakdown:
    """The invoice's breakdown. `removed` holds the (line, discount) pairs staff removed; `places`
    is the currency's decimals. Invalid choices raise InvalidInput under `choices.<line>`."""
    gone = frozenset(removed)
    chosen = _checked_choices(lines, benefits, order, gone, choices)
    members = {m.contract_id: m for m in benefits.memberships}
    caps = {m.contract_id: m.max_per_invoice for m in benefits.memberships if m.max_per_invoice is not None}
    room = {lot.id: lot.remaining for lot in (*benefits.credit_lots, *benefits.money_lots)}
    credit_lots = sorted(benefits.credit_lots, key=lots.redemption_order)
    results: list[LineResult] = []
    for line in lines:
        use_credits, discount = _plan_line(line, benefits, order, gone, chosen.get(line.number))
        applied: list[Applied] = []
        covered = 0
        if use_credits:
            covered = _credits(line, credit_lots, room, caps, members, applied)
        if discount is not None and line.quantity > covered:
            units = line.quantity - covered
            applied.append(
                Applied(
                    Kind.DISCOUNT,
                    discount.contract_id,
                    discount.amount(line, units, places),
                    discount.label,
                    units=units,
                    discount_id=discount.id,
                )
            )
        removed_here = tuple(sorted(d for n, d in gone if n == line.number))
        results.append(LineResult(line, tuple(applied), removed_here))
    if use_monetary:
        results = _monetary(results, benefits.money_lots, room, caps, members, places)
    unusable = _unusable(results, benefits, room, caps, places=places, use_monetary=use_monetary)
    notes = (*benefits.notes, *unusable)
    earner = next(
        (m for m in sorted(benefits.memberships, key=lambda m: m.contract_id) if m.points_per_unit > 0), None
    )
    breakdown = Breakdown(order, tuple(results), notes=notes)
    if earner is None:
        return breakdown
    points = (breakdown.due * earner.points_per_unit).to_integral_value(rounding=ROUND_FLOOR)
    rule = f"{earner.label}: {formats.count(earner.points_per_unit, 'point')} per 1 paid, rounded down"
    return Breakdown(order, tuple(results), points, earner.contract_id, rule, notes)


def best_discount(
    line: Line, discounts: Iterable[Discount], gone: frozenset[tuple[int, int]]
) -> Discount | None:
    """The discount worth most on the whole line; ties go to the oldest membership, then the rule
    listed first. A discount removed from the line is never chosen."""
    fitting = [d for d in discounts if d.covers(line) and (line.number, d.id) not in gone]
    if not fitting:
        return None
    # Compared at four places, finer than any currency, so rounding never decides a tie.
    return min(fitting, key=lambda d: (-d.amount(line, line.quantity, 4), d.contract_id, d.id))


def describe(discount: Discount, names: Mapping[int, str], membership: str, currency: str) -> str:
    """A discount rule in words: "M-3 Gold: 20% off Massage 60, category facial"."""
    off = (
        f"{discount.value.normalize():f}% off"
        if discount.kind is DiscountKind.PERCENT
        else f"{discount.value} {currency} off each"
    )
    if discount.applies_to is ItemKind.PRODUCT:
        listed = [*sorted(discount.products), *(f"category {c}" for c in sorted(discount.categories))]
        scope = ", ".join(listed) if listed else "every product"
    else:
        parts = [names.get(s, f"service #{s}") for s in sorted(discount.services)]
        parts += [f"category {c}" for c in sorted(discount.categories)]
        scope = ", ".join(parts) if parts else "every service"
    return f"{membership}: {off} {scope}"


# --- internals -----------------------------------------------------------------------------------


def _cents(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _checked_choices(
    lines: Sequence[Line],
    benefits: Benefits,
    order: Order,
    gone: frozenset[tuple[int, int]],
    choices: Sequence[Choice],
) -> dict[int, Choice]:
    errors = Errors("choices.")
    if choices and order is not Order.MANUAL:
        errors.add(
            "order",
            f"This location applies benefits by itself ({order.value}); staff choose them only where the "
            "order is manual. To use a credit instead of a discount, remove the discount.",
        )
        errors.raise_if_any()
    by_number = {line.number: line for line in lines}
    discounts = {d.id: d for d in benefits.discounts}
    chosen: dict[int, Choice] = {}
    for choice in choices:
        where = str(choice.line)
        line = by_number.get(choice.line)
        if line is None:
            errors.add(where, f"The invoice has no line {choice.line}.")
            continue
        if choice.line in chosen:
            errors.add(where, f"Line {choice.line} is chosen for twice.")
            continue
        chosen[choice.line] = choice
        if choice.credits and line.kind is not ItemKind.SERVICE:
            errors.add(where, "Service credits pay only for services.")
        if choice.discount_id is not None:
            discount = discounts.get(choice.discount_id)
            if (choice.line, choice.discount_id) in gone:
                errors.add(where, "This discount was removed from this invoice and cannot be put back.")
            elif discount is None:
                errors.add(where, "That discount is not one of the customer's memberships' discounts.")
            elif not discount.covers(line):
                errors.add(where, f"{discount.label} does not apply to {line.name or f'line {line.number}'}.")
    errors.raise_if_any()
    return chosen


def _plan_line(
    line: Line, benefits: Benefits, order: Order, gone: frozenset[tuple[int, int]], choice: Choice | None
) -> tuple[bool, Discount | None]:
    """Whether the line uses service credits, and which discount applies to what they leave."""
    service = line.kind is ItemKind.SERVICE
    if order is Order.MANUAL:
        if choice is None:
            return False, None
        found = next((d for d in benefits.discounts if d.id == choice.discount_id), None)
        return choice.credits and service, found
    discount = best_discount(line, benefits.discounts, gone)
    if order is Order.CREDITS_FIRST:
        return service, discount
    return service and discount is None, discount


def _credits(
    line: Line,
    ordered: Sequence[lots.Lot],
    room: dict[int, Decimal],
    caps: dict[int, Decimal],
    members: Mapping[int, Membership],
    applied: list[Applied],
) -> int:
    """Cover the line's units one by one with service credits, each unit from one lot; the number
    of units covered."""
    taken: dict[int, tuple[lots.Lot, int, Decimal]] = {}  # lot id -> (lot, units, credits)
    covered = 0
    for _ in range(line.quantity):
        for lot in ordered:
            if not lots.covers(lot, line.service_id, line.category or None):
                continue
            cost = Decimal(lots.cost(lot, line.service_id))
            cap = caps.get(lot.contract_id) if lot.contract_id is not None else None
            if room[lot.id] < cost or (cap is not None and cap < cost):
                continue
            room[lot.id] -= cost
            if cap is not None and lot.contract_id is not None:
                caps[lot.contract_id] = cap - cost
            _, units, credits = taken.get(lot.id, (lot, 0, ZERO))
            taken[lot.id] = (lot, units + 1, credits + cost)
            covered += 1
            break
        else:
            break  # no lot covers another unit
    for lot, units, credits in taken.values():
        per = credits / units
        applied.append(
            Applied(
                Kind.CREDIT,
                lot.contract_id,
                line.unit_price * units,
                f"{_label(members, lot.contract_id)}: service credits, {per.normalize():f} a service "
                f"(lot #{lot.id})",
                units=units,
                lot_id=lot.id,
                taken=credits,
            )
        )
    return covered


_SHARES = {ItemKind.SERVICE: Pool.SERVICES, ItemKind.PRODUCT: Pool.PRODUCTS}


def _paid_from(kind: ItemKind, step: int) -> Pool | None:
    """The pool that pays a line of this kind at each step: its own share, the common pool, then
    the member's prepaid cards (a card buys services and products, never another card)."""
    if step == 0:
        return _SHARES.get(kind)
    if step == 1:
        return Pool.COMMON
    return None if kind is ItemKind.CARD else Pool.CARD


def _monetary(
    results: list[LineResult],
    money_lots: Sequence[lots.Lot],
    room: dict[int, Decimal],
    caps: dict[int, Decimal],
    members: Mapping[int, Membership],
    places: int,
) -> list[LineResult]:
    """Pay what is left of each line with monetary credit: every line from its own share first
    (services or products), then from the common pool, so a service never uses up common credit a
    product on the same invoice could only have paid from there; prepaid cards pay last, as they
    never expire."""
    ordered = sorted(money_lots, key=lots.redemption_order)
    step = Decimal(1).scaleb(-places)
    out = list(results)
    for paying in range(3):
        for i, result in enumerate(out):
            extra: list[Applied] = []
            due = result.due
            wanted = _paid_from(result.line.kind, paying)
            for lot in ordered:
                if due <= 0 or wanted is None:
                    break
                if lot.pool is not wanted:
                    continue
                cap = caps.get(lot.contract_id) if lot.contract_id is not None else None
                amount = min(due, room[lot.id], cap if cap is not None else due)
                amount = amount.quantize(step, rounding=ROUND_DOWN)
                if amount <= 0:
                    continue
                room[lot.id] -= amount
                if cap is not None and lot.contract_id is not None:
                    caps[lot.contract_id] = cap - amount
                due -= amount
                kind = Kind.CARD if lot.pool is Pool.CARD else Kind.MONEY
                rule = _card_rule(lot) if lot.pool is Pool.CARD else _money_rule(members, lot)
                extra.append(Applied(kind, lot.contract_id, amount, rule, lot_id=lot.id, taken=amount))
            if extra:
                out[i] = LineResult(result.line, (*result.applied, *extra), result.removed)
    return out


def _unusable(
    results: Sequence[LineResult],
    benefits: Benefits,
    room: Mapping[int, Decimal],
    caps: Mapping[int, Decimal],
    *,
    places: int,
    use_monetary: bool,
) -> tuple[str, ...]:
    """Why account credit the member holds pays nothing of what is still due, by reason: what
    the service left out (a membership on hold, credit usable later), the member keeps it, a
    membership's maximum per invoice is reached, a share pays only for services or products, a
    card does not buy a card. Nothing when nothing is due."""
    owing = {r.line.kind for r in results if r.due > 0}
    if not owing:
        return ()
    members = {m.contract_id: m for m in benefits.memberships}
    left = dict(benefits.held_back)
    for lot in sorted(benefits.money_lots, key=lambda lot: lot.id):
        if room[lot.id] <= 0:
            continue
        why = _why_unused(lot, owing, caps, members, use_monetary=use_monetary)
        left[why] = left.get(why, ZERO) + room[lot.id]
    return tuple(f"Account credit {_cents(q, places)} not usable: {why}." for why, q in left.items())


def _why_unused(
    lot: lots.Lot,
    owing: set[ItemKind],
    caps: Mapping[int, Decimal],
    members: Mapping[int, Membership],
    *,
    use_monetary: bool,
) -> str:
    owner = _owner(members, lot)
    if not use_monetary:
        return f"{owner}, the member keeps it for later"
    member = members.get(lot.contract_id) if lot.contract_id is not None else None
    if member is not None and member.contract_id in caps and caps[member.contract_id] <= 0:
        return f"{owner} gives at most {member.max_per_invoice} an invoice, reached on this one"
    if lot.pool is Pool.CARD:
        return f"{owner} pays for services and products, not for another prepaid card"
    if lot.pool in (Pool.SERVICES, Pool.PRODUCTS):
        share = lot.pool.value
        by_hand = lot.contract_id is None
        whose = f"the {share} share granted by hand" if by_hand else f"{owner}'s {share} share"
        card = "; prepaid cards are bought from the common pool only" if ItemKind.CARD in owing else ""
        return f"{whose} pays only for {share}{card}"
    return f"{owner}: not usable on what is left"


def _money_rule(members: Mapping[int, Membership], lot: lots.Lot) -> str:
    member = members.get(lot.contract_id) if lot.contract_id is not None else None
    share = "common pool" if lot.pool is Pool.COMMON else f"{lot.pool.value} share"
    limit = f", at most {member.max_per_invoice} an invoice" if member and member.max_per_invoice else ""
    return f"{_label(members, lot.contract_id)}: monetary credit, {share}{limit} (lot #{lot.id})"


def _card_rule(lot: lots.Lot) -> str:
    return f"{lots.card_number(lot.id)} (lot #{lot.id})"


def _owner(members: Mapping[int, Membership], lot: lots.Lot) -> str:
    """Whose monetary credit the lot is: a prepaid card, a membership, or credit granted by hand."""
    if lot.pool is Pool.CARD:
        return f"prepaid card {lots.card_number(lot.id)}"
    return _label(members, lot.contract_id)


def _label(members: Mapping[int, Membership], contract_id: int | None) -> str:
    if contract_id is None:
        return "credit granted by hand"
    member = members.get(contract_id)
    return member.label if member else f"M-{contract_id}"


# --- stored form (a posted invoice keeps its breakdown, so a retried post answers the same) ------


def to_dict(breakdown: Breakdown) -> dict[str, Any]:
    return {
        "order": breakdown.order.value,
        "points": str(breakdown.points),
        "points_contract": breakdown.points_contract,
        "points_rule": breakdown.points_rule,
        "notes": list(breakdown.notes),
        "lines": [
            {
                "line": {
                    "number": r.line.number,
                    "kind": r.line.kind.value,
                    "quantity": r.line.quantity,
                    "unit_price": str(r.line.unit_price),
                    "service_id": r.line.service_id,
                    "category": r.line.category,
                    "product": r.line.product,
                    "name": r.line.name,
                },
                "removed": list(r.removed),
                "applied": [
                    {
                        "kind": a.kind.value,
                        "contract_id": a.contract_id,
                        "amount": str(a.amount),
                        "rule": a.rule,
                        "units": a.units,
                        "lot_id": a.lot_id,
                        "taken": str(a.taken),
                        "discount_id": a.discount_id,
                    }
                    for a in r.applied
                ],
            }
            for r in breakdown.lines
        ],
    }


def from_dict(data: dict[str, Any]) -> Breakdown:
    lines = []
    for r in data["lines"]:
        raw = r["line"]
        line = Line(
            raw["number"],
            ItemKind(raw["kind"]),
            raw["quantity"],
            Decimal(raw["unit_price"]),
            raw["service_id"],
            raw["category"],
            raw["product"],
            raw["name"],
        )
        applied = tuple(
            Applied(
                Kind(a["kind"]),
                a["contract_id"],
                Decimal(a["amount"]),
                a["rule"],
                a["units"],
                a["lot_id"],
                Decimal(a["taken"]),
                a["discount_id"],
            )
            for a in r["applied"]
        )
        lines.append(LineResult(line, applied, tuple(r["removed"])))
    return Breakdown(
        Order(data["order"]),
        tuple(lines),
        Decimal(data["points"]),
        data["points_contract"],
        data["points_rule"],
        tuple(data.get("notes", ())),
    )


@dataclass(frozen=True)
class Difference:
    """Where a fresh computation differs from the preview staff confirmed."""

    line: int | None
    message: str
    missing: tuple[Applied, ...] = field(default=())


def difference(preview: Breakdown, fresh: Breakdown) -> Difference | None:
    """None when the fresh breakdown is the preview's; else the first line that changed, in words."""
    if [r.line for r in preview.lines] != [r.line for r in fresh.lines] or preview.order != fresh.order:
        return Difference(None, "The invoice's lines or its order of benefits differ from the preview.")
    for before, now in zip(preview.lines, fresh.lines, strict=True):
        if before.applied == now.applied:
            continue
        missing = tuple(a for a in before.applied if a not in now.applied)
        name = before.line.name or f"line {before.line.number}"
        if missing:
            what = "; ".join(f"{a.kind.value} {a.amount} ({a.rule})" for a in missing)
            message = (
                f"Line {before.line.number} ({name}): the preview applied {what}, which is no longer "
                "available — it was used or changed meanwhile. Preview the invoice again."
            )
        else:
            message = (
                f"Line {before.line.number} ({name}): its benefits changed since the preview; preview again."
            )
        return Difference(before.line.number, message, missing)
    if preview.points != fresh.points:
        return Difference(None, "The points earned changed since the preview. Preview again.")
    return None
