"""Balance alerts: when a customer's monetary (account) credit rises above the workspace's
threshold, the membership specialists hear about it once — with the balance, its recent history
and buttons to open the credit report, log a follow-up or snooze — so the conversation happens
before year end. A crossing stays open while the balance stays above; when it falls back under,
the crossing closes, and the next rise is a new crossing with a new alert.

The daily run checks crossings after its grants and expiries (core/daily/jobs.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col, select

from core import outbox
from core.context import Ctx
from core.credits import ledger
from core.credits.lots import Unit
from core.kernel.errors import Conflict, Errors, NotFound
from core.kernel.text import clean
from core.workspace import roles
from core.workspace.roles import Action, Role
from storage.tables.credits import BalanceAlert, CreditLot
from storage.tables.workspace import RoleGrant

SNOOZE_DAYS = 30
HISTORY_SHOWN = 5


@dataclass(frozen=True)
class FollowUpRow:
    alert_id: int
    customer_id: int
    customer: str
    balance: Decimal
    opened_on: date
    followed_up_at: datetime | None
    followed_up_by: str
    note: str
    snoozed_until: date | None


@dataclass(frozen=True)
class FollowUps:
    """The follow-up report, with what showing it needs."""

    rows: tuple[FollowUpRow, ...]
    currency: str
    today: date


def check(ctx: Ctx, day: date) -> int:
    """Open a crossing (and queue its alerts) for each customer newly above the threshold; close
    the crossings of customers back under it. Returns how many alerts were queued."""
    roles.require(ctx, Action.RUN_JOBS)
    threshold = ctx.tenant.balance_alert_above
    if threshold is None:
        return 0
    balances = _money_balances(ctx, above=threshold)  # only those above: bounded by who matters
    open_alerts = {a.customer_id: a for a in _open(ctx)}
    queued = 0
    for customer_id, alert in open_alerts.items():
        if balances.get(customer_id, Decimal(0)) <= threshold:
            alert.closed_on = day
            ctx.uow.add(alert)
    for customer_id, balance in sorted(balances.items()):
        if balance > threshold and customer_id not in open_alerts:
            alert = ctx.uow.add(
                BalanceAlert(
                    tenant_id=ctx.uow.tenant_id, customer_id=customer_id, opened_on=day, balance=balance
                )
            )
            ctx.uow.flush()
            queued += _queue(ctx, alert, balance, threshold)
    ctx.uow.flush()
    return queued


def follow_up(ctx: Ctx, alert_id: int, note: str) -> FollowUpRow:
    roles.require(ctx, Action.FOLLOW_UP)
    cleaned = clean_note(note)
    alert = _alert(ctx, alert_id)
    alert.followed_up_at, alert.followed_up_by, alert.follow_up_note = ctx.now(), ctx.actor, cleaned
    ctx.uow.add(alert)
    ctx.uow.flush()
    return _row(ctx, alert)


def snooze(ctx: Ctx, alert_id: int, days: int = SNOOZE_DAYS) -> FollowUpRow:
    roles.require(ctx, Action.FOLLOW_UP)
    alert = _alert(ctx, alert_id)
    alert.snoozed_until = ctx.today() + timedelta(days=days)
    ctx.uow.add(alert)
    ctx.uow.flush()
    return _row(ctx, alert)


def follow_up_report(ctx: Ctx) -> list[FollowUpRow]:
    """Customers above the threshold now, the longest without a follow-up first; snoozed ones last."""
    roles.require(ctx, Action.VIEW)
    rows = [_row(ctx, a) for a in _open(ctx)]
    today = ctx.today()
    return sorted(
        rows,
        key=lambda r: (
            r.snoozed_until is not None and r.snoozed_until > today,
            r.followed_up_at is not None,
            r.followed_up_at or datetime.min.replace(tzinfo=ctx.tz),
            -r.balance,
        ),
    )


def follow_ups(ctx: Ctx) -> FollowUps:
    return FollowUps(tuple(follow_up_report(ctx)), ctx.tenant.currency, ctx.today())


def clean_note(note: str) -> str:
    errors = Errors()
    cleaned = clean(errors, "note", note, label="The note", max_length=1000, required=True)
    errors.raise_if_any()
    return cleaned


# --- internals -----------------------------------------------------------------------------------


def _money_balances(
    ctx: Ctx, *, above: Decimal | None = None, customer: int | None = None
) -> dict[int, Decimal]:
    """Monetary credit per customer: those above `above`, or the one `customer`."""
    query = (
        select(CreditLot.customer_id, func.sum(CreditLot.remaining))
        .where(
            col(CreditLot.tenant_id) == ctx.uow.tenant_id,
            col(CreditLot.unit) == Unit.MONEY.value,
            col(CreditLot.remaining) > 0,
        )
        .group_by(col(CreditLot.customer_id))
    )
    if above is not None:
        query = query.having(func.sum(CreditLot.remaining) > above)
    if customer is not None:
        query = query.where(col(CreditLot.customer_id) == customer)
    return {int(c): Decimal(str(total)) for c, total in ctx.uow.session.exec(query).all()}


def _open(ctx: Ctx) -> list[BalanceAlert]:
    query = ctx.uow.select(BalanceAlert).where(col(BalanceAlert.closed_on).is_(None))
    return list(ctx.uow.all(query.order_by(col(BalanceAlert.id))))


def _queue(ctx: Ctx, alert: BalanceAlert, balance: Decimal, threshold: Decimal) -> int:
    history = [
        {"at": e.at.astimezone(ctx.tz).isoformat(), "kind": e.kind, "quantity": f"{e.quantity.normalize():f}"}
        for e in ledger.history(ctx, alert.customer_id)
        if e.kind != "expire" or e.quantity
    ][-HISTORY_SHOWN:]
    data = {
        "alert_id": alert.id,
        "customer_id": alert.customer_id,
        "customer": outbox.customer_name(ctx, alert.customer_id),
        "balance": f"{balance.normalize():f}",
        "threshold": f"{threshold.normalize():f}",
        "currency": ctx.tenant.currency,
        "history": history,
    }
    recipients = ctx.uow.session.exec(
        select(RoleGrant.user_id).where(
            col(RoleGrant.tenant_id) == ctx.uow.tenant_id, col(RoleGrant.role) == Role.SPECIALIST.value
        )
    ).all()
    return sum(
        outbox.enqueue(ctx, f"balance:{alert.id}:{to}", to, outbox.Kind.BALANCE_ALERT, data)
        for to in sorted(set(recipients))
    )


def _alert(ctx: Ctx, alert_id: int) -> BalanceAlert:
    alert = ctx.uow.get(BalanceAlert, alert_id, for_update=True)
    if alert is None:
        raise NotFound(f"There is no balance alert #{alert_id}.")
    if alert.closed_on is not None:
        raise Conflict("That balance has fallen back under the threshold; the alert is closed.")
    return alert


def _row(ctx: Ctx, a: BalanceAlert) -> FollowUpRow:
    balance = _money_balances(ctx, customer=a.customer_id).get(a.customer_id, Decimal(0))
    return FollowUpRow(
        a.id or 0,
        a.customer_id,
        outbox.customer_name(ctx, a.customer_id),
        balance,
        a.opened_on,
        a.followed_up_at,
        a.followed_up_by,
        a.follow_up_note,
        a.snoozed_until,
    )
