"""Customers: add, edit, find, and import from CSV.

A customer is a company, a contact person, or both. An email belongs to one customer of a
workspace; a CSV import never creates a customer twice, so importing the same file again (or a
file that overlaps an earlier one) is safe. A duplicate merged into another customer
(core/customers/merge.py) is kept for its number's sake: search skips it, and asking for it by
number says where it went (MergedAway).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import bindparam, case, func, literal, or_
from sqlmodel import col
from sqlmodel.sql.expression import SelectOfScalar

from core.catalog import locations as catalog
from core.context import Ctx
from core.customers import search
from core.kernel.errors import BadFile, Conflict, Errors, FieldError, InvalidInput, NotFound
from core.kernel.text import clean, fold
from core.workspace import roles
from core.workspace.roles import Action
from storage import customer_search
from storage.tables.catalog import Location
from storage.tables.customers import Customer
from storage.uow import prepared

COMPANY_MAX = 200
CONTACT_MAX = 200
EMAIL_MAX = 254
PHONE_MAX = 40
NOTES_MAX = 3000
SEARCH_TEXT_MAX = 410  # the column's length; folding can lengthen text ("ß" -> "ss")
# Pragmatic, not RFC 5322: a local part, one @, and a domain of two or more non-empty labels.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE = re.compile(r"^[0-9 +().\-]{5,40}$")
PHONE_MIN_DIGITS = 3  # no number is shorter than an emergency number; "(((((" is not a phone
COLUMNS = ("company", "contact", "email", "phone", "location", "notes")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_RESULTS = 100
CANDIDATES = 500  # rows fetched for ranking; a search matching more needs more words anyway
MENTIONED_WORDS_MAX = 60  # of a message's words, the first this many are looked for
MENTIONED = 100  # candidates of a message ranked: those containing the most of its words (a name written
#   whole has all of its own), so a name among them ranks near the top
SEARCH_MAX = 250  # a company and a contact's name with room to spare: longer was pasted by mistake


@dataclass(frozen=True)
class CustomerInput:
    company: str = ""
    contact: str = ""
    email: str = ""
    phone: str = ""
    location: str | None = None  # a location name
    notes: str = ""
    unsubscribed: bool | None = None  # no member e-mail; None: as it is (False for a new customer)


@dataclass(frozen=True)
class CustomerView:
    id: int
    company: str
    contact: str
    email: str
    phone: str
    location: str  # the location's name, "" when none
    notes: str
    unsubscribed: bool = False  # the member asked for no e-mail

    @property
    def name(self) -> str:
        return self.company or self.contact

    @property
    def label(self) -> str:
        """How pick lists show a customer: "Café Müller (Anna Müller)"."""
        return _label(self.company, self.contact)


class MergedAway(NotFound):
    """The customer was merged into another one: its number still answers, with the survivor's."""

    def __init__(self, customer: Customer, survivor: Customer) -> None:
        super().__init__(
            f"Customer #{customer.id} {_label(customer.company, customer.contact)} was merged into "
            f"#{survivor.id} {_label(survivor.company, survivor.contact)}; use #{survivor.id}.",
            "customer",
        )
        self.customer_id = customer.id or 0
        self.survivor_id = survivor.id or 0


@dataclass(frozen=True)
class RowError:
    line: int  # where the row starts in the file; the header is line 1
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0  # rows that matched a customer already there (or an earlier row of the file)
    errors: list[RowError] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------------


def get_customer(
    ctx: Ctx, customer_id: int, *, for_update: bool = False, merged: bool = False
) -> CustomerView:
    """`for_update` locks the row until the unit of work ends, for a change made from what is read;
    `merged` reads a merged-away customer as it was (MergedAway otherwise)."""
    roles.require(ctx, Action.VIEW)
    return _views(ctx, [customer_row(ctx, customer_id, for_update=for_update, merged=merged)])[0]


