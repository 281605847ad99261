"""Revenue recognition over storage: the split of each plan version's price into IRR, MRR and SCR
(with a location's own split), every membership's recognition, and the deferred revenue report
for a month, with its Excel and CSV exports. The rules are core/revenue/recognition.py's; docs/revenue.md
explains them to an accountant.

Revenue is derived, never stored: what was sold comes from the contracts and their plan versions,
what credits earned comes from the ledger entries of the membership's own lots (its initial and
periodic grants). The report reads the history; nothing here writes to the ledger.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_
from sqlmodel import col, select

from core.context import Ctx
from core.credits import terms as credit_terms
from core.credits.calendar import period_starts
from core.credits.terms import CreditKind, CreditTerms, Frequency
from core.kernel import formats, spreadsheets
from core.kernel.errors import Errors, ImmutableField, InvalidInput, NotFound
from core.kernel.money import in_currency, minor_digits
from core.memberships.lifecycle import Status
from core.plans.carry_over import revenue_split
from core.revenue import recognition
from core.revenue.recognition import Amounts, CreditEvent, Sale, Schedule, Split, Term
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.billing import LocationPrice
from storage.tables.catalog import Location
from storage.tables.credits import CreditLot, LedgerEntry
from storage.tables.customers import Customer
from storage.tables.memberships import Contract, ContractEvent
from storage.tables.plans import Plan, PlanVersion, PlanVersionLocation
from storage.tables.revenue import RevenueSplit, RevenueSplitLocation

NO_LOCATION = "No location"
NOT_SOLD = frozenset({Status.PENDING.value, Status.REJECTED.value})  # never approved: nothing sold
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
ZERO = Decimal(0)


def parse_month(text: str) -> date:
    """ "2025-03" as the first day of that month."""
    found = _MONTH.match(text or "")
    # Years past 2999 too: the month after 9999-12 cannot be computed, and nobody sells that far on.
    if found is None or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2999:
        raise InvalidInput.single("month", f"{text!r} is not a month; write it as YYYY-MM, such as 2025-03.")
    return date(int(found.group(1)), int(found.group(2)), 1)


# --- splits --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitView:
    plan_version_id: int
    location_id: int | None  # None: the plan version's own split
    price: Decimal  # the price it divides: the plan's, or the location's own price
    split: Split
    configured: bool  # False: nothing set, so the default (all of the price is MRR) applies


def set_split(ctx: Ctx, plan_version_id: int, split: Split, *, location_id: int | None = None) -> SplitView:
    """Set how a plan version's price divides, for every location or (with `location_id`) for one.
    As in Zenoti, a split cannot change once the version has been sold (there): the revenue of
    months already reported would change. Setting the same split again changes nothing."""
    roles.require(ctx, Action.MANAGE_PLANS)
    version = _version(ctx, plan_version_id, for_update=True)  # one writer per version
    errors = Errors()
    if location_id is not None:
        if ctx.uow.get(Location, location_id) is None:
            errors.add("location", f"There is no location #{location_id}.")
        elif not version.all_locations and not _sold_at(ctx, version, location_id):
            errors.add("location", f"{version.name} is not sold at that location.")
    errors.raise_if_any()
    price, _ = _price(ctx, version, _location_prices(ctx, [plan_version_id]), location_id)
    terms = None if version.credit_terms is None else credit_terms.from_dict(version.credit_terms)
    split = recognition.check_split(
        errors, split, price, currency=ctx.tenant.currency, has_credits=_divisible(version, terms)
    )
    errors.raise_if_any()
    row = revenue_split(ctx, plan_version_id, location_id)
    if row is not None and Split(row.irr, row.mrr, row.scr) == split:
        return split_for(ctx, plan_version_id, location_id)
    sold = _sold_count(ctx, plan_version_id, location_id)
    if sold:
        where = "" if location_id is None else " at that location"
        raise ImmutableField(
            f"The revenue split of {version.name} cannot change: {formats.were(sold, 'membership')} sold on "
            f"it{where}. Clone the plan to sell it with another split.",
            "split",
        )
    tenant, now = ctx.uow.tenant_id, ctx.now()
    if row is not None:
        row.irr, row.mrr, row.scr, row.set_by, row.set_at = split.irr, split.mrr, split.scr, ctx.actor, now
    elif location_id is None:
        row = RevenueSplit(
            tenant_id=tenant,
            plan_version_id=plan_version_id,
            irr=split.irr,
            mrr=split.mrr,
            scr=split.scr,
            set_by=ctx.actor,
            set_at=now,
        )
    else:
        row = RevenueSplitLocation(
            tenant_id=tenant,
            plan_version_id=plan_version_id,
            location_id=location_id,
            irr=split.irr,
            mrr=split.mrr,
            scr=split.scr,
            set_by=ctx.actor,
            set_at=now,
        )
    ctx.uow.add(row)
    ctx.uow.flush()
    return split_for(ctx, plan_version_id, location_id)


def split_for(ctx: Ctx, plan_version_id: int, location_id: int | None = None) -> SplitView:
    """The split that applies to a membership of this version sold at this location: the
    location's own, else the version's, else the default; refitted if the price changed since."""
    roles.require(ctx, Action.VIEW)
    version = _version(ctx, plan_version_id)
    price, _ = _price(ctx, version, _location_prices(ctx, [plan_version_id]), location_id)
    own = revenue_split(ctx, plan_version_id, location_id) if location_id is not None else None
    row = own or revenue_split(ctx, plan_version_id, None)
    chosen = recognition.default_split(price) if row is None else Split(row.irr, row.mrr, row.scr)
    return SplitView(
        plan_version_id,
        location_id if own is not None else None,
        price,
        _shown(ctx, recognition.fitted(chosen, price, minor_digits(ctx.tenant.currency))),
        row is not None,
    )


# --- memberships ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipRevenue:
    """One membership's sales (one, or one per billing period begun when it has no end date) and
    what they earn month by month, as known on the day the report is made."""

    contract_id: int
    customer: str
    plan_id: int
    plan: str
    location_id: int  # 0: none
    location: str
    sold_on: date
    sales: tuple[Sale, ...]
    schedule: Schedule

    def sold_in(self, month: date) -> Decimal:
        return sum((s.price for s in self.sales if recognition.month_of(s.sold_on) == month), ZERO)

    def sold_through(self, month: date) -> Decimal:
        return sum((s.price for s in self.sales if recognition.month_of(s.sold_on) <= month), ZERO)


def membership_revenue(ctx: Ctx, contract_id: int, month: date) -> MembershipRevenue:
    """A membership's recognition up to the end of `month` (first day of the month)."""
    roles.require(ctx, Action.VIEW_FINANCES)
    found = _revenues(ctx, month, contract_id=contract_id)
    if not found:
        raise NotFound(f"M-{contract_id} was not sold by the end of {formats.month(month)}.", "membership")
    return found[0]


