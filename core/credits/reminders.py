"""What the daily run tells people: credits about to expire (at each lead time, to the staff
member who sold the membership or to the reminders channel) and memberships nearing their end.
Each reminder is keyed by (kind, business date, entity), so running a day twice sends it once;
and those already queued are dropped as soon as their keys are known (one indexed query per
thousand), before anything else is read for them, so a day run again finds its reminders done
cheaply and collects none.
Credits that had expired before they were written (those of a past sale) are never reminded of.

On a day being caught up after downtime the reminders are not sent one by one: `collect` returns
them and the caller sends each recipient one summary. Each is a kind and plain data (core/outbox.py);
the bot words it (bot/notifications)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement
from sqlmodel import col, select

from core import outbox
from core.context import Ctx
from core.credits.lots import Unit
from core.mail import service as mail
from core.memberships.lifecycle import Status
from core.visits import service as visits
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.credits import CreditLot
from storage.tables.memberships import Contract

LIVE = (Status.ACTIVE.value, Status.GRACE.value, Status.SCHEDULED.value, Status.FROZEN.value)
SHOWN = 40  # lines of a list (services tomorrow, the weekly digest)
SUMMED_UP = 20  # reminders a catch-up summary names, per recipient


@dataclass(frozen=True)
class Reminder:
    key: str
    to: str
    kind: outbox.Kind
    data: outbox.Data


def lead_days(ctx: Ctx) -> list[int]:
    """The tenant's lead times, largest first (a malformed setting falls back to 7 and 1)."""
    parts = [p.strip() for p in ctx.tenant.expiry_reminder_days.split(",") if p.strip()]
    leads = sorted({int(p) for p in parts if p.isdigit() and 0 < int(p) <= 365}, reverse=True)
    return leads or [7, 1]


def collect(ctx: Ctx, day: date) -> list[Reminder]:
    return (
        expiry_reminders(ctx, day)
        + renewal_reminders(ctx, day)
        + services_tomorrow(ctx, day)
        + weekly_digest(ctx, day)
    )


def services_tomorrow(ctx: Ctx, day: date) -> list[Reminder]:
    """The next day's service visits, to the operations channel (when the workspace has one)."""
    channel = ctx.tenant.operations_channel
    if not channel:
        return []
    key = f"services:{day}"
    if outbox.queued(ctx, [key]):
        return []  # the day ran before (its mark lost): queued already
    tomorrow = day + timedelta(days=1)
    due = [v for v in visits.upcoming(ctx, until=tomorrow) if v.due_on == tomorrow]
    if not due:  # nothing to say: no daily "None." in the channel
        return []
    shown = [
        {
            "starts_at": v.starts_at.astimezone(ctx.tz).isoformat(),
            "customer": v.customer,
            "job": v.job,
            "task": v.task,
        }
        for v in due[:SHOWN]
    ]
    data = {"day": tomorrow.isoformat(), "visits": shown, "count": len(due)}
    return [Reminder(key, channel, outbox.Kind.SERVICES_TOMORROW, data)]


def weekly_digest(ctx: Ctx, day: date) -> list[Reminder]:
    """On Mondays, to the reminders channel: credits expiring in the coming week, per customer,
    the most at risk first (monetary credit by amount, then service credits and points by count)."""
    channel = ctx.tenant.reminders_channel
    key = f"digest:{day}:{channel}"
    if not channel or day.weekday() != 0 or outbox.queued(ctx, [key]):
        return []
    start, end = _midnight(ctx, day + timedelta(days=1)), _midnight(ctx, day + timedelta(days=8))
    query = ctx.uow.select(CreditLot).where(
        col(CreditLot.remaining) > 0,
        col(CreditLot.expires_at) >= start,
        col(CreditLot.expires_at) < end,
        _worth_telling(),
    )
    at_risk: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for lot in ctx.uow.all(query):
        at_risk[(lot.customer_id, lot.unit)] += lot.remaining
    if not at_risk:  # a quiet week: no "None." in the channel
        return []
    ranked = sorted(at_risk.items(), key=lambda item: (item[0][1] != Unit.MONEY.value, -item[1], item[0][0]))
    names = outbox.customer_names(ctx, [c for (c, _), _ in ranked[:SHOWN]])
    credits = [
        {"customer_id": c, "customer": names[c], "unit": u, "quantity": _amount(q)}
        for (c, u), q in ranked[:SHOWN]
    ]
    data = {"week_from": day.isoformat(), "currency": ctx.tenant.currency, "credits": credits}
    return [Reminder(key, channel, outbox.Kind.CREDITS_WEEKLY_DIGEST, data)]


def send(ctx: Ctx, reminders: list[Reminder]) -> int:
    """The day's reminders to staff, a thousand to a statement (those queued already are left
    alone), and each member whose credits expire their own e-mail (keyed by the same reminder:
    once, however often the day runs; docs/email.md)."""
    roles.require(ctx, Action.RUN_JOBS)
    written = outbox.enqueue_many(ctx, ((r.key, r.to, r.kind, r.data) for r in reminders))
    expiring = [
        (r.key, r.data["customer_id"], r.data) for r in reminders if r.kind is outbox.Kind.CREDITS_EXPIRING
    ]
    mail.queue_many(ctx, outbox.Kind.EMAIL_CREDITS_EXPIRING, expiring)
    return written


def send_summary(ctx: Ctx, first: date, last: date, reminders: list[Reminder]) -> int:
    """One message per recipient for the reminders of days caught up, instead of a flood."""
    roles.require(ctx, Action.RUN_JOBS)
    by_recipient: dict[str, list[Reminder]] = defaultdict(list)
    for r in reminders:
        by_recipient[r.to].append(r)
    written = 0
    for to, theirs in sorted(by_recipient.items()):
        data = {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "count": len(theirs),
            "reminders": [{"kind": r.kind.value, "data": r.data} for r in theirs[:SUMMED_UP]],
        }
        written += outbox.enqueue(ctx, f"summary:{first}:{last}:{to}", to, outbox.Kind.CATCH_UP_SUMMARY, data)
    return written