def search_customers(ctx: Ctx, query: str, limit: int = 10) -> list[CustomerView]:
    """Customers whose company or contact contains every word of the query, best match first;
    with no words, the first customers in alphabetical order."""
    roles.require(ctx, Action.VIEW)
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInput.single("limit", f"Ask for 1 to {MAX_RESULTS} results.")
    # As names are cleaned: a NUL byte (PostgreSQL refuses it in any text) or 50 KB never reach the query.
    errors = Errors()
    query = clean(errors, "search", query, label="The search", max_length=SEARCH_MAX)
    errors.raise_if_any()
    patterns = search.like_patterns(query)
    if not patterns:
        statement = ctx.uow.select(Customer).where(col(Customer.merged_into_id).is_(None))
        text = col(Customer.search_text)
        return _views(ctx, ctx.uow.all(statement.order_by(text, col(Customer.id)).limit(limit)))
    # On SQLite an index finds the customers holding the words first (storage/customer_search.py).
    index_query = customer_search.match_query(fold(query).split()) if ctx.uow.dialect == "sqlite" else None
    phrase = search.escape_like(fold(query))
    words = {f"word{n}": pattern for n, pattern in enumerate(patterns)}
    statement = _search_statement(len(patterns), index_query is not None)
    found_rows = ctx.uow.run(
        statement, **words, index_query=index_query, starts=f"{phrase}%", word_starts=f"% {phrase}%"
    )
    rows = {row.id or 0: row for row in found_rows}
    ranked = search.rank(query, ((key, row.company, row.contact) for key, row in rows.items()))
    found = [rows[key] for key in ranked[:limit]]
    ctx.uow.keep(found)  # the caller's next step (a balance, a sale) reads the one it picks by id
    return _views(ctx, found)


@lru_cache(maxsize=256)
def _search_statement(words: int, indexed: bool) -> SelectOfScalar[Customer]:
    """The search's SELECT for that many words (bound as word0, word1…: LIKE patterns), narrowed
    by the SQLite index (`index_query`) if `indexed`: built once per shape, not per search."""
    text = col(Customer.search_text)
    statement = prepared(Customer).where(col(Customer.merged_into_id).is_(None))
    for n in range(words):
        statement = statement.where(text.like(bindparam(f"word{n}"), escape="\\"))
    if indexed:
        statement = statement.where(customer_search.narrowed(col(Customer.id), bindparam("index_query")))
    # When more rows match than are ranked, keep the likely best: names starting with the query
    # (`starts`), then a word starting with it (`word_starts`), shorter names first. Without an
    # order the database would keep an arbitrary 500, and an exact match could be left out.
    likely = case(
        (text.like(bindparam("starts"), escape="\\"), 0),
        (text.like(bindparam("word_starts"), escape="\\"), 1),
        else_=2,
    )
    return statement.order_by(likely, func.length(text), col(Customer.id)).limit(CANDIDATES)


def customers_mentioned(ctx: Ctx, words: Sequence[str], limit: int = MENTIONED) -> list[CustomerView]:
    """Customers whose company or contact contains any of the folded `words` (those of a message
    that may name one: search.mentioned_words), those containing the most of them first."""
    roles.require(ctx, Action.VIEW)
    listed = list(dict.fromkeys(words))[:MENTIONED_WORDS_MAX]
    if not listed:
        return []
    text = col(Customer.search_text)
    hits = [text.like(f"%{search.escape_like(w)}%", escape="\\") for w in listed]
    matched = sum((case((hit, 1), else_=0) for hit in hits), start=literal(0))
    statement = (
        ctx.uow.select(Customer)
        .where(col(Customer.merged_into_id).is_(None), or_(*hits))
        .order_by(matched.desc(), col(Customer.id))
        .limit(limit)
    )
    return _views(ctx, ctx.uow.all(statement))


# --- writing -------------------------------------------------------------------------------------


def add_customer(ctx: Ctx, data: CustomerInput) -> CustomerView:
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    row = _validated(ctx, data, lambda name: catalog.find_location(ctx, name))
    _require_unique_email(ctx, row.email)
    ctx.uow.add(row)
    ctx.uow.flush()
    return _views(ctx, [row])[0]


def update_customer(ctx: Ctx, customer_id: int, data: CustomerInput) -> CustomerView:
    """Replace the customer's details with `data` (a whole form: empty fields clear)."""
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    customer = customer_row(ctx, customer_id, for_update=True)
    row = _validated(ctx, data, lambda name: catalog.find_location(ctx, name))
    _require_unique_email(ctx, row.email, except_id=customer_id)
    for name in ("company", "contact", "email", "phone", "location_id", "notes", "search_text"):
        setattr(customer, name, getattr(row, name))
    if data.unsubscribed is not None:
        customer.unsubscribed = data.unsubscribed
    ctx.uow.add(customer)
    ctx.uow.flush()
    return _views(ctx, [customer])[0]