# --- the deferred revenue report -----------------------------------------------------------------


@dataclass(frozen=True)
class RevenueLine:
    """A plan at a location (or one membership) in the month. Deferred is what was sold to date
    and is not yet recognised; opening + sold - recognised = deferred."""

    plan: str
    location: str
    sold: Decimal  # sold in the month
    irr: Decimal  # recognised in the month, by part
    mrr: Decimal
    scr: Decimal
    recognised_to_date: Decimal
    sold_to_date: Decimal
    deferred: Decimal
    membership: str = ""  # "M-12" on the memberships sheet
    customer: str = ""
    sold_on: date | None = None

    @property
    def recognised(self) -> Decimal:
        return self.irr + self.mrr + self.scr

    @property
    def opening(self) -> Decimal:
        return self.deferred - self.sold + self.recognised


@dataclass(frozen=True)
class RevenueReport:
    month: date  # its first day
    currency: str
    lines: tuple[RevenueLine, ...]  # by plan and location
    memberships: tuple[RevenueLine, ...] = field(default=())

    @property
    def total(self) -> RevenueLine:
        return _sum_lines("Total", "", self.lines)


def deferred_report(ctx: Ctx, month: date | str) -> RevenueReport:
    """Sold, recognised in the month (IRR, MRR, SCR), recognised to date and deferred at the end of
    the month, by plan and location and by membership. A month not over yet shows what is known
    today: MRR by the calendar, SCR from the ledger entries so far."""
    roles.require(ctx, Action.VIEW_FINANCES)
    first = parse_month(month) if isinstance(month, str) else recognition.month_of(month)
    places = minor_digits(ctx.tenant.currency)
    members: list[RevenueLine] = []
    groups: dict[tuple[str, str, int, int], list[RevenueLine]] = defaultdict(list)
    for r in _revenues(ctx, first):
        in_month = r.schedule.get(first, Amounts())
        to_date = recognition.through(r.schedule, first).total
        sold_to_date = r.sold_through(first)
        line = RevenueLine(
            plan=r.plan,
            location=r.location,
            sold=r.sold_in(first),
            irr=in_month.irr,
            mrr=in_month.mrr,
            scr=in_month.scr,
            recognised_to_date=to_date,
            sold_to_date=sold_to_date,
            deferred=sold_to_date - to_date,
            membership=f"M-{r.contract_id}",
            customer=r.customer,
            sold_on=r.sold_on,
        )
        members.append(line)
        # By plan and location ids: an archived plan may share its name with a live one.
        groups[(r.plan.casefold(), r.location.casefold(), r.plan_id, r.location_id)].append(line)
    order = sorted(groups, key=lambda g: (g[0], g[3] == 0, g[1], g[2], g[3]))
    lines = tuple(_sum_lines(groups[g][0].plan, groups[g][0].location, groups[g]) for g in order)
    members.sort(key=lambda m: (m.plan.casefold(), m.location.casefold(), int(m.membership[2:])))
    quantum = Decimal(1).scaleb(-places)
    return RevenueReport(
        first,
        ctx.tenant.currency,
        tuple(_quantized(line, quantum) for line in lines),
        tuple(_quantized(line, quantum) for line in members),
    )


