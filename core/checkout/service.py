"""Checkout: what a member pays for an invoice, as the service functions over storage.

- `preview` computes the breakdown (core/checkout/benefits.py) from the customer's benefits now; it writes
  nothing.
- `post` writes the invoice and its ledger entries in the caller's one transaction. It locks the
  customer, recomputes from the locked lots and refuses (StalePreview) when the result is not the
  preview staff confirmed; under the same key and request it answers again with the first result.
- `remove_discount` takes a discount off a line of an unposted invoice for good.
- `void` gives back the credits and monetary credit a posted invoice used (core/ledger.reverse: a
  lot that expired meanwhile expires again at once) and takes back the points it earned.
- `convert_points` turns points into monetary credit at the plan's value per point.

A line without a price takes the catalogue's: the location's own price, else the list price. A
prepaid card line sells a card (a money lot of the card pool, never expiring, outside every
membership) paid from the common pool; posting writes one card per unit, and a later invoice pays
with it. An invoice whose card was used since cannot be voided.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlmodel import col, select

from core.billing import service as billing
from core.checkout import benefit_terms, benefits
from core.checkout.benefits import (
    Benefits,
    Breakdown,
    Choice,
    Discount,
    DiscountKind,
    ItemKind,
    Line,
    Membership,
)
from core.context import Ctx
from core.credits import grants as credit_grants
from core.credits import ledger, lending, lots
from core.credits import terms as credit_terms
from core.credits.lending import Refusal
from core.credits.lots import Pool, Unit
from core.credits.terms import CreditKind
from core.customers import service as customers
from core.kernel import formats
from core.kernel.errors import Conflict, Errors, InvalidInput, NotFound
from core.kernel.money import amount, minor_digits
from core.kernel.text import clean, clean_reason, fold
from core.memberships.lifecycle import Status
from core.workspace import roles
from core.workspace.roles import Action
from storage import upserts
from storage.tables.catalog import Location, Service, ServicePrice
from storage.tables.checkout import CheckoutInvoice, RemovedDiscount
from storage.tables.credits import CreditLot
from storage.tables.customers import Customer
from storage.tables.memberships import Contract
from storage.tables.plans import PlanVersion

MAX_LINES = 100
MAX_QUANTITY = 1000
CARD_NAME = "Prepaid card"
# Memberships whose discounts and points apply: running, not frozen, not merely sold for later.
EARNING = frozenset({Status.ACTIVE, Status.GRACE})


class StalePreview(Conflict):
    """The customer's benefits changed between the preview and the post; `line` names the line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message, f"lines.{line}" if line is not None else "lines")
        self.line = line


@dataclass(frozen=True)
class Item:
    """A line as staff enter it: a service (by id) or a product (by its code)."""

    kind: ItemKind | str
    quantity: int
    unit_price: Decimal | None  # None: the catalogue's price (the location's, else the list price)
    service_id: int | None = None
    product: str = ""


@dataclass(frozen=True)
class Invoice:
    reference: str  # the invoice number, unique in the workspace
    customer_id: int
    location_id: int
    items: tuple[Item, ...]
    choices: tuple[Choice, ...] = ()  # only where the location's order is manual
    use_monetary_credit: bool = True


@dataclass(frozen=True)
class Card:
    """A prepaid card an invoice sold: its number, its value and what is left on it."""

    number: str
    value: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class Posted:
    invoice_id: int
    reference: str
    status: str  # posted | void
    breakdown: Breakdown
    replayed: bool = False
    cards: tuple[Card, ...] = ()  # the prepaid cards it sold


def preview(ctx: Ctx, invoice: Invoice) -> Breakdown:
    """The invoice's breakdown with the customer's benefits as they are now. Writes nothing."""
    roles.require(ctx, Action.VIEW)
    lines = _validated(ctx, invoice)
    return _compute(ctx, invoice, lines, lock=False)


