"""Checkout's use cases as the desk asks for them: preview an invoice, post it as previewed (or say
what changed since), take a discount off a line, void an invoice, show one, turn points into
monetary credit, and set a location's order of benefits. Each runs in one unit of work; this is
where checkout meets the catalogue, customers and the ledger."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from core.catalog import locations as catalog
from core.catalog import services
from core.checkout import benefit_terms, benefits
from core.checkout import service as checkout
from core.checkout.benefits import Breakdown, ItemKind, Order
from core.checkout.service import CARD_NAME, Invoice, Item, Posted, StalePreview
from core.context import Ctx
from core.credits import ledger
from core.credits.lots import Pool, Unit
from core.customers import service as customers
from core.kernel.errors import InvalidInput, NotFound
from core.kernel.text import fold
from core.workspace import roles
from core.workspace.roles import Action


class InvalidLines(InvalidInput):
    """The invoice's preview was refused; errors under "lines.<n>..." concern the line numbered n."""


@dataclass(frozen=True)
class Typed:
    """A line as typed: a service by its name, a prepaid card, anything else a one-word product
    code; no price: the catalogue's."""

    quantity: int
    price: Decimal | None
    name: str


@dataclass(frozen=True)
class NoLocation:
    """The location named is not one (`named`), or none was named and none is the customer's."""

    named: str | None
    names: list[str]  # every location there is


@dataclass(frozen=True)
class Preview:
    invoice: Invoice
    breakdown: Breakdown
    customer: str  # the customer's label
    location: str  # the location's name
    currency: str


@dataclass(frozen=True)
class Change:
    """What differs from the preview shown: the number of lines, a line, the points, or what core
    found under the customer's lock (`message`)."""

    lines: bool = False
    line: tuple[int, str] | None = None  # its number and name
    points: bool = False
    message: str = ""


@dataclass(frozen=True)
class Stale:
    change: Change
    preview: Preview  # the invoice previewed afresh


@dataclass(frozen=True)
class PostedInvoice:
    posted: Posted
    customer: str
    location: str
    currency: str


@dataclass(frozen=True)
class Shown:
    posted: Posted
    currency: str


@dataclass(frozen=True)
class PointsWorth:
    have: Decimal  # the customer's points
    worth: Decimal  # what converting them would give
    currency: str


@dataclass(frozen=True)
class Converted:
    result: ledger.LedgerResult
    points_left: Decimal
    common: Decimal  # monetary credit in the common pool after it
    customer: str
    currency: str


@dataclass(frozen=True)
class OrderSet:
    location: str
    order: Order


@dataclass(frozen=True)
class FormChoices:
    locations: list[tuple[int, str]]  # empty: there is none yet
    customer: tuple[int, str] | None  # the customer chosen, and its label
    location: int | None  # the location chosen, else the customer's own, else the only one


def fingerprint(breakdown: Breakdown) -> tuple[str, ...]:
    """A short digest of what each line of the breakdown applied, then of its points."""
    stored = benefits.to_dict(breakdown)

    def digest(value: Any) -> str:
        return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:10]

    return (*(digest(line) for line in stored["lines"]), digest([stored["points"], stored["points_rule"]]))


def items(ctx: Ctx, typed: list[Typed]) -> list[Item | None]:
    """Each line as an invoice item: a prepaid card ("prepaid card"), the service of that name (a
    catalogue product's name is its code), else a product of that code; None for a name of
    several words that is none of them."""
    found: list[Item | None] = []
    for t in typed:
        if fold(t.name) == fold(CARD_NAME):
            found.append(Item(ItemKind.CARD, t.quantity, t.price))
            continue
        service = services.find_service(ctx, t.name)
        if service is not None and service.kind is services.ServiceKind.PRODUCT:  # its name is its code
            found.append(Item(ItemKind.PRODUCT, t.quantity, t.price, product=service.name))
        elif service is not None:
            found.append(Item(ItemKind.SERVICE, t.quantity, t.price, service_id=service.id))
        elif " " in t.name:
            found.append(None)
        else:
            found.append(Item(ItemKind.PRODUCT, t.quantity, t.price, product=t.name))
    return found


def first_sold(ctx: Ctx, names: list[str]) -> int | None:
    """The index of the first name that is a prepaid card or a service or product of the
    catalogue (how `/checkout Café Müller Massage 60` finds where the customer ends)."""
    roles.require(ctx, Action.VIEW)
    for index, name in enumerate(names):
        if fold(name) == fold(CARD_NAME) or services.find_service(ctx, name) is not None:
            return index
    return None


def choose_location(ctx: Ctx, where: str | None, home: str) -> int | NoLocation:
    """The location named, else the customer's own (`home`), else the only one there is."""
    known = catalog.locations(ctx)
    names = [loc.name for loc in known]
    if where:
        found = catalog.find_location(ctx, where.strip())
        return NoLocation(where.strip(), names) if found is None else found.id or 0
    found = catalog.find_location(ctx, home) if home else None
    if found is not None:
        return found.id or 0
    if len(known) == 1:
        return known[0].id or 0
    return NoLocation(None, names)


def preview(ctx: Ctx, invoice: Invoice) -> Preview:
    """The invoice's breakdown with the customer's benefits as they are now. Writes nothing."""
    try:
        shown = checkout.preview(ctx, invoice)
    except InvalidInput as error:
        raise InvalidLines(error.errors) from None
    return Preview(_priced(invoice, shown), shown, *_shown_as(ctx, invoice), ctx.tenant.currency)


def _priced(invoice: Invoice, shown: Breakdown) -> Invoice:
    """The invoice with the catalogue's price on each line typed without one, so the Post button
    posts the prices the preview showed."""
    priced = tuple(
        item if item.unit_price is not None else replace(item, unit_price=result.line.unit_price)
        for item, result in zip(invoice.items, shown.lines, strict=True)
    )
    return replace(invoice, items=priced)