# --- export --------------------------------------------------------------------------------------

HEADER = [
    "Plan",
    "Location",
    "Deferred at start",
    "Sold",
    "IRR",
    "MRR",
    "SCR",
    "Recognised",
    "Recognised to date",
    "Sold to date",
    "Deferred",
]
MEMBERSHIP_HEADER = ["Membership", "Customer", "Sold on", *HEADER]


def line_cells(line: RevenueLine) -> list[object]:
    return [
        line.plan,
        line.location,
        line.opening,
        line.sold,
        line.irr,
        line.mrr,
        line.scr,
        line.recognised,
        line.recognised_to_date,
        line.sold_to_date,
        line.deferred,
    ]


def to_xlsx(report: RevenueReport) -> bytes:
    money = "#,##0" if minor_digits(report.currency) == 0 else "#,##0." + "0" * minor_digits(report.currency)
    rows = [line_cells(line) for line in (*report.lines, report.total)]
    members = [[m.membership, m.customer, m.sold_on, *line_cells(m)] for m in report.memberships]
    return spreadsheets.to_xlsx(
        [
            spreadsheets.Sheet("By plan and location", HEADER, rows, [money] * len(rows)),
            spreadsheets.Sheet("Memberships", MEMBERSHIP_HEADER, members, [money] * len(members)),
        ]
    )


def to_csv(report: RevenueReport) -> str:
    """The by-plan-and-location table with its total (the memberships are in the Excel file)."""
    month = f"{report.month:%Y-%m}"
    return spreadsheets.to_csv(
        [["Month", *HEADER], *([month, *line_cells(line)] for line in (*report.lines, report.total))]
    )


# --- internals -----------------------------------------------------------------------------------


def _revenues(ctx: Ctx, month: date, *, contract_id: int | None = None) -> list[MembershipRevenue]:
    """Every membership sold by the end of `month`, with its sales and schedule. A handful of
    queries whatever the number of memberships: contracts, approvals, versions, lots, entries."""
    last_day = month + relativedelta(months=1) - timedelta(days=1)
    contracts, sold_on = _sold_by(ctx, last_day, contract_id)
    if not contracts:
        return []
    cutoff = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=ctx.tz)
    books = _Books.read(ctx, contracts, _plan_credits(ctx, cutoff, contract_id))
    today = ctx.today()
    return [
        books.revenue(ctx, contract, sold_on[contract.id or 0], last_day, today) for contract in contracts
    ]


