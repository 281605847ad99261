"""Customers: add, edit, find, and import from CSV."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col

from core import catalog, roles, search
from core.context import Ctx
from core.errors import Conflict, Errors, FieldError, InvalidInput, NotFound
from core.roles import Action
from core.text import clean, fold
from storage.models import Customer, Location

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9 +().\-]{5,40}$")
COLUMNS = ("company", "contact", "email", "phone", "location", "notes")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CANDIDATES = 500  # rows fetched for ranking; a search matching more needs more words anyway


@dataclass(frozen=True)
class CustomerInput:
    company: str = ""
    contact: str = ""
    email: str = ""
    phone: str = ""
    location: str | None = None  # a location name
    notes: str = ""


@dataclass(frozen=True)
class CustomerView:
    id: int
    company: str
    contact: str
    email: str
    phone: str
    location: str
    notes: str

    @property
    def name(self) -> str:
        return self.company or self.contact

    @property
    def label(self) -> str:
        """How pick lists show a customer: "Café Müller (Anna Müller)"."""
        return f"{self.company} ({self.contact})" if self.company and self.contact else self.name


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0
    errors: list[RowError] = field(default_factory=list)


def add_customer(ctx: Ctx, data: CustomerInput) -> CustomerView:
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    row = _validated(ctx, data)
    _require_unique_email(ctx, row.email)
    ctx.uow.add(row)
    ctx.uow.flush()
    return _view(ctx, row)


def update_customer(ctx: Ctx, customer_id: int, data: CustomerInput) -> CustomerView:
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    customer = _customer(ctx, customer_id, for_update=True)
    row = _validated(ctx, data)
    _require_unique_email(ctx, row.email, except_id=customer_id)
    for name in ("company", "contact", "email", "phone", "location_id", "notes", "search_text"):
        setattr(customer, name, getattr(row, name))
    ctx.uow.add(customer)
    ctx.uow.flush()
    return _view(ctx, customer)


def get_customer(ctx: Ctx, customer_id: int) -> CustomerView:
    roles.require(ctx, Action.VIEW)
    return _view(ctx, _customer(ctx, customer_id))


def search_customers(ctx: Ctx, query: str, limit: int = 10) -> list[CustomerView]:
    roles.require(ctx, Action.VIEW)
    if not 1 <= limit <= 100:
        raise InvalidInput.single("limit", "Ask for 1 to 100 results.")
    statement = ctx.uow.select(Customer)
    patterns = search.like_patterns(query)
    if not patterns:
        by_name = statement.order_by(col(Customer.search_text), col(Customer.id)).limit(limit)
        return [_view(ctx, c) for c in ctx.uow.all(by_name)]
    for pattern in patterns:
        statement = statement.where(col(Customer.search_text).like(pattern, escape="\\"))
    rows = {c.id: c for c in ctx.uow.all(statement.limit(CANDIDATES))}
    ranked = search.rank(query, ((c.id, c.company, c.contact) for c in rows.values()))
    return [_view(ctx, rows[key]) for key in ranked[:limit]]


def import_csv(ctx: Ctx, text: str) -> ImportReport:
    """Import good rows, report bad ones by line; rows already present are not duplicated.

    The caller's unit of work commits the good rows together, so nothing is ever half-written.
    """
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise InvalidInput.single("file", "The file is larger than 5 MB; split it and import the parts.")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    columns = _columns(header)
    report = ImportReport()
    seen = _known_keys(ctx)
    rows = 0
    start_line = reader.line_num + 1
    for values in reader:
        line, start_line = start_line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise InvalidInput.single("file", f"The file has more than {MAX_ROWS:,} rows; split it.")
        if len(values) > len(columns):
            report.errors.append(RowError(line, f"{len(values)} values for {len(columns)} columns."))
            continue
        data = CustomerInput(**dict(zip(columns, (v.strip() for v in values), strict=False)))
        try:
            row = _validated(ctx, data)
        except InvalidInput as exc:
            report.errors.append(RowError(line, "; ".join(f"{e.field}: {e.message}" for e in exc.errors)))
            continue
        key = _key(row)
        if key in seen:
            report.existing += 1
            continue
        seen.add(key)
        ctx.uow.add(row)
        report.created += 1
    ctx.uow.flush()
    return report


def _columns(header: list[str] | None) -> list[str]:
    if not header:
        raise InvalidInput.single(
            "file", f"The file is empty; the first line must name the columns: {COLUMNS}."
        )
    columns = [re.sub(r"[\s_]+", "", h.removeprefix("\ufeff")).lower() for h in header]
    problems = [
        FieldError(h, f"Unknown column {h!r}; columns are {', '.join(COLUMNS)}.")
        for h, c in zip(header, columns, strict=True)
        if c not in COLUMNS
    ]
    problems += [
        FieldError(c, f"The column {c!r} appears twice.") for c in set(columns) if columns.count(c) > 1
    ]
    if not {"company", "contact"} & set(columns):
        problems.append(FieldError("company", "The file needs a 'company' or a 'contact' column."))
    if problems:
        raise InvalidInput(problems)
    return columns


def _validated(ctx: Ctx, data: CustomerInput) -> Customer:
    errors = Errors()
    company = clean(errors, "company", data.company, label="The company name", max_length=200)
    contact = clean(errors, "contact", data.contact, label="The contact person", max_length=200)
    email = clean(errors, "email", data.email, label="The email", max_length=254)
    phone = clean(errors, "phone", data.phone, label="The phone number", max_length=40)
    notes = clean(errors, "notes", data.notes, label="The notes", max_length=3000)
    if not company and not contact:
        errors.add("company", "Give a company name or a contact person.")
    if email and not _EMAIL.match(email):
        errors.add("email", f"{email!r} is not an email address.")
    if phone and not _PHONE.match(phone):
        errors.add("phone", f"{phone!r} is not a phone number (digits, spaces and + ( ) - . only).")
    location: Location | None = None
    if data.location and data.location.strip():
        location = catalog.find_location(ctx, data.location)
        if location is None:
            errors.add("location", f"There is no location named {data.location.strip()!r}.")
    errors.raise_if_any()
    return Customer(
        tenant_id=ctx.uow.tenant_id,
        company=company,
        contact=contact,
        email=email,
        phone=phone,
        location_id=location.id if location else None,
        notes=notes,
        search_text=fold(f"{company} {contact}"),
        created_at=ctx.now(),
    )


def _key(row: Customer) -> tuple[str, ...]:
    """What makes two rows the same customer: the email if there is one, else company and contact."""
    return ("email", row.email.lower()) if row.email else ("name", fold(row.company), fold(row.contact))


def _known_keys(ctx: Ctx) -> set[tuple[str, ...]]:
    return {_key(c) for c in ctx.uow.all(ctx.uow.select(Customer))}


def _require_unique_email(ctx: Ctx, email: str, *, except_id: int | None = None) -> None:
    if not email:
        return
    same = ctx.uow.select(Customer).where(func.lower(col(Customer.email)) == email.lower())
    for other in ctx.uow.all(same):
        if other.id != except_id:
            raise Conflict(f"{other.company or other.contact} already has the email {email}.", "email")


def _customer(ctx: Ctx, customer_id: int, *, for_update: bool = False) -> Customer:
    customer = ctx.uow.get(Customer, customer_id, for_update=for_update)
    if customer is None:
        raise NotFound(f"There is no customer #{customer_id}.", "customer")
    return customer


def _view(ctx: Ctx, row: Customer) -> CustomerView:
    location = ctx.uow.get(Location, row.location_id) if row.location_id else None
    return CustomerView(
        row.id or 0,
        row.company,
        row.contact,
        row.email,
        row.phone,
        location.name if location else "",
        row.notes,
    )
