"""Credits granted by memberships: initial credits on approval, credits each period, anniversary
credit after each completed year, and points earned on payments.

Every grant's idempotency key names what it is for — ("initial", membership),
("grant", membership, period, pool), ("anniversary", membership, year) — so the daily job can run
any number of times, and catch up after downtime, without granting anything twice.

A period's credits are usable from the first minute of its first day: the daily run of the day
before writes them, usable from local midnight (LEAD_DAYS). So they are there whatever time the
run is set to and whatever order a day's jobs take, for a start date, a renewal and every period
after. A period that begins inside a freeze earns nothing: one frozen ahead is skipped, and a lot
written before the freeze was decided is taken back when the freeze ends (`withdraw_frozen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import or_
from sqlmodel import col, select

from core.billing import schedule as billing_schedule
from core.billing import service as billing
from core.catalog import services
from core.context import Ctx
from core.credits import calendar, ledger
from core.credits import terms as credit_terms
from core.credits.ledger import LedgerResult
from core.credits.lots import Pool, Unit
from core.credits.terms import CreditKind, CreditTerms
from core.kernel import paging
from core.kernel.errors import Conflict, InvalidInput, NotFound
from core.memberships.lifecycle import Status
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.credits import CreditLot, LedgerEntry, LedgerOperation
from storage.tables.memberships import Contract
from storage.tables.plans import PlanVersion

# Memberships that earn their periodic and anniversary credits: a scheduled one earns its first
# period the day before it starts.
EARNING = frozenset({Status.SCHEDULED, Status.ACTIVE, Status.GRACE})
# How far ahead the daily run writes a period's credits, usable from the period's local midnight.
LEAD_DAYS = 1


def grant_initial(ctx: Ctx, contract: Contract) -> LedgerResult | None:
    """Initial credits, granted once when the membership is approved and usable at once, even when
    the membership starts later (none when they would expire at once: a past sale's, say)."""
    terms = _terms(ctx, contract)
    if terms is None or terms.initial <= 0:
        return None
    granted = _grant_lots(ctx, contract, terms, f"initial:{contract.id}", terms.initial, ctx.now(), "initial")
    return granted[0] if granted else None  # a past sale's credits that expired with its term: none


def grant_due(ctx: Ctx) -> int:
    """Grant every periodic and anniversary credit that has come due by today, for every earning
    membership. Returns the number of lots written."""
    return sum(paging.pages(lambda after: grant_due_page(ctx, after, 1000)))


def grant_due_page(ctx: Ctx, after: int, limit: int) -> tuple[int, int | None]:
    """`grant_due` for the next `limit` earning memberships after id `after` (bounded work for one
    transaction): the lots written, and the last id seen (None: no more)."""
    roles.require(ctx, Action.RUN_JOBS)
    query = ctx.uow.select(Contract).where(
        col(Contract.status).in_([s.value for s in EARNING]),
        col(Contract.plan_version_id).is_not(None),
        or_(col(Contract.next_grant_on).is_(None), col(Contract.next_grant_on) <= _horizon(ctx)),
        col(Contract.id) > after,
    )
    page = ctx.uow.all(query.order_by(col(Contract.id)).limit(limit))
    return _grant_due(ctx, page), paging.last_id(page, limit)


def grant_due_for(ctx: Ctx, contract: Contract) -> int:
    """Grant what comes due by tomorrow for one membership (usable from each period's first day),
    and note the next day something will."""
    return _grant_due(ctx, [contract])


def _grant_due(ctx: Ctx, contracts: Sequence[Contract]) -> int:
    """What comes due by tomorrow for these memberships, set-based: what each has had, its freezes
    and its cancellation are read in one query per thousand memberships, and the page's periodic
    lots are written together (`ledger.grant_many`: one statement per table), keyed
    `grant:<membership>:<period>` so a rerun writes nothing. Returns the lots written."""
    earning = [c for c in contracts if Status(c.status) in EARNING]
    if not earning:
        return 0
    ids = [c.id or 0 for c in earning]
    through = _horizon(ctx)
    stops = billing.pending_cancellations(ctx, ids)
    freezes = billing.frozen_days(ctx, ids)
    done = _keys_done(ctx, ids)
    terms_of: dict[int, CreditTerms | None] = {}  # by plan version: a page shares a few
    billing_of: dict[int, str] = {}
    costs_of: dict[int | None, dict[int, int]] = {}
    periodic: list[ledger.NewLot] = []
    anniversaries: list[tuple[Contract, CreditTerms, int]] = []
    for contract in earning:
        version_id = contract.plan_version_id or 0
        if version_id not in terms_of:
            terms_of[version_id] = _terms(ctx, contract)
            billing_of[version_id] = _billing_type(ctx, contract)
        terms = terms_of[version_id]
        if terms is None:
            _next_grant_on(ctx, contract, None)
            continue
        stop = stops.get(contract.id or 0)
        billing_type = billing_of[version_id]
        had = done[contract.id or 0]
        for k, day in enumerate(
            calendar.period_starts(contract.start_date, contract.end_date, terms, billing_type, through)
        ):
            key = f"grant:{contract.id}:{k}"
            # A period that begins inside a freeze bills the freeze fee instead of the price: it
            # earns no credits (docs/billing.md); nor does one from the day a cancellation takes effect.
            if stop is not None and day >= stop.effective_on:
                break
            if key not in had and billing_schedule.frozen_on(freezes[contract.id or 0], day) is None:
                periodic += _shares(
                    ctx,
                    contract,
                    terms,
                    key,
                    terms.per_period,
                    _midnight(ctx, day),
                    f"period {k + 1}",
                    costs_of,
                )
        if terms.anniversary_amount > 0:
            for year in calendar.anniversaries(contract.start_date, contract.end_date, through):
                if f"anniversary:{contract.id}:{year}" not in had:
                    anniversaries.append((contract, terms, year))
        next_day = calendar.next_grant_day(
            contract.start_date, contract.end_date, terms, billing_type, through
        )
        _next_grant_on(ctx, contract, next_day)
    written = ledger.grant_many(ctx, periodic)
    for contract, terms, year in anniversaries:
        ledger.grant(
            ctx,
            contract.customer_id,
            Unit.MONEY,
            terms.anniversary_amount,
            key=f"anniversary:{contract.id}:{year}",
            contract_id=contract.id,
            pool=Pool.COMMON,
            usable_from=_midnight(ctx, calendar.anniversary_day(contract.start_date, year)),
            source="anniversary",
            reference=f"year {year}",
        )
        written += 1
    return written


def withdraw_frozen(ctx: Ctx, contract: Contract, first: date, ended: date) -> int:
    """Take back what is left of the periodic lots of periods that began on a frozen day, from
    `first` to the day before `ended`: written a day ahead, before the freeze was decided, they
    were on hold while it lasted and are not the member's. Returns the grants taken back."""
    if ended <= first:
        return 0
    since, until = _midnight(ctx, first), _midnight(ctx, ended)
    query = (
        select(LedgerOperation.key)
        .join(LedgerEntry, col(LedgerEntry.operation_id) == col(LedgerOperation.id))
        .join(CreditLot, col(CreditLot.id) == col(LedgerEntry.lot_id))
        .where(
            col(LedgerEntry.tenant_id) == ctx.uow.tenant_id,
            col(LedgerEntry.contract_id) == contract.id,
            col(LedgerOperation.kind) == "grant",
            col(LedgerOperation.key).startswith(f"grant:{contract.id}:"),
            col(CreditLot.usable_from) >= since,
            col(CreditLot.usable_from) < until,
        )
        .distinct()
    )
    keys = sorted(ctx.uow.session.exec(query).all())
    for key in keys:
        ledger.take_back(ctx, key, "The period began while the membership was frozen.")
    return len(keys)


def _horizon(ctx: Ctx) -> date:
    return ctx.today() + timedelta(days=LEAD_DAYS)


def _next_grant_on(ctx: Ctx, contract: Contract, day: date | None) -> None:
    contract.next_grant_on = date.max if day is None else day
    ctx.uow.add(contract)


def earn_points(
    ctx: Ctx, contract_id: int, paid: Decimal, *, key: str, reference: str = ""
) -> LedgerResult | None:
    """Points for a payment, at the plan's rate per currency unit (whole points, rounded down)."""
    roles.require(ctx, Action.REDEEM)
    contract, terms = _earning_points(ctx, contract_id)
    if paid <= 0:
        raise InvalidInput.single("amount", "The amount paid must be more than zero.")
    points = (paid * terms.points_per_unit).to_integral_value(rounding=ROUND_FLOOR)
    if points <= 0:
        return None
    return ledger.grant(
        ctx,
        contract.customer_id,
        Unit.POINTS,
        points,
        key=key,
        contract_id=contract.id,
        usable_from=ctx.now(),
        expires_at=ledger.expiry_of(ctx, terms, contract, ctx.now()),
        source="points",
        reference=reference,
    )


def convert_points(ctx: Ctx, contract_id: int, points: Decimal, *, key: str) -> LedgerResult:
    """Turn points into monetary credit (common pool) at the plan's value per point."""
    roles.require(ctx, Action.REDEEM)
    contract, terms = _earning_points(ctx, contract_id)
    ledger.redeem(
        ctx,
        contract.customer_id,
        points,
        key=f"{key}:points",
        unit=Unit.POINTS,
        reference="converted to monetary credit",
    )
    return ledger.grant(
        ctx,
        contract.customer_id,
        Unit.MONEY,
        points * terms.point_value,
        key=f"{key}:credit",
        contract_id=contract.id,
        pool=Pool.COMMON,
        source="points",
        reference=f"{points} points",
    )


def _earning_points(ctx: Ctx, contract_id: int) -> tuple[Contract, CreditTerms]:
    """The membership and its credit terms, refused unless its plan earns points."""
    contract = ctx.uow.get(Contract, contract_id)
    if contract is None:
        raise NotFound(f"There is no membership M-{contract_id}.", "membership")
    terms = _terms(ctx, contract)
    if terms is None or terms.kind != CreditKind.POINTS:
        raise Conflict("This membership's plan does not earn points.", "membership")
    return contract, terms


def _grant_lots(
    ctx: Ctx,
    contract: Contract,
    terms: CreditTerms,
    key: str,
    quantity: Decimal,
    usable_from: datetime,
    why: str,
) -> list[LedgerResult]:
    return [
        ledger.grant(
            ctx,
            share.customer_id,
            share.unit,
            share.quantity,
            key=share.key,
            contract_id=share.contract_id,
            pool=share.pool,
            scope=share.scope,
            usable_from=share.usable_from,
            expires_at=share.expires_at,
            reference=share.reference,
        )
        for share in _shares(ctx, contract, terms, key, quantity, usable_from, why, {})
    ]


def _shares(
    ctx: Ctx,
    contract: Contract,
    terms: CreditTerms,
    key: str,
    quantity: Decimal,
    usable_from: datetime,
    why: str,
    costs_of: dict[int | None, dict[int, int]],
) -> list[ledger.NewLot]:
    """The lots of one grant: one for service credits, a lot per pool for monetary credit (none
    when it would expire before it starts). `costs_of` caches equality templates' costs."""
    expires_at = ledger.expiry_of(ctx, terms, contract, usable_from)
    if expires_at is not None and expires_at <= usable_from:
        return []  # a period that ends before it starts (membership end) grants nothing
    scope = None
    if terms.kind == CreditKind.SERVICE:
        if terms.services or terms.categories or terms.equality_template_id is not None:
            template = terms.equality_template_id
            if template not in costs_of:
                costs_of[template] = services.template_costs(ctx, template)
            scope = {
                "services": list(terms.services),
                "categories": list(terms.categories),
                "costs": {str(k): v for k, v in costs_of[template].items()},
            }
        shares = [(Unit.CREDIT, Pool.ANY, quantity, key)]
    elif why == "initial":
        shares = [(Unit.MONEY, Pool.COMMON, quantity, f"{key}:common")]
    else:
        # Monetary credit: the services and products shares, and the rest in the common pool.
        rest = quantity - terms.for_services - terms.for_products
        shares = [
            (Unit.MONEY, pool, amount, f"{key}:{pool.value}")
            for pool, amount in (
                (Pool.SERVICES, terms.for_services),
                (Pool.PRODUCTS, terms.for_products),
                (Pool.COMMON, rest),
            )
        ]
    return [
        ledger.NewLot(
            customer_id=contract.customer_id,
            contract_id=contract.id,
            unit=unit,
            quantity=amount,
            key=lot_key,
            pool=pool,
            usable_from=usable_from,
            expires_at=expires_at,
            scope=scope,
            reference=why,
        )
        for unit, pool, amount, lot_key in shares
        if amount > 0
    ]


def _terms(ctx: Ctx, contract: Contract) -> CreditTerms | None:
    version = ctx.uow.get(PlanVersion, contract.plan_version_id or 0)
    if version is None or version.credit_terms is None:
        return None
    return credit_terms.from_dict(version.credit_terms)


def _billing_type(ctx: Ctx, contract: Contract) -> str:
    version = ctx.uow.get(PlanVersion, contract.plan_version_id or 0)
    return version.billing_type if version else "one-time"


def _keys_done(ctx: Ctx, contract_ids: list[int]) -> dict[int, set[str]]:
    """Keys of these memberships' grants already written, in one query per thousand memberships."""
    # Found through the memberships' ledger entries (contract_id is indexed): a `LIKE 'grant:7:%'`
    # on the keys reads every operation of the workspace, once per membership per day
    # (bench/daily.py measured 14 ms a membership at 3,000).
    done: dict[int, set[str]] = {c: set() for c in contract_ids}
    wanted = sorted(set(contract_ids))
    for start in range(0, len(wanted), 1000):
        query = (
            select(col(LedgerEntry.contract_id), col(LedgerOperation.key))
            .join(LedgerEntry, col(LedgerEntry.operation_id) == col(LedgerOperation.id))
            .where(
                col(LedgerEntry.tenant_id) == ctx.uow.tenant_id,
                col(LedgerEntry.contract_id).in_(wanted[start : start + 1000]),
                col(LedgerOperation.kind) == "grant",
            )
            .distinct()
        )
        for contract_id, key in ctx.uow.session.exec(query).all():
            if contract_id is not None and key.startswith(
                (f"grant:{contract_id}:", f"anniversary:{contract_id}:")
            ):
                done[contract_id].add(key)
                done[contract_id].add(key.rsplit(":", 1)[0])  # "grant:7:3:common" also marks period 3 done
    return done


def _midnight(ctx: Ctx, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ctx.tz)
