"""Customers as the desk asks for them where another domain is involved: the add-a-customer form
offers the workspace's locations; correcting a customer finds them through the one lookup."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import overload

from core.catalog import locations as catalog
from core.context import Ctx
from core.customers.lookup import Lookup, find_customer, the_customer
from core.customers.service import (
    CustomerInput,
    CustomerView,
    get_customer,
    search_customers,
    update_customer,
)
from core.workspace import roles
from core.workspace.roles import Action

EDITABLE = ("company", "contact", "email", "phone", "location", "notes")  # in the form's order


@dataclass(frozen=True)
class CustomerChanges:
    """New values for a customer; None keeps the field as it is, "" clears it."""

    company: str | None = None
    contact: str | None = None
    email: str | None = None
    phone: str | None = None
    location: str | None = None  # a location's name
    notes: str | None = None
    unsubscribed: bool | None = None  # no member e-mail (core/mail/service.py)


MAIL = "unsubscribed"  # the change of the unsubscribe flag: before and after are "yes" or ""


@dataclass(frozen=True)
class Change:
    field: str  # one of EDITABLE, or MAIL
    before: str  # "" when it was empty
    after: str  # "" when it is cleared


@dataclass(frozen=True)
class CustomerEdited:
    before: CustomerView
    customer: CustomerView  # as saved
    changes: tuple[Change, ...]  # in the form's order; empty when nothing changed


@dataclass(frozen=True)
class CustomerToEdit:
    customer: CustomerView
    locations: list[str]  # what the form offers, by name


def new_customer_locations(ctx: Ctx) -> list[str]:
    """The locations a new customer may belong to, by name; only for those who add customers."""
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    return [loc.name for loc in catalog.locations(ctx)]


@overload
def customer_to_edit(ctx: Ctx, who: int) -> CustomerToEdit: ...
@overload
def customer_to_edit(ctx: Ctx, who: str) -> CustomerToEdit | Lookup: ...
def customer_to_edit(ctx: Ctx, who: str | int) -> CustomerToEdit | Lookup:
    """The customer `who` names (lookup text, or an id) and the locations to choose from, or the
    lookup itself when the text names none or several; only for those who may add customers
    (whoever adds one may correct it)."""
    locations = new_customer_locations(ctx)  # checks the role before anything is looked up
    if isinstance(who, int):
        return CustomerToEdit(get_customer(ctx, who), locations)
    found = find_customer(ctx, who)
    return found if found.customer is None else CustomerToEdit(found.customer, locations)


def edit_customer(ctx: Ctx, who: str | int, changes: CustomerChanges) -> CustomerEdited:
    """Correct the customer `who` names with `changes`, checked as a new customer is (company or
    contact, the email's shape and that no other customer has it, the phone, the location): every
    field's error at once, and nothing written. Search finds the customer by the new name."""
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    # Locked while the changes are laid over it, so a concurrent edit of another field is kept.
    before = get_customer(ctx, _meant(ctx, who).id, for_update=True)
    current = CustomerInput(**{name: getattr(before, name) for name in EDITABLE})
    given = {name: value for name, value in asdict(changes).items() if value is not None}
    after = update_customer(ctx, before.id, replace(current, **given))
    found = [Change(name, getattr(before, name), getattr(after, name)) for name in EDITABLE]
    found.append(Change(MAIL, "yes" if before.unsubscribed else "", "yes" if after.unsubscribed else ""))
    return CustomerEdited(before, after, tuple(c for c in found if c.before != c.after))


def _meant(ctx: Ctx, who: str | int) -> CustomerView:
    return get_customer(ctx, who) if isinstance(who, int) else the_customer(ctx, who)


@dataclass(frozen=True)
class Found:
    customers: list[CustomerView]
    editable: bool  # whether the one asking may correct them (a list offers Edit buttons then)


def customers_found(ctx: Ctx, query: str, limit: int) -> Found:
    """The customers a search finds (core/customers/service.py), and whether the asker may edit them."""
    return Found(search_customers(ctx, query, limit=limit), roles.can(ctx, Action.MANAGE_CUSTOMERS))