def post(ctx: Ctx, invoice: Invoice, *, key: str, preview: Breakdown) -> Posted:
    """Post the invoice as previewed: its credits and monetary credit taken from their lots, its
    points earned, all in this transaction. The same key and request answer with the first
    result; the same key with another request is a Conflict."""
    roles.require(ctx, Action.REDEEM)
    lines = _validated(ctx, invoice)
    if not key or len(key) > 200:
        raise InvalidInput.single("key", "An idempotency key of 1 to 200 characters is required.")
    digest = _digest(invoice, lines)
    # Lock the customer before looking for the key: a retry racing the first attempt waits for it
    # and then replays it, instead of recomputing against the balances the first one used.
    if ctx.uow.get(Customer, invoice.customer_id, for_update=True) is None:
        raise InvalidInput.single("customer", f"There is no customer #{invoice.customer_id}.")
    earlier = _by_key(ctx, key)
    if earlier is not None:
        return _replay(ctx, earlier, digest, key)
    if _by_reference(ctx, invoice.reference) is not None:
        raise Conflict(
            f"Invoice {invoice.reference} was already posted; void it or use a new number.", "reference"
        )
    fresh = _compute(ctx, invoice, lines, lock=True)
    found = benefits.difference(preview, fresh)
    if found is not None:
        raise StalePreview(found.message, found.line)
    invoice_id = upserts.insert_if_absent(
        ctx.uow,
        "checkout_invoice",
        {
            "tenant_id": ctx.uow.tenant_id,
            "key": key,
            "request_hash": digest,
            "reference": invoice.reference,
            "customer_id": invoice.customer_id,
            "location_id": invoice.location_id,
            "status": "posted",
            "breakdown": benefits.to_dict(fresh),
            "gross": fresh.gross,
            "due": fresh.due,
            "points": fresh.points,
            "posted_by": ctx.actor,
            "posted_at": ctx.now(),
            "voided_by": "",
            "void_reason": "",
        },
        ["tenant_id", "key"],
    )
    if invoice_id is None:  # the same key, posted for another customer a moment ago
        again = _by_key(ctx, key)
        assert again is not None
        return _replay(ctx, again, digest, key)
    takes = fresh.takes()
    if takes:
        ledger.redeem_lots(
            ctx,
            invoice.customer_id,
            takes,
            key=_benefits_key(invoice_id),
            reference=f"invoice {invoice.reference}",
        )
    if fresh.points > 0 and fresh.points_contract is not None:
        credit_grants.earn_points(
            ctx,
            fresh.points_contract,
            fresh.due,
            key=_points_key(invoice_id),
            reference=f"invoice {invoice.reference}",
        )
    for n, (line, value) in enumerate(fresh.cards(), 1):
        ledger.grant(
            ctx,
            invoice.customer_id,
            Unit.MONEY,
            value,
            key=_card_key(invoice_id, n),
            pool=Pool.CARD,
            source="card",
            reason=f"prepaid card bought on invoice {invoice.reference}, line {line}",
            reference=f"invoice {invoice.reference}",
        )
    ctx.uow.flush()
    return Posted(invoice_id, invoice.reference, "posted", fresh, cards=_cards(ctx, invoice_id, fresh))


def remove_discount(ctx: Ctx, invoice: Invoice, line: int, discount_id: int) -> Breakdown:
    """Take a discount off a line of an invoice not yet posted, so a credit can be used instead;
    it cannot be put back on that invoice. Returns the new preview."""
    roles.require(ctx, Action.REDEEM)
    lines = _validated(ctx, invoice)
    if _by_reference(ctx, invoice.reference) is not None:
        raise Conflict(
            f"Invoice {invoice.reference} is posted; its discounts can no longer change.", "reference"
        )
    current = _compute(ctx, invoice, lines, lock=False)
    result = next((r for r in current.lines if r.line.number == line), None)
    if result is None:
        raise InvalidInput.single("line", f"The invoice has no line {line}.")
    if discount_id not in result.removed:
        if not any(a.discount_id == discount_id for a in result.applied):
            raise Conflict(f"That discount is not applied to line {line}.", "discount")
        upserts.insert_ignoring_duplicates(
            ctx.uow,
            "removed_discount",
            {
                "tenant_id": ctx.uow.tenant_id,
                "reference": invoice.reference,
                "line": line,
                "discount_id": discount_id,
                "removed_by": ctx.actor,
                "removed_at": ctx.now(),
            },
            ["tenant_id", "reference", "line", "discount_id"],
        )
    return _compute(ctx, invoice, lines, lock=False)