def expiry_reminders(ctx: Ctx, day: date) -> list[Reminder]:
    """Per customer and lead time: the credits whose last day is `lead` days after `day`."""
    found: list[Reminder] = []
    for lead in lead_days(ctx):
        last_day = day + timedelta(days=lead)
        # A lot's expires_at is the local midnight after its last day.
        start, end = (
            _midnight(ctx, last_day + timedelta(days=1)),
            _midnight(ctx, last_day + timedelta(days=2)),
        )
        # Four columns of the lots expiring that day (the expiry index), not whole rows: on a day
        # run again, all that is needed is the keys, to find them queued and stop there.
        lot = CreditLot
        query = select(col(lot.customer_id), col(lot.unit), col(lot.remaining), col(lot.contract_id)).where(
            col(CreditLot.tenant_id) == ctx.uow.tenant_id,
            col(CreditLot.remaining) > 0,
            col(CreditLot.expires_at).is_not(None),
            col(CreditLot.expires_at) >= start,
            col(CreditLot.expires_at) < end,
            _worth_telling(),
        )
        totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        contracts: dict[int, int | None] = {}
        for customer_id, unit, remaining, contract_id in ctx.uow.session.exec(
            query.order_by(col(CreditLot.customer_id), col(CreditLot.id))
        ):
            totals[(customer_id, unit)] += remaining
            contracts.setdefault(customer_id, contract_id)
        key_of = {(c, u): f"expiry:{day}:{c}:{u}:{lead}" for c, u in totals}
        done = outbox.queued(ctx, key_of.values())
        totals = {cu: q for cu, q in totals.items() if key_of[cu] not in done}
        contracts = {c: contracts[c] for c, _ in totals}
        names = outbox.customer_names(ctx, contracts)
        sellers = _sellers(ctx, [c for c in contracts.values() if c is not None])
        for (customer_id, unit), quantity in sorted(totals.items()):
            data = {
                "customer_id": customer_id,
                "customer": names[customer_id],
                "unit": unit,
                "quantity": _amount(quantity),
                "currency": ctx.tenant.currency,
                "last_day": last_day.isoformat(),
                "lead_days": lead,
            }
            found.append(
                Reminder(
                    key_of[(customer_id, unit)],
                    _recipient(ctx, contracts.get(customer_id), sellers),
                    outbox.Kind.CREDITS_EXPIRING,
                    data,
                )
            )
    return found


def renewal_reminders(ctx: Ctx, day: date) -> list[Reminder]:
    ends = day + timedelta(days=ctx.tenant.renewal_reminder_days)
    query = ctx.uow.select(Contract).where(col(Contract.end_date) == ends, col(Contract.status).in_(LIVE))
    contracts = list(ctx.uow.all(query.order_by(col(Contract.id))))
    done = outbox.queued(ctx, [f"renewal:{day}:{c.id}" for c in contracts])
    contracts = [c for c in contracts if f"renewal:{day}:{c.id}" not in done]
    sellers = _sellers(ctx, [c.id for c in contracts if c.id is not None])
    names = outbox.customer_names(ctx, [c.customer_id for c in contracts])
    return [
        Reminder(
            f"renewal:{day}:{c.id}",
            _recipient(ctx, c.id, sellers),
            outbox.Kind.MEMBERSHIP_ENDING,
            {
                "contract_id": c.id,
                "customer_id": c.customer_id,
                "customer": names[c.customer_id],
                "ends_on": ends.isoformat(),
            },
        )
        for c in contracts
    ]


def _worth_telling() -> ColumnElement[bool]:
    """Lots that could still be used when they were written: a past sale (recorded after its
    term) gets credits already expired, and a day caught up later must not remind anyone of them."""
    return col(CreditLot.expires_at) > col(CreditLot.granted_at)


def recipient(ctx: Ctx, contract_id: int | None) -> str:
    """Who hears about a membership: the reminders channel, else the staff member who sold it (a
    direct message), else the approvals channel; "" when the workspace set none of them."""
    return _recipient(ctx, contract_id)


def _recipient(ctx: Ctx, contract_id: int | None, sellers: dict[int, str] | None = None) -> str:
    """The reminders channel, or the staff member who sold the membership (a direct message)."""
    if ctx.tenant.reminders_channel:
        return ctx.tenant.reminders_channel
    if sellers is None:
        sellers = _sellers(ctx, [contract_id] if contract_id else [])
    seller = sellers.get(contract_id) if contract_id else None
    return seller if seller is not None else (ctx.tenant.approvals_channel or "")


def _sellers(ctx: Ctx, contract_ids: list[int]) -> dict[int, str]:
    """Who sold each of these memberships, in one query per thousand."""
    wanted = sorted(set(contract_ids))
    sellers: dict[int, str] = {}
    if ctx.tenant.reminders_channel:
        return sellers
    for start in range(0, len(wanted), 1000):
        query = select(Contract.id, Contract.seller_id).where(
            col(Contract.tenant_id) == ctx.uow.tenant_id, col(Contract.id).in_(wanted[start : start + 1000])
        )
        sellers.update({row_id: seller for row_id, seller in ctx.uow.session.exec(query).all() if row_id})
    return sellers


def _amount(quantity: Decimal) -> str:
    """A quantity as data: exact, without trailing zeros ("2", "12.5")."""
    return f"{quantity.normalize():f}"


def _midnight(ctx: Ctx, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ctx.tz)