def _sold_by(ctx: Ctx, last_day: date, contract_id: int | None) -> tuple[list[Contract], dict[int, date]]:
    """The memberships sold by `last_day` (all, or one), and the day each was sold: approved, or
    created when it needed no approval; a past sale on its first day (recognition.sold_on)."""
    query = ctx.uow.select(Contract).where(
        col(Contract.plan_version_id).is_not(None),
        col(Contract.kind) == "membership",
        col(Contract.status).not_in(NOT_SOLD),
    )
    if contract_id is not None:
        query = query.where(col(Contract.id) == contract_id)
    contracts = list(ctx.uow.all(query.order_by(col(Contract.id))))
    approved = _approval_days(ctx, contract_id)
    sold_on = {
        c.id or 0: recognition.sold_on(
            approved.get(c.id or 0, _local(ctx, c.created_at)),
            _local(ctx, c.created_at),
            c.start_date,
            c.end_date,
        )
        for c in contracts
    }
    return [c for c in contracts if sold_on[c.id or 0] <= last_day], sold_on


@dataclass(frozen=True)
class _Books:
    """What the report needs besides the contracts, read once for all of them."""

    versions: dict[int, PlanVersion]
    plan_names: dict[int, str]
    locations: dict[int, str]
    customers: dict[int, str]
    splits: dict[int, RevenueSplit]
    local_splits: dict[tuple[int, int], RevenueSplitLocation]
    prices: dict[tuple[int, int], LocationPrice]
    credits: dict[int, _Credits]

    @classmethod
    def read(cls, ctx: Ctx, contracts: list[Contract], credits: dict[int, _Credits]) -> _Books:
        version_ids = sorted({c.plan_version_id or 0 for c in contracts})
        customer_ids = sorted({c.customer_id for c in contracts})
        uow = ctx.uow
        return cls(
            versions={
                v.id or 0: v
                for v in uow.all(uow.select(PlanVersion).where(col(PlanVersion.id).in_(version_ids)))
            },
            plan_names={p.id or 0: p.name for p in uow.all(uow.select(Plan))},
            locations={loc.id or 0: loc.name for loc in uow.all(uow.select(Location))},
            customers={
                c.id or 0: c.company or c.contact
                for c in uow.all(uow.select(Customer).where(col(Customer.id).in_(customer_ids)))
            },
            splits={r.plan_version_id: r for r in uow.all(uow.select(RevenueSplit))},
            local_splits={
                (r.plan_version_id, r.location_id): r for r in uow.all(uow.select(RevenueSplitLocation))
            },
            prices=_location_prices(ctx, version_ids),
            credits=credits,
        )

    def split(self, ctx: Ctx, version: PlanVersion, location_id: int | None, price: Decimal) -> Split:
        """The location's own split, else the version's, else the default; fitted to the price."""
        row = self.local_splits.get((version.id or 0, location_id or 0)) or self.splits.get(version.id or 0)
        chosen = (
            recognition.default_split(price) if row is None else _shown(ctx, Split(row.irr, row.mrr, row.scr))
        )
        return recognition.fitted(chosen, price, minor_digits(ctx.tenant.currency))

    def revenue(
        self, ctx: Ctx, contract: Contract, sold_on: date, last_day: date, today: date
    ) -> MembershipRevenue:
        """One membership's sales by `last_day` and what they earn month by month."""
        version = self.versions[contract.plan_version_id or 0]
        terms = None if version.credit_terms is None else credit_terms.from_dict(version.credit_terms)
        price, setup_fee = _price(ctx, version, self.prices, contract.location_id)
        split = self.split(ctx, version, contract.location_id, price)
        places = minor_digits(ctx.tenant.currency)
        sold_terms = recognition.terms_sold(
            version.billing_type,
            contract.start_date,
            contract.end_date,
            last_day,
            prorate=version.prorate_first_period,
        )
        history = self.credits.get(contract.id or 0, _Credits())
        sales: list[Sale] = []
        plan: Schedule = {}
        for term in sold_terms:
            planned = _planned(term, contract, terms, version.billing_type)
            sold = max(sold_on, term.start) if term.index else sold_on  # a later period is sold as it begins
            sale = recognition.sale_of(term, price, split, setup_fee, sold, planned, places)
            events = history.events_in(term, sold_terms, planned, today)
            for key, value in recognition.schedule(sale, events, places).items():
                plan[key] = plan.get(key, Amounts()) + value
            sales.append(sale)
        location = (
            self.locations.get(contract.location_id, NO_LOCATION) if contract.location_id else NO_LOCATION
        )
        return MembershipRevenue(
            contract.id or 0,
            self.customers.get(contract.customer_id, ""),
            version.plan_id,
            self.plan_names.get(version.plan_id, version.name),
            contract.location_id or 0,
            location,
            sold_on,
            tuple(sales),
            dict(sorted(plan.items())),
        )