def void(ctx: Ctx, reference: str, reason: str) -> Posted:
    """Void a posted invoice: its credits and monetary credit go back to their lots (a lot that
    expired meanwhile expires again at once), the points it earned are taken back (what was
    already converted stays converted). Voiding twice changes nothing."""
    roles.require(ctx, Action.VOID_INVOICES)
    reason = clean_reason(reason, required=True)
    row = _by_reference(ctx, reference, for_update=True)
    if row is None:
        raise NotFound(f"There is no posted invoice {reference}.", "reference")
    breakdown = benefits.from_dict(row.breakdown)
    cards = _cards(ctx, row.id or 0, breakdown)
    if row.status == "void":
        return Posted(row.id or 0, row.reference, row.status, breakdown, replayed=True, cards=cards)
    spent = [c.number for c in cards if c.remaining < c.value]
    if spent:
        raise Conflict(
            f"Invoice {reference} sold {', '.join(spent)}, which has been used since: void the invoices "
            "it paid first.",
            "reference",
        )
    for n in range(1, len(cards) + 1):
        ledger.take_back(ctx, _card_key(row.id or 0, n), f"invoice {reference} voided: {reason}")
    if breakdown.takes():
        ledger.reverse(ctx, _benefits_key(row.id or 0), f"invoice {reference} voided: {reason}")
    if row.points > 0:
        ledger.take_back(ctx, _points_key(row.id or 0), f"invoice {reference} voided: {reason}")
    row.status, row.voided_by, row.voided_at, row.void_reason = "void", ctx.actor, ctx.now(), reason
    ctx.uow.add(row)
    ctx.uow.flush()
    cards = _cards(ctx, row.id or 0, breakdown)
    return Posted(row.id or 0, row.reference, row.status, breakdown, cards=cards)


def get_invoice(ctx: Ctx, reference: str) -> Posted:
    roles.require(ctx, Action.VIEW)
    row = _by_reference(ctx, reference)
    if row is None:
        raise NotFound(f"There is no posted invoice {reference}.", "reference")
    breakdown = benefits.from_dict(row.breakdown)
    cards = _cards(ctx, row.id or 0, breakdown)
    return Posted(row.id or 0, row.reference, row.status, breakdown, cards=cards)


def convert_points(ctx: Ctx, customer_id: int, points: Decimal, *, key: str) -> ledger.LedgerResult:
    """Turn the customer's points into monetary credit (common pool) at the value per point of
    the membership that earns them (the oldest live one whose plan earns points)."""
    roles.require(ctx, Action.REDEEM)
    customers.customer_row(ctx, customer_id)
    earner = next((c for c, _, t in _memberships(ctx, customer_id) if _earns_points(c, t)), None)
    if earner is None:
        raise Conflict("The customer has no live membership whose plan earns points.", "customer")
    return credit_grants.convert_points(ctx, earner.id or 0, points, key=key)


# --- internals -----------------------------------------------------------------------------------


def _benefits_key(invoice_id: int) -> str:
    return f"invoice:{invoice_id}:benefits"


def _points_key(invoice_id: int) -> str:
    return f"invoice:{invoice_id}:points"


def _card_key(invoice_id: int, n: int) -> str:
    return f"invoice:{invoice_id}:card:{n}"