def preview_at(
    ctx: Ctx, where: str | None, home: str, reference: str, customer_id: int, lines: tuple[Item, ...]
) -> Preview | NoLocation:
    """The preview of a new invoice at the location named (else the customer's own, else the only
    one)."""
    location = choose_location(ctx, where, home)
    if isinstance(location, NoLocation):
        return location
    return preview(ctx, Invoice(reference, customer_id, location, lines))


def post(ctx: Ctx, invoice: Invoice, *, key: str, seen: tuple[str, ...]) -> PostedInvoice | Stale:
    """Post the invoice as previewed (`seen`: the preview's fingerprint) — once, however often
    asked: the key replays it — or say what changed since, with a fresh preview."""
    roles.require(ctx, Action.REDEEM)  # before anything is read
    earlier = _posted(ctx, invoice.reference)
    if earlier is not None:  # asked again: the key replays it (or refuses another request)
        return _posted_invoice(ctx, invoice, checkout.post(ctx, invoice, key=key, preview=earlier.breakdown))
    fresh = preview(ctx, invoice).breakdown
    change = _change(seen, fresh)
    if change is None:
        try:
            return _posted_invoice(ctx, invoice, checkout.post(ctx, invoice, key=key, preview=fresh))
        except StalePreview as stale:
            change = Change(message=stale.message)
    return Stale(change, preview(ctx, invoice))


def remove_discount(ctx: Ctx, invoice: Invoice, line: int, discount_id: int) -> Preview:
    """Take the discount off the line for good; the preview after it."""
    checkout.remove_discount(ctx, invoice, line, discount_id)
    return preview(ctx, invoice)


def void(ctx: Ctx, typed: str, reason: str) -> Posted:
    """Void the invoice (`inv-12` reads as INV-12); managers and admins."""
    roles.require(ctx, Action.VOID_INVOICES)  # before anything is read
    return checkout.void(ctx, _invoice(ctx, typed).reference, reason)


def show(ctx: Ctx, typed: str) -> Shown:
    return Shown(_invoice(ctx, typed), ctx.tenant.currency)


def points_worth(ctx: Ctx, customer_id: int, points: Decimal, *, key: str) -> PointsWorth:
    """What converting the points would give: the conversion itself, for the caller to roll back
    (so the answer is refused exactly as the conversion would be)."""
    have = ledger.balance(ctx, customer_id).total(Unit.POINTS)
    currency = ctx.tenant.currency
    worth = checkout.convert_points(ctx, customer_id, points, key=key).total
    return PointsWorth(have, worth, currency)


def convert_points(ctx: Ctx, customer_id: int, points: Decimal, *, key: str) -> Converted:
    result = checkout.convert_points(ctx, customer_id, points, key=key)
    balance = ledger.balance(ctx, customer_id)
    name = customers.get_customer(ctx, customer_id).label
    common = balance.available.get((Unit.MONEY, Pool.COMMON), Decimal(0))
    return Converted(result, balance.total(Unit.POINTS), common, name, ctx.tenant.currency)


def set_order(ctx: Ctx, where: str, order: str) -> OrderSet | NoLocation:
    """The location's order of benefits (admins)."""
    roles.require(ctx, Action.MANAGE_SETTINGS)  # before anything is read
    location = choose_location(ctx, where, "")
    if isinstance(location, NoLocation):
        return location
    chosen = benefit_terms.set_benefit_order(ctx, location, order)
    return OrderSet(catalog.location(ctx, location).name, chosen)


def form_choices(ctx: Ctx, customer_id: int | None, where: str | None) -> FormChoices:
    """What the checkout form offers: every location, the customer chosen and where (as
    choose_location picks it; a name that is no location is as if none was typed)."""
    roles.require(ctx, Action.VIEW)  # anyone with a role previews
    places = [(loc.id or 0, loc.name) for loc in catalog.locations(ctx)]
    if not places:
        return FormChoices([], None, None)
    chosen = customers.get_customer(ctx, customer_id) if customer_id else None
    home = chosen.location if chosen else ""
    location = choose_location(ctx, where, home)
    if isinstance(location, NoLocation) and where:
        location = choose_location(ctx, None, home)
    picked = None if isinstance(location, NoLocation) else location
    return FormChoices(places, (chosen.id, chosen.label) if chosen else None, picked)


def _change(seen: tuple[str, ...], fresh: Breakdown) -> Change | None:
    now = fingerprint(fresh)
    if len(seen) != len(now):
        return Change(lines=True)
    for result, before, after in zip(fresh.lines, seen, now, strict=False):
        if before != after:
            return Change(line=(result.line.number, result.line.name))
    if seen[-1] != now[-1]:
        return Change(points=True)
    return None


def _posted(ctx: Ctx, reference: str) -> Posted | None:
    try:
        return checkout.get_invoice(ctx, reference)
    except NotFound:
        return None


def _posted_invoice(ctx: Ctx, invoice: Invoice, done: Posted) -> PostedInvoice:
    return PostedInvoice(done, *_shown_as(ctx, invoice), ctx.tenant.currency)


def _shown_as(ctx: Ctx, invoice: Invoice) -> tuple[str, str]:
    """The invoice's customer and location as the answers name them: its label, its name."""
    customer = customers.get_customer(ctx, invoice.customer_id)
    return customer.label, catalog.location(ctx, invoice.location_id).name


def _invoice(ctx: Ctx, typed: str) -> Posted:
    try:
        return checkout.get_invoice(ctx, typed)
    except NotFound:
        if typed.upper() == typed:
            raise
        return checkout.get_invoice(ctx, typed.upper())