@dataclass
class _Lot:
    initial: bool
    granted_on: date
    granted: Decimal = ZERO
    moves: list[CreditEvent] = field(default_factory=list)  # + left the lot, - came back


@dataclass
class _Credits:
    """A membership's own lots (its initial and periodic grants) and their entries."""

    lots: dict[int, _Lot] = field(default_factory=dict)

    def events_in(self, term: Term, terms: list[Term], planned: Decimal, today: date) -> list[CreditEvent]:
        mine = [lot for lot in self.lots.values() if _term_of(lot, terms) == term.index]
        events = [e for lot in mine for e in lot.moves]
        granted = sum((lot.granted for lot in mine), ZERO)
        if term.end is not None and term.end < today and planned > granted:
            # Credits the term was to grant and never did (cancelled, say): breakage on its last day.
            events.append(CreditEvent(term.end, planned - granted))
        return events


def _term_of(lot: _Lot, terms: list[Term]) -> int:
    if lot.initial or len(terms) == 1:
        return terms[0].index
    for term in reversed(terms):
        if term.start <= lot.granted_on:
            return term.index
    return terms[0].index


def _plan_credits(ctx: Ctx, cutoff: datetime, contract_id: int | None) -> dict[int, _Credits]:
    """The ledger entries of memberships' own lots, up to `cutoff`, in one query."""
    query = (
        select(LedgerEntry, CreditLot.contract_id, CreditLot.usable_from)
        .join(CreditLot, col(CreditLot.id) == col(LedgerEntry.lot_id))
        .where(
            col(LedgerEntry.tenant_id) == ctx.uow.tenant_id,
            col(CreditLot.source) == "grant",
            col(CreditLot.contract_id).is_not(None),
            col(CreditLot.unit) != "points",
            or_(col(LedgerEntry.kind) == "grant", col(LedgerEntry.at) < cutoff),
        )
        .order_by(col(LedgerEntry.id))
    )
    if contract_id is not None:
        query = query.where(col(CreditLot.contract_id) == contract_id)
    out: dict[int, _Credits] = defaultdict(_Credits)
    for entry, owner, usable_from in ctx.uow.session.exec(query):
        lots = out[owner or 0].lots
        if entry.kind == "grant":
            lots[entry.lot_id] = _Lot(entry.reference == "initial", _local(ctx, usable_from), entry.quantity)
        elif entry.lot_id in lots:
            # Whatever takes credits from the lot earns their SCR; a reversal puts them back.
            lots[entry.lot_id].moves.append(CreditEvent(_local(ctx, entry.at), -entry.quantity))
    return out


def _planned(term: Term, contract: Contract, terms: CreditTerms | None, billing_type: str) -> Decimal:
    """The credits (or monetary credit) a term is to grant: its SCR is divided over them."""
    if terms is None or terms.kind is CreditKind.POINTS:
        return ZERO
    initial = terms.initial if term.index == 0 else ZERO
    if term.end is None:  # one-time, never ending: credits every n days would never stop
        return ZERO if terms.frequency == Frequency.EVERY_N_DAYS else initial + terms.per_period
    days = period_starts(contract.start_date, contract.end_date, terms, billing_type, term.end)
    return initial + terms.per_period * sum(1 for d in days if term.start <= d <= term.end)


def _divisible(version: PlanVersion, terms: CreditTerms | None) -> bool:
    """Whether the version grants credits its SCR can be divided over."""
    if terms is None or terms.kind is CreditKind.POINTS or terms.initial + terms.per_period <= 0:
        return False
    never_ends = version.term_months is None and version.billing_type == "one-time"
    return not (never_ends and terms.frequency == Frequency.EVERY_N_DAYS)