def _cards(ctx: Ctx, invoice_id: int, breakdown: Breakdown) -> tuple[Card, ...]:
    """The prepaid cards the posted invoice sold, as they stand now."""
    found = []
    places = Decimal(1).scaleb(-minor_digits(ctx.tenant.currency))
    for n in range(1, len(breakdown.cards()) + 1):
        for lot in ledger.granted_lots(ctx, _card_key(invoice_id, n)):
            value, left = lot.granted.quantize(places), lot.remaining.quantize(places)
            found.append(Card(lots.card_number(lot.id or 0), value, left))
    return tuple(found)


def _digest(invoice: Invoice, lines: list[Line]) -> str:
    """The request as validated, so "100" and "100.00" are the same price and "lotion" is LOTION."""
    request = {**asdict(invoice), "items": [asdict(line) for line in lines]}
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def _replay(ctx: Ctx, row: CheckoutInvoice, digest: str, key: str) -> Posted:
    if row.request_hash != digest:
        raise Conflict(f"The key {key!r} was already used for a different invoice.", "key")
    breakdown = benefits.from_dict(row.breakdown)
    cards = _cards(ctx, row.id or 0, breakdown)
    return Posted(row.id or 0, row.reference, row.status, breakdown, replayed=True, cards=cards)


def _by_key(ctx: Ctx, key: str) -> CheckoutInvoice | None:
    return ctx.uow.first(ctx.uow.select(CheckoutInvoice).where(col(CheckoutInvoice.key) == key))


def _by_reference(ctx: Ctx, reference: str, *, for_update: bool = False) -> CheckoutInvoice | None:
    query = ctx.uow.select(CheckoutInvoice).where(col(CheckoutInvoice.reference) == reference.strip())
    return ctx.uow.first(query.with_for_update() if for_update else query)


def _validated(ctx: Ctx, invoice: Invoice) -> list[Line]:
    """The invoice's lines, after reporting every problem at once under its field."""
    errors = Errors()
    _check_invoice(ctx, errors, invoice)
    catalogue = _Catalogue.of(ctx, invoice)
    lines: list[Line] = []
    for number, item in enumerate(invoice.items, 1):
        line = _line(ctx, errors, number, item, catalogue)
        if line is not None:
            lines.append(line)
    errors.raise_if_any()
    return lines


@dataclass(frozen=True)
class _Catalogue:
    """The catalogue rows the invoice's lines name: services by id, products by code, and the
    location's own prices."""

    services: dict[int, Service]
    products: dict[str, Service]  # by folded code
    here: dict[int, Decimal]  # service id -> the location's own price

    @classmethod
    def of(cls, ctx: Ctx, invoice: Invoice) -> _Catalogue:
        wanted = {i.service_id for i in invoice.items if i.service_id is not None}
        codes = {fold(i.product) for i in invoice.items if i.product}
        rows = ctx.uow.all(
            ctx.uow.select(Service).where(col(Service.id).in_(wanted) | col(Service.name_key).in_(codes))
        )
        services = {s.id or 0: s for s in rows if s.id in wanted}
        products = {s.name_key: s for s in rows if s.kind == ItemKind.PRODUCT.value and s.name_key in codes}
        ids = [s.id for s in rows]
        prices = ctx.uow.all(
            ctx.uow.select(ServicePrice).where(
                col(ServicePrice.location_id) == invoice.location_id, col(ServicePrice.service_id).in_(ids)
            )
        )
        return cls(services, products, {p.service_id: p.price for p in prices})

    def row(self, item: Item) -> Service | None:
        if item.service_id is not None:
            return self.services.get(item.service_id)
        return self.products.get(fold(item.product)) if item.product else None

    def price(self, row: Service | None) -> Decimal | None:
        """The location's own price, else the list price; None: priced at the desk."""
        if row is None:
            return None
        return self.here.get(row.id or 0, row.price)


