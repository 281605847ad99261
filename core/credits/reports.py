"""Credit reports: a customer's (or one membership's) credits with their full history — the
"session credit report" — and the workspace's outstanding liability. Both export to Excel and CSV.
Reports may read the history; balances never do."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import col

from core.context import Ctx
from core.credits import ledger, lots
from core.credits.lots import ENTRY_LABELS, Pool, Unit
from core.customers import service as customers
from core.kernel import spreadsheets
from core.kernel.errors import NotFound
from core.kernel.money import minor_digits
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.credits import CreditLot
from storage.tables.memberships import Contract
from storage.tables.plans import Plan, PlanVersion

UNIT_LABELS = {Unit.CREDIT: "credits", Unit.MONEY: "monetary credit", Unit.POINTS: "points"}
NO_MEMBERSHIP = "No membership"
PREPAID_CARDS = "Prepaid cards"
NEVER = "Never"


@dataclass(frozen=True)
class SummaryLine:
    unit: Unit
    available: Decimal
    granted: Decimal
    used: Decimal
    expired: Decimal


@dataclass(frozen=True)
class HistoryRow:
    at: datetime  # in the workspace's timezone
    kind: str
    unit: Unit
    quantity: Decimal
    lot_balance: Decimal  # the lot's balance after this entry
    membership: str
    actor: str
    reason: str
    reference: str


@dataclass(frozen=True)
class CardLine:
    """A prepaid card the customer bought at checkout (its lot, of the card pool)."""

    number: str  # PC-12
    bought: datetime  # in the workspace's timezone
    value: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class CreditReport:
    customer: str
    membership: str  # "M-12" for a membership's report, "" for the whole customer
    currency: str
    summary: tuple[SummaryLine, ...]
    history: tuple[HistoryRow, ...]
    cards: tuple[CardLine, ...] = ()  # the customer's prepaid cards (a membership's report: none)


@dataclass(frozen=True)
class LiabilityRow:
    group: str  # a plan name, or an expiry month "2025-03" / "Never"
    unit: Unit
    quantity: Decimal


@dataclass(frozen=True)
class LiabilityReport:
    currency: str
    at: datetime
    by_plan: tuple[LiabilityRow, ...]
    by_month: tuple[LiabilityRow, ...]

    def total(self, unit: Unit) -> Decimal:
        return sum((r.quantity for r in self.by_plan if r.unit is unit), Decimal(0))


def customer_report(ctx: Ctx, customer_id: int, *, contract_id: int | None = None) -> CreditReport:
    roles.require(ctx, Action.VIEW)
    customer = customers.customer_row(ctx, customer_id)
    if contract_id is not None:
        contract = ctx.uow.get(Contract, contract_id)
        if contract is None or contract.customer_id != customer_id:
            raise NotFound(
                f"{customer.company or customer.contact} has no membership M-{contract_id}.", "membership"
            )
    held = ledger.lots_of(ctx, customer_id)
    units = {lot.id: Unit(lot.unit) for lot in held}
    cards = tuple(
        CardLine(
            lots.card_number(lot.id or 0),
            lot.granted_at.astimezone(ctx.tz),
            _shown(ctx, Unit.MONEY, lot.granted),
            _shown(ctx, Unit.MONEY, lot.remaining),
        )
        for lot in held
        if lot.pool == Pool.CARD.value and contract_id is None
    )
    entries = ledger.history(ctx, customer_id, contract_id=contract_id)
    history = tuple(
        HistoryRow(
            at=e.at.astimezone(ctx.tz),
            kind=ENTRY_LABELS[e.kind],
            unit=units[e.lot_id],
            quantity=_shown(ctx, units[e.lot_id], e.quantity),
            lot_balance=_shown(ctx, units[e.lot_id], e.remaining_after),
            membership=f"M-{e.contract_id}" if e.contract_id else "",
            actor=e.actor,
            reason=e.reason,
            reference=e.reference,
        )
        for e in entries
    )
    return CreditReport(
        customer=customer.company or customer.contact,
        membership=f"M-{contract_id}" if contract_id is not None else "",
        currency=ctx.tenant.currency,
        summary=_summary(ctx, customer_id, contract_id, entries, units),
        history=history,
        cards=cards,
    )


def liability_report(ctx: Ctx) -> LiabilityReport:
    """Credits and monetary balances still owed to customers, by plan and by expiry month."""
    roles.require(ctx, Action.VIEW_FINANCES)
    now = ctx.now()
    query = ctx.uow.select(CreditLot).where(col(CreditLot.remaining) > 0)
    by_plan: dict[tuple[str, Unit], Decimal] = defaultdict(Decimal)
    by_month: dict[tuple[str, Unit], Decimal] = defaultdict(Decimal)
    plan_names = _plan_names(ctx)
    for lot in ctx.uow.all(query):
        if lot.expires_at is not None and lot.expires_at <= now:
            continue
        unit = Unit(lot.unit)
        plan = plan_names.get(lot.contract_id, NO_MEMBERSHIP) if lot.contract_id else NO_MEMBERSHIP
        if lot.pool == Pool.CARD.value:
            plan = PREPAID_CARDS
        month = NEVER if lot.expires_at is None else lot.expires_at.astimezone(ctx.tz).strftime("%Y-%m")
        by_plan[(plan, unit)] += lot.remaining
        by_month[(month, unit)] += lot.remaining

    def rows(groups: dict[tuple[str, Unit], Decimal]) -> tuple[LiabilityRow, ...]:
        ordered = sorted(groups.items(), key=lambda item: (item[0][0] == NEVER, item[0][0], item[0][1].value))
        return tuple(LiabilityRow(g, u, _shown(ctx, u, q)) for (g, u), q in ordered)

    return LiabilityReport(ctx.tenant.currency, now, rows(by_plan), rows(by_month))


# --- export --------------------------------------------------------------------------------------


def to_xlsx(report: CreditReport | LiabilityReport) -> bytes:
    if isinstance(report, LiabilityReport):
        return spreadsheets.to_xlsx(
            spreadsheets.Sheet(
                title,
                ["Plan" if title == "By plan" else "Expires", "What", "Outstanding"],
                [[r.group, UNIT_LABELS[r.unit], r.quantity] for r in rows],
                [_fmt(report.currency, r.unit) for r in rows],
            )
            for title, rows in (("By plan", report.by_plan), ("By expiry month", report.by_month))
        )
    sheets = [
        spreadsheets.Sheet(
            "Summary",
            ["What", "Available", "Granted", "Used", "Expired"],
            [[UNIT_LABELS[s.unit], s.available, s.granted, s.used, s.expired] for s in report.summary],
            [_fmt(report.currency, s.unit) for s in report.summary],
        ),
        spreadsheets.Sheet(
            "History",
            HISTORY_HEADER,
            [_history_cells(r) for r in report.history],
            [_fmt(report.currency, r.unit) for r in report.history],
        ),
    ]
    if report.cards:
        money = _fmt(report.currency, Unit.MONEY)
        sheets.append(
            spreadsheets.Sheet(
                "Prepaid cards",
                ["Card", "Bought", "Value", "Left"],
                [[c.number, c.bought.date(), c.value, c.remaining] for c in report.cards],
                [money for _ in report.cards],
            )
        )
    return spreadsheets.to_xlsx(sheets)


def to_csv(report: CreditReport | LiabilityReport) -> str:
    if isinstance(report, CreditReport):
        history = ([e.at.date().isoformat(), *_history_cells(e)[1:]] for e in report.history)
        return spreadsheets.to_csv([HISTORY_HEADER, *history])
    outstanding = (
        [grouping, line.group, UNIT_LABELS[line.unit], line.quantity]
        for grouping, rows in (("plan", report.by_plan), ("expiry month", report.by_month))
        for line in rows
    )
    return spreadsheets.to_csv([["Grouping", "Group", "What", "Outstanding"], *outstanding])


HISTORY_HEADER = [
    "Date",
    "Time",
    "Entry",
    "What",
    "Quantity",
    "Lot balance",
    "Membership",
    "By",
    "Reason",
    "Reference",
]


def _history_cells(r: HistoryRow) -> list[object]:
    return [
        r.at.date(),
        r.at.strftime("%H:%M"),
        r.kind,
        UNIT_LABELS[r.unit],
        r.quantity,
        r.lot_balance,
        r.membership,
        r.actor,
        r.reason,
        r.reference,
    ]


def _fmt(currency: str, unit: Unit) -> str:
    places = minor_digits(currency) if unit is Unit.MONEY else 0
    return "0" if places == 0 else "#,##0." + "0" * places


def _summary(
    ctx: Ctx,
    customer_id: int,
    contract_id: int | None,
    entries: list[ledger.EntryView],
    units: dict[int | None, Unit],
) -> tuple[SummaryLine, ...]:
    if contract_id is None:
        b = ledger.balance(ctx, customer_id)
        found = sorted(set(b.granted) | {u for u, _ in b.available}, key=lambda u: u.value)
        return tuple(
            SummaryLine(
                u,
                b.total(u),
                b.granted.get(u, Decimal(0))
                + b.transferred_in.get(u, Decimal(0))
                + b.adjusted.get(u, Decimal(0)),
                b.used.get(u, Decimal(0)),
                b.expired.get(u, Decimal(0)),
            )
            for u in found
        )
    sums: dict[Unit, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for e in entries:
        unit = units[e.lot_id]
        if e.kind in ("grant", "transfer_in", "adjust") and e.quantity > 0:
            sums[unit]["granted"] += e.quantity
        elif e.kind in ("redeem", "reverse", "transfer_out") or e.kind == "adjust":
            sums[unit]["used"] -= e.quantity
        elif e.kind == "expire":
            sums[unit]["expired"] -= e.quantity
    now = ctx.now()
    for lot in ledger.lots_of(ctx, customer_id):
        if (
            lot.contract_id == contract_id
            and lot.usable_from <= now
            and (lot.expires_at is None or lot.expires_at > now)
        ):
            sums[Unit(lot.unit)]["available"] += lot.remaining
    return tuple(
        SummaryLine(
            u,
            _shown(ctx, u, s["available"]),
            _shown(ctx, u, s["granted"]),
            _shown(ctx, u, s["used"]),
            _shown(ctx, u, s["expired"]),
        )
        for u, s in sorted(sums.items(), key=lambda i: i[0].value)
    )


def _plan_names(ctx: Ctx) -> dict[int | None, str]:
    versions = {v.id: v.plan_id for v in ctx.uow.all(ctx.uow.select(PlanVersion))}
    plans = {p.id: p.name for p in ctx.uow.all(ctx.uow.select(Plan))}
    return {
        c.id: plans[versions[c.plan_version_id]]
        for c in ctx.uow.all(ctx.uow.select(Contract))
        if c.plan_version_id in versions
    }


def _shown(ctx: Ctx, unit: Unit, quantity: Decimal) -> Decimal:
    places = minor_digits(ctx.tenant.currency) if unit is Unit.MONEY else 0
    return quantity.quantize(Decimal(1).scaleb(-places))