def _approval_days(ctx: Ctx, contract_id: int | None) -> dict[int, date]:
    """The business day each membership was approved: the day it counts as sold."""
    query = (
        select(ContractEvent.contract_id, func.min(ContractEvent.at))
        .where(col(ContractEvent.tenant_id) == ctx.uow.tenant_id, col(ContractEvent.action) == "approve")
        .group_by(col(ContractEvent.contract_id))
    )
    if contract_id is not None:
        query = query.where(col(ContractEvent.contract_id) == contract_id)
    out = {}
    for owner, at in ctx.uow.session.exec(query):
        out[owner] = _local(ctx, at if at.tzinfo else at.replace(tzinfo=UTC))  # an aggregate may lose it
    return out


def _local(ctx: Ctx, at: datetime) -> date:
    return at.astimezone(ctx.tz).date()


def _location_prices(ctx: Ctx, version_ids: list[int]) -> dict[tuple[int, int], LocationPrice]:
    rows = ctx.uow.all(
        ctx.uow.select(LocationPrice).where(col(LocationPrice.plan_version_id).in_(version_ids))
    )
    return {(r.plan_version_id, r.location_id): r for r in rows}


def _price(
    ctx: Ctx, version: PlanVersion, prices: dict[tuple[int, int], LocationPrice], location_id: int | None
) -> tuple[Decimal, Decimal]:
    """The price and setup fee a membership of the version pays at the location (its own, if set)."""
    own = prices.get((version.id or 0, location_id or 0))
    price = own.price if own is not None and own.price is not None else version.price
    fee = own.setup_fee if own is not None and own.setup_fee is not None else version.setup_fee
    return in_currency(price, ctx.tenant.currency), in_currency(fee, ctx.tenant.currency)


def _sold_at(ctx: Ctx, version: PlanVersion, location_id: int) -> bool:
    link = ctx.uow.first(
        ctx.uow.select(PlanVersionLocation).where(
            col(PlanVersionLocation.plan_version_id) == version.id,
            col(PlanVersionLocation.location_id) == location_id,
        )
    )
    return link is not None


def _sold_count(ctx: Ctx, version_id: int, location_id: int | None) -> int:
    query = (
        ctx.uow.select(Contract)
        .where(col(Contract.plan_version_id) == version_id, col(Contract.status).not_in(NOT_SOLD))
        .with_only_columns(func.count())
    )
    if location_id is not None:
        query = query.where(col(Contract.location_id) == location_id)
    return int(ctx.uow.scalar(query) or 0)


def _sum_lines(plan: str, location: str, lines: tuple[RevenueLine, ...] | list[RevenueLine]) -> RevenueLine:
    def total(name: str) -> Decimal:
        return sum((getattr(line, name) for line in lines), ZERO)

    return RevenueLine(
        plan,
        location,
        total("sold"),
        total("irr"),
        total("mrr"),
        total("scr"),
        total("recognised_to_date"),
        total("sold_to_date"),
        total("deferred"),
    )


def _quantized(line: RevenueLine, quantum: Decimal) -> RevenueLine:
    """Amounts with exactly the currency's decimals (storage keeps four; the math keeps them exact)."""
    names = ("sold", "irr", "mrr", "scr", "recognised_to_date", "sold_to_date", "deferred")
    values = {name: getattr(line, name).quantize(quantum) for name in names}
    return RevenueLine(
        line.plan,
        line.location,
        membership=line.membership,
        customer=line.customer,
        sold_on=line.sold_on,
        **values,
    )


def _shown(ctx: Ctx, split: Split) -> Split:
    currency = ctx.tenant.currency
    return Split(
        in_currency(split.irr, currency), in_currency(split.mrr, currency), in_currency(split.scr, currency)
    )


def _version(ctx: Ctx, plan_version_id: int, *, for_update: bool = False) -> PlanVersion:
    missing = f"There is no plan version #{plan_version_id}."
    return ctx.found(PlanVersion, plan_version_id, missing, "plan_version", for_update=for_update)