def _check_invoice(ctx: Ctx, errors: Errors, invoice: Invoice) -> None:
    """What the whole invoice needs: its number, a known customer and location, 1 to MAX_LINES lines."""
    reference = clean(
        errors, "reference", invoice.reference, label="The invoice number", max_length=40, required=True
    )
    if reference and reference != invoice.reference:
        errors.add("reference", "The invoice number has spaces around it or inside it.")
    if ctx.uow.get(Customer, invoice.customer_id) is None:
        errors.add("customer", f"There is no customer #{invoice.customer_id}.")
    if ctx.uow.get(Location, invoice.location_id) is None:
        errors.add("location", f"There is no location #{invoice.location_id}.")
    if not invoice.items:
        errors.add("lines", "An invoice needs at least one line.")
    if len(invoice.items) > MAX_LINES:
        errors.add("lines", f"An invoice has at most {MAX_LINES} lines.")


def _line(ctx: Ctx, errors: Errors, number: int, item: Item, catalogue: _Catalogue) -> Line | None:
    """One line as checkout prices it; None when it has a problem (recorded under lines.<number>.)."""
    e = Errors(f"lines.{number}.")
    kind: ItemKind | None = None  # unknown: no checks that depend on it
    try:
        kind = ItemKind(item.kind)
    except ValueError:
        e.add("kind", f"{item.kind!r} is not service, product or prepaid card.")
    if (
        not isinstance(item.quantity, int)
        or isinstance(item.quantity, bool)
        or not 1 <= item.quantity <= MAX_QUANTITY
    ):
        e.add("quantity", f"The quantity is a whole number from 1 to {MAX_QUANTITY}.")
    row = catalogue.row(item)
    service = row if item.service_id is not None else None
    code = benefit_terms.product_code(item.product)
    price = _price(ctx, e, item, kind, row, catalogue, name=row.name if row else code)
    if kind is ItemKind.SERVICE:
        _check_service_line(e, item, service, code)
    elif kind is ItemKind.PRODUCT:
        _check_product_line(e, item, code)
    elif kind is ItemKind.CARD:
        _check_card_line(e, item)
    if row is not None and not row.active:
        e.add("service", f"{row.name} is disabled in the catalogue: it cannot be sold.")
    errors.extend(e.items)
    if e or kind is None:
        return None
    return Line(
        number,
        kind,
        item.quantity,
        price,
        service_id=item.service_id if service else None,
        category=row.category if row is not None else "",  # a service's or a catalogue product's
        product=code,
        name=CARD_NAME if kind is ItemKind.CARD else service.name if service else code,
    )


def _price(
    ctx: Ctx,
    e: Errors,
    item: Item,
    kind: ItemKind | None,
    row: Service | None,
    catalogue: _Catalogue,
    *,
    name: str,
) -> Decimal:
    """The price typed, else the catalogue's (the location's own, else the list price)."""
    typed = item.unit_price if item.unit_price is not None else catalogue.price(row)
    if typed is None:
        if kind is ItemKind.CARD:
            e.add("unit_price", "A prepaid card needs its value as its price, e.g. 225.")
        elif kind is not None:
            said = f"{name or 'This line'} has no price here nor in the catalogue: give its price."
            e.add("unit_price", said)
        return Decimal(0)
    before = len(e.items)
    price = amount(e, "unit_price", typed, label="The unit price", currency=ctx.tenant.currency)
    if kind is ItemKind.CARD and price <= 0 and len(e.items) == before:
        e.add("unit_price", "A prepaid card is worth more than zero.")
    return price


def _check_service_line(e: Errors, item: Item, service: Service | None, code: str) -> None:
    if service is None:
        e.add(
            "service",
            "Choose a service." if item.service_id is None else f"There is no service #{item.service_id}.",
        )
    if code:
        e.add("product", "A service line has no product.")


def _check_card_line(e: Errors, item: Item) -> None:
    if item.service_id is not None or item.product:
        e.add("kind", "A prepaid card line names no service or product.")


def _check_product_line(e: Errors, item: Item, code: str) -> None:
    if not code or len(code) > 40:
        e.add("product", "A product line needs a product code of at most 40 characters.")
    if item.service_id is not None:
        e.add("service", "A product line has no service.")