def import_csv(ctx: Ctx, text: str) -> ImportReport:
    """Import good rows, report bad ones by line; rows already present are not duplicated.

    A problem with the file as a whole (size, header, broken quoting) raises InvalidInput before
    anything is written. The caller's unit of work commits the good rows together, so an import
    is never half-written.
    """
    roles.require(ctx, Action.MANAGE_CUSTOMERS)
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise BadFile("The file is larger than 5 MB; split it and import the parts.")
    records = _records(text)
    header = next(records, None)
    if header is None:
        raise BadFile(f"The file is empty; its first line must name the columns: {', '.join(COLUMNS)}.")
    columns = _columns(header[1])
    # Read the whole file before writing, so a file that turns out too long writes nothing.
    rows: list[tuple[int, CustomerInput | str]] = []
    for line, values in records:
        if len(rows) == MAX_ROWS:
            raise BadFile(f"The file has more than {MAX_ROWS:,} rows; split it.")
        rows.append((line, _row_input(columns, values)))

    # One query each for locations and existing customers, not one per row.
    by_name = {location.name_key: location for location in catalog.locations(ctx)}
    existing = ctx.uow.all(ctx.uow.select(Customer))
    emails = {fold(c.email) for c in existing if c.email}
    names = {_name_key(c) for c in existing}
    report = ImportReport()
    for line, item in rows:
        if isinstance(item, str):
            report.errors.append(RowError(line, item))
            continue
        try:
            row = _validated(ctx, item, lambda name: by_name.get(fold(name)))
        except InvalidInput as exc:
            report.errors.append(RowError(line, "; ".join(str(e) for e in exc.errors)))
            continue
        # A row with an email is that email's customer; without one, company and contact decide.
        email = fold(row.email)
        if (email in emails) if email else (_name_key(row) in names):
            report.existing += 1
            continue
        if email:
            emails.add(email)
        names.add(_name_key(row))
        ctx.uow.add(row)
        report.created += 1
    ctx.uow.flush()
    return report


# --- helpers -------------------------------------------------------------------------------------


def _validated(ctx: Ctx, data: CustomerInput, find_location: Callable[[str], Location | None]) -> Customer:
    """A new, unsaved row for `data`, or InvalidInput listing every field that is wrong."""
    errors = Errors()
    company = clean(
        errors, "company", _one_line(data.company), label="The company name", max_length=COMPANY_MAX
    )
    contact = clean(
        errors, "contact", _one_line(data.contact), label="The contact person", max_length=CONTACT_MAX
    )
    email = clean(errors, "email", _one_line(data.email), label="The email", max_length=EMAIL_MAX)
    phone = clean(errors, "phone", _one_line(data.phone), label="The phone number", max_length=PHONE_MAX)
    notes = clean(errors, "notes", _newlines(data.notes), label="The notes", max_length=NOTES_MAX)
    if not company and not contact:
        errors.add("company", "Give a company name or a contact person.")
    # Format checks only where the length was fine, so a field gets one message, not two.
    if email and not _has_error(errors, "email") and not _EMAIL.match(email):
        errors.add("email", f"{email!r} is not an email address.")
    if (
        phone
        and not _has_error(errors, "phone")
        and (not _PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < PHONE_MIN_DIGITS)
    ):
        errors.add("phone", f"{phone!r} is not a phone number (digits, spaces and + ( ) - . only).")
    location: Location | None = None
    location_name = _one_line(data.location)
    if location_name:
        location = find_location(location_name)
        if location is None:
            errors.add("location", f"There is no location named {location_name!r}.")
    errors.raise_if_any()
    return Customer(
        tenant_id=ctx.uow.tenant_id,
        company=company,
        contact=contact,
        email=email,
        phone=phone,
        location_id=location.id if location else None,
        notes=notes,
        unsubscribed=bool(data.unsubscribed),
        search_text=fold(f"{company} {contact}")[:SEARCH_TEXT_MAX],
        created_at=ctx.now(),
    )


def _one_line(value: str | None) -> str:
    """A single-line field: line breaks and tabs (from a pasted cell, say) become single spaces."""
    return " ".join((value or "").split())


