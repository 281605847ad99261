"""The credit program a plan sells: what is granted, how often, how long it lasts, and the rules
for using it. Part of the sold terms: fixed once a plan has a membership (only whether credits
may be transferred can still change, as in Zenoti)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any

from core.kernel.errors import Errors
from core.kernel.money import amount

MAX_CREDITS = Decimal(10_000)
MAX_DAYS = 3650


class CreditKind(StrEnum):
    SERVICE = "service"  # whole credits, each worth a service (or less, with an equality template)
    MONETARY = "monetary"  # an amount in the workspace's currency
    POINTS = "points"  # earned per currency unit paid, converted to monetary credit


class Frequency(StrEnum):
    EVERY_N_DAYS = "every-n-days"
    BILLING_PERIOD = "billing-period"  # each period of the plan's billing type
    ONCE = "once"  # once for the whole term


class Expiry(StrEnum):
    DAYS = "days"  # a lot expires a number of days after it becomes usable
    NEVER = "never"
    MEMBERSHIP_END = "membership-end"


# What a change may touch once sold; everything else in the credit terms is fixed.
CHANGEABLE_AFTER_SALE = frozenset({"transferable"})


@dataclass(frozen=True)
class CreditTerms:
    kind: CreditKind
    per_period: Decimal = Decimal(0)  # credits or amount granted each period (points: none)
    frequency: Frequency = Frequency.BILLING_PERIOD
    every_days: int = 30  # with Frequency.EVERY_N_DAYS
    expiry: Expiry = Expiry.NEVER
    expiry_days: int = 0  # with Expiry.DAYS
    initial: Decimal = Decimal(0)  # granted once on approval, usable at once
    # Service credits: the services (ids) or categories they are good for; both empty: any service.
    services: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    equality_template_id: int | None = None
    # Monetary credit: the share of each period's amount for services and for products; the rest is
    # the common pool, the only one that may buy prepaid cards.
    for_services: Decimal = Decimal(0)
    for_products: Decimal = Decimal(0)
    # Points: earned per currency unit paid, and what one point is worth when converted.
    points_per_unit: Decimal = Decimal(0)
    point_value: Decimal = Decimal(0)
    # Rules of use.
    wait_days: int = 0  # days between two redemptions from the same membership
    max_per_redemption: Decimal | None = None  # per invoice or visit
    ends_when_used_up: bool = False
    transferable: bool = False
    anniversary_amount: Decimal = Decimal(0)  # monetary credit after each completed membership year

    @property
    def unit(self) -> str:
        return {CreditKind.SERVICE: "credit", CreditKind.MONETARY: "money", CreditKind.POINTS: "points"}[
            self.kind
        ]


def validated(errors: Errors, terms: CreditTerms, currency: str, prefix: str = "credits.") -> CreditTerms:
    """The terms with amounts normalised, after recording every problem under `prefix`."""
    e = Errors(prefix)
    try:
        kind = CreditKind(terms.kind)
    except ValueError:
        e.add("kind", f"{terms.kind!r} is not a kind of credit; use service, monetary or points.")
        kind = CreditKind.SERVICE

    def quantity(name: str, value: Decimal, label: str) -> Decimal:
        if kind is CreditKind.MONETARY:
            return amount(e, name, value, label=label, currency=currency)
        if not isinstance(value, Decimal) or value < 0 or value != value.to_integral_value():
            e.add(name, f"{label} must be a whole number of credits.")
            return Decimal(0)
        if value > MAX_CREDITS:
            e.add(name, f"{label} of {value} is too many (at most {MAX_CREDITS}).")
        return value.quantize(Decimal(1))

    per_period = (
        quantity("per_period", terms.per_period, "Credits per period")
        if kind is not CreditKind.POINTS
        else Decimal(0)
    )
    initial = (
        quantity("initial", terms.initial, "Initial credits") if kind is not CreditKind.POINTS else Decimal(0)
    )
    _check_timing(e, terms)
    cap = terms.max_per_redemption
    if cap is not None:
        cap = quantity("max_per_redemption", cap, "The maximum per redemption")
        if cap <= 0:
            e.add("max_per_redemption", "The maximum per redemption must be more than zero (or none).")
    for_services = amount(
        e, "for_services", terms.for_services, label="The share for services", currency=currency
    )
    for_products = amount(
        e, "for_products", terms.for_products, label="The share for products", currency=currency
    )
    if kind is not CreditKind.MONETARY and (for_services or for_products):
        e.add(
            "for_services", "Only monetary credit is shared between services, products and the common pool."
        )
    elif for_services + for_products > per_period:
        e.add(
            "for_services", "The shares for services and products add up to more than the amount per period."
        )
    if kind is not CreditKind.SERVICE and (terms.services or terms.categories or terms.equality_template_id):
        e.add("services", "Only service credits can be limited to services or categories.")
    points_per_unit = terms.points_per_unit
    point_value = amount(e, "point_value", terms.point_value, label="The value of a point", currency=currency)
    if kind is CreditKind.POINTS and (points_per_unit <= 0 or points_per_unit > 1000 or point_value <= 0):
        e.add(
            "points_per_unit",
            "Points need a rate earned per currency unit (up to 1000) and a value per point.",
        )
    anniversary = amount(
        e, "anniversary_amount", terms.anniversary_amount, label="The anniversary credit", currency=currency
    )
    errors.extend(e.items)
    return CreditTerms(
        kind=kind,
        per_period=per_period,
        frequency=terms.frequency,
        every_days=terms.every_days,
        expiry=terms.expiry,
        expiry_days=terms.expiry_days,
        initial=initial,
        services=tuple(sorted(set(terms.services))),
        categories=tuple(sorted(set(terms.categories))),
        equality_template_id=terms.equality_template_id,
        for_services=for_services,
        for_products=for_products,
        points_per_unit=points_per_unit,
        point_value=point_value,
        wait_days=terms.wait_days,
        max_per_redemption=cap,
        ends_when_used_up=terms.ends_when_used_up,
        transferable=terms.transferable,
        anniversary_amount=anniversary,
    )


def _check_timing(e: Errors, terms: CreditTerms) -> None:
    """How often credits come, how long they last, and the wait between two redemptions."""
    for name, enum in (("frequency", Frequency), ("expiry", Expiry)):
        try:
            enum(getattr(terms, name))
        except ValueError:
            e.add(name, f"{getattr(terms, name)!r} is not one of {', '.join(x.value for x in enum)}.")
    if terms.frequency == Frequency.EVERY_N_DAYS and not 1 <= terms.every_days <= MAX_DAYS:
        e.add("every_days", f"Credits can come every 1 to {MAX_DAYS} days.")
    if terms.expiry == Expiry.DAYS and not 1 <= terms.expiry_days <= MAX_DAYS:
        e.add("expiry_days", f"Credits can last 1 to {MAX_DAYS} days.")
    if not 0 <= terms.wait_days <= 365:
        e.add("wait_days", "The wait between redemptions must be 0 to 365 days.")


def changed_fixed_fields(before: CreditTerms | None, after: CreditTerms | None) -> list[str]:
    """The credit fields a change touches that may not change once a plan is sold."""
    if before is None or after is None:
        return [] if before == after else ["credits"]
    return [
        f.name
        for f in fields(CreditTerms)
        if f.name not in CHANGEABLE_AFTER_SALE and getattr(before, f.name) != getattr(after, f.name)
    ]


def to_dict(terms: CreditTerms) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(CreditTerms):
        value = getattr(terms, f.name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, StrEnum):
            value = value.value
        out[f.name] = value
    return out


def from_dict(data: dict[str, Any]) -> CreditTerms:
    """Terms stored by `to_dict` (trusted: they were validated before being stored)."""

    def dec(name: str) -> Decimal:
        return Decimal(str(data.get(name) or 0))

    cap = data.get("max_per_redemption")
    return CreditTerms(
        kind=CreditKind(data["kind"]),
        per_period=dec("per_period"),
        frequency=Frequency(data["frequency"]),
        every_days=int(data["every_days"]),
        expiry=Expiry(data["expiry"]),
        expiry_days=int(data["expiry_days"]),
        initial=dec("initial"),
        services=tuple(data.get("services", ())),
        categories=tuple(data.get("categories", ())),
        equality_template_id=data.get("equality_template_id"),
        for_services=dec("for_services"),
        for_products=dec("for_products"),
        points_per_unit=dec("points_per_unit"),
        point_value=dec("point_value"),
        wait_days=int(data["wait_days"]),
        max_per_redemption=None if cap is None else Decimal(str(cap)),
        ends_when_used_up=bool(data["ends_when_used_up"]),
        transferable=bool(data["transferable"]),
        anniversary_amount=dec("anniversary_amount"),
    )