def _compute(ctx: Ctx, invoice: Invoice, lines: list[Line], *, lock: bool) -> Breakdown:
    order = benefit_terms.benefit_order(ctx, invoice.location_id)
    removed = [
        (r.line, r.discount_id)
        for r in ctx.uow.all(
            ctx.uow.select(RemovedDiscount).where(col(RemovedDiscount.reference) == invoice.reference)
        )
    ]
    found = _benefits(ctx, invoice.customer_id, lock=lock)
    return benefits.compute(
        lines,
        found,
        order,
        places=minor_digits(ctx.tenant.currency),
        removed=removed,
        choices=invoice.choices,
        use_monetary=invoice.use_monetary_credit,
    )


def _memberships(
    ctx: Ctx, customer_id: int
) -> list[tuple[Contract, PlanVersion | None, credit_terms.CreditTerms | None]]:
    """The customer's memberships, oldest first, with their plan versions and credit terms."""
    query = (
        select(Contract, PlanVersion)
        .outerjoin(PlanVersion, col(PlanVersion.id) == col(Contract.plan_version_id))
        .where(col(Contract.tenant_id) == ctx.uow.tenant_id, col(Contract.customer_id) == customer_id)
        .order_by(col(Contract.id))
    )
    return [
        (c, v, None if v is None or v.credit_terms is None else credit_terms.from_dict(v.credit_terms))
        for c, v in ctx.uow.session.exec(query)
    ]


def _earns_points(contract: Contract, terms: credit_terms.CreditTerms | None) -> bool:
    return Status(contract.status) in EARNING and terms is not None and terms.kind is CreditKind.POINTS


def _benefits(ctx: Ctx, customer_id: int, *, lock: bool) -> Benefits:
    """The customer's benefits usable now. A membership that is frozen (or otherwise not running),
    waiting between redemptions, or has an overdue charge under enforce billing lends nothing
    (core/credits/lending.py decides, as for a redemption)."""
    now = ctx.now()
    members: list[Membership] = []
    notes: list[str] = []
    blocked: dict[int, str] = {}  # memberships whose credits cannot be used now, and why
    versions: dict[int, int] = {}  # memberships whose discounts apply now, with their plan versions
    held = _memberships(ctx, customer_id)
    unpaid = billing.unpaid_memberships(ctx, [contract.id or 0 for contract, _, _ in held])
    for contract, version, terms in held:
        cid = contract.id or 0
        name = version.name if version else "membership"
        status = Status(contract.status)
        why = lending.refusal(status, terms, contract.last_redeemed_at, now, overdue=cid in unpaid)
        if why is Refusal.NOT_RUNNING or why is Refusal.OVERDUE:
            notes.extend(_on_hold(ctx, cid, name, status, why))
            held_by = "has an overdue charge" if why is Refusal.OVERDUE else f"is {status.label}"
            blocked[cid] = f"M-{cid} {name} {held_by}"
            continue
        members.append(_member(contract, name, terms))
        if why is Refusal.WAITING:
            again = lending.lends_again_at(terms, contract.last_redeemed_at)
            assert again is not None, "a membership waits until a time"
            again = again.astimezone(ctx.tz)
            notes.append(f"M-{cid} {name}: its credits can be used again from {formats.moment(again)}.")
            blocked[cid] = f"M-{cid} {name} waits between redemptions until {formats.moment(again)}"
        if status in EARNING and version is not None:
            versions[cid] = version.id or 0
    credit_lots, money_lots, held_back = _usable_lots(ctx, customer_id, blocked, now, lock=lock)
    discounts = _discounts(ctx, versions, {m.contract_id: m.label for m in members})
    return Benefits(
        tuple(members), tuple(credit_lots), tuple(money_lots), tuple(discounts), tuple(notes), held_back
    )


def _on_hold(ctx: Ctx, contract_id: int, name: str, status: Status, why: Refusal) -> list[str]:
    """What the preview says of a membership whose benefits are on hold."""
    if why is Refusal.OVERDUE:
        overdue = billing.payment_overdue(ctx, contract_id)
        assert overdue is not None, "an unpaid membership has an overdue charge"
        # Its benefits wait until the charge is paid; preview and post agree on it.
        return [f"{overdue.message} Its benefits apply again once it is paid."]
    if status is Status.FROZEN:
        return [f"M-{contract_id} {name} is frozen: its benefits are on hold."]
    return []