def _newlines(value: str | None) -> str:
    """Windows and old Mac line breaks as "\\n", so they are not taken for control characters."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def _has_error(errors: Errors, name: str) -> bool:
    return any(e.field == name for e in errors.items)


def _label(company: str, contact: str) -> str:
    return f"{company} ({contact})" if company and contact else company or contact


def _name_key(row: Customer) -> tuple[str, str]:
    return fold(row.company), fold(row.contact)


def _require_unique_email(ctx: Ctx, email: str, *, except_id: int | None = None) -> None:
    if not email:
        return
    # lower() narrows the rows in the database; fold() decides, as the import's matching does.
    same = ctx.uow.select(Customer).where(func.lower(col(Customer.email)) == email.lower())
    for other in ctx.uow.all(same):
        # A merged-away duplicate keeps its email on record; its survivor may take it over.
        if other.id != except_id and other.merged_into_id is None and fold(other.email) == fold(email):
            raise Conflict(
                f"{_label(other.company, other.contact)} already has the email {other.email}.", "email"
            )


def customer_row(ctx: Ctx, customer_id: int, *, for_update: bool = False, merged: bool = False) -> Customer:
    """The customer's row, or NotFound: for this domain and the services above it, which have
    checked their own permission. A merged-away customer is MergedAway, naming its survivor,
    unless `merged` (the merge itself, which reads both)."""
    row = ctx.found(
        Customer, customer_id, f"There is no customer #{customer_id}.", "customer", for_update=for_update
    )
    if row.merged_into_id is not None and not merged:
        survivor = ctx.found(Customer, row.merged_into_id, f"There is no customer #{row.merged_into_id}.")
        raise MergedAway(row, survivor)
    return row


def _views(ctx: Ctx, rows: Sequence[Customer]) -> list[CustomerView]:
    ids = {r.location_id for r in rows if r.location_id is not None}
    locations = ctx.uow.all(ctx.uow.select(Location).where(col(Location.id).in_(ids))) if ids else []
    names = {location.id: location.name for location in locations}
    return [
        CustomerView(
            row.id or 0,
            row.company,
            row.contact,
            row.email,
            row.phone,
            names.get(row.location_id, "") if row.location_id is not None else "",
            row.notes,
            row.unsubscribed,
        )
        for row in rows
    ]


# --- CSV -----------------------------------------------------------------------------------------


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where it starts, values) of every record that is not blank.

    Lines are counted as an editor shows them, so a quoted value spanning lines moves the
    following records down. Broken quoting stops the import: guessing would shift values into
    the wrong columns or swallow the rest of the file into one value.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), strict=True)
    line = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = "a quoted value is never closed" if "end of data" in str(exc) else str(exc)
            raise BadFile(f"This is not valid CSV ({reason}); nothing was imported.", line) from None
        start, line = line, reader.line_num + 1
        if any(value.strip() for value in values):
            yield start, values


def _columns(header: list[str]) -> list[str | None]:
    """The field each column fills, None for a column without a title (Excel's trailing comma)."""
    columns: list[str | None] = []
    problems: list[FieldError] = []
    for position, title in enumerate(header, 1):
        name = re.sub(r"[\s_]+", "", title).lower()
        if name and name not in COLUMNS:
            problems.append(
                FieldError(
                    title.strip(),
                    f"Unknown column {title.strip()!r} (column {position}); "
                    f"the columns are {', '.join(COLUMNS)}.",
                )
            )
        columns.append(name or None)
    problems += [FieldError(c, f"The column {c!r} appears twice.") for c in COLUMNS if columns.count(c) > 1]
    if "company" not in columns and "contact" not in columns:
        problems.append(FieldError("company", "The file needs a 'company' or a 'contact' column."))
    if problems:
        raise InvalidInput(problems)
    return columns


def _row_input(columns: list[str | None], values: list[str]) -> CustomerInput | str:
    """The row as a form, or why it cannot be one."""
    if len(values) > len(columns) and any(v.strip() for v in values[len(columns) :]):
        return f"{len(values)} values, but the header names {len(columns)} columns."
    fields: dict[str, str] = {}
    for position, (column, value) in enumerate(zip(columns, values, strict=False), 1):
        if column is not None:
            fields[column] = value
        elif value.strip():
            return f"A value in column {position}, which has no title in the header."
    return CustomerInput(
        company=fields.get("company", ""),
        contact=fields.get("contact", ""),
        email=fields.get("email", ""),
        phone=fields.get("phone", ""),
        location=fields.get("location"),
        notes=fields.get("notes", ""),
    )