def _member(contract: Contract, name: str, terms: credit_terms.CreditTerms | None) -> Membership:
    earns = _earns_points(contract, terms) and terms is not None
    return Membership(
        contract.id or 0,
        f"M-{contract.id or 0} {name}",
        max_per_invoice=terms.max_per_redemption if terms else None,
        points_per_unit=terms.points_per_unit if earns and terms else Decimal(0),
    )


def _usable_lots(
    ctx: Ctx, customer_id: int, blocked: dict[int, str], now: datetime, *, lock: bool
) -> tuple[list[lots.Lot], list[lots.Lot], tuple[tuple[str, Decimal], ...]]:
    """The credit lots and the monetary credit lots usable now: those outside a membership, and
    those of the memberships that lend (not `blocked`); and the monetary credit left out, by why."""
    credit_lots: list[lots.Lot] = []
    money_lots: list[lots.Lot] = []
    held_back: dict[str, Decimal] = {}
    for row in _open_lots(ctx, customer_id, lock=lock):
        view = ledger.as_lot(row)
        why = _not_usable(ctx, row, view, blocked, now)
        if why:
            if row.unit == lots.Unit.MONEY.value:
                held_back[why] = held_back.get(why, Decimal(0)) + row.remaining
            continue
        (credit_lots if row.unit == lots.Unit.CREDIT.value else money_lots).append(view)
    return credit_lots, money_lots, tuple(held_back.items())


def _not_usable(ctx: Ctx, row: CreditLot, view: lots.Lot, blocked: dict[int, str], now: datetime) -> str:
    """Why the lot cannot be used now ("": it can)."""
    if row.contract_id is not None and row.contract_id in blocked:
        return blocked[row.contract_id]
    if view.usable_from > now:
        return f"usable from {formats.day(view.usable_from.astimezone(ctx.tz))}"
    if view.expires_at is not None and view.expires_at <= now:
        return f"expired on {formats.day(view.expires_at.astimezone(ctx.tz))}"
    return ""


def _discounts(ctx: Ctx, versions: dict[int, int], labels: dict[int, str]) -> list[Discount]:
    """The discounts of each membership that gives them now, labelled for the preview: at the
    membership's own amount where a manager set one, else the plan's."""
    rules = benefit_terms.discounts_of(ctx, versions.values())
    own = benefit_terms.member_values(ctx, versions) if rules else {}
    names = {s.id or 0: s.name for s in ctx.uow.all(ctx.uow.select(Service))} if rules else {}
    discounts = []
    for cid in sorted(versions):
        for rule in rules.get(versions[cid], []):
            d = Discount(
                rule.id or 0,
                cid,
                ItemKind(rule.applies_to),
                DiscountKind(rule.kind),
                own.get((cid, rule.id or 0), rule.value),
                frozenset(rule.services),
                frozenset(rule.categories),
                frozenset(rule.products),
            )
            label = benefits.describe(d, names, labels[cid], ctx.tenant.currency)
            discounts.append(replace(d, label=label))
    return discounts


def _open_lots(ctx: Ctx, customer_id: int, *, lock: bool) -> list[CreditLot]:
    """Open credit and money lots, locked in id order when posting (the ledger's lock order)."""
    query = (
        ctx.uow.select(CreditLot)
        .where(
            col(CreditLot.customer_id) == customer_id,
            col(CreditLot.remaining) > 0,
            col(CreditLot.unit).in_([lots.Unit.CREDIT.value, lots.Unit.MONEY.value]),
        )
        .order_by(col(CreditLot.id))
        .execution_options(populate_existing=True)  # remaining changes by SQL, not through the ORM
    )
    return list(ctx.uow.all(query.with_for_update() if lock else query))
