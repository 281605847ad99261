"""E-mail to members, queued in the outbox (core/outbox.py) in the transaction of the change that
causes it and keyed by that change, so a rerun queues none twice and a rollback none at all.
Nothing is queued for a workspace without SMTP settings, a customer without an e-mail address, or
one who unsubscribed; the deliverer (bot/deliver.py) asks again at sending time, so an unsubscribe
in between is honoured too. Core hands plain data; bot/mail.py words it from bot/templates/email/.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col

from core import outbox
from core.context import Ctx
from core.outbox import Data, Kind
from storage.tables.customers import Customer

TO = "customer:"  # an e-mail's `to` in the outbox: the customer, whose address is read when it is sent


@dataclass(frozen=True)
class SmtpServer:
    """Where a workspace's e-mail goes, password included: for the deliverer only."""

    host: str
    port: int
    tls: str  # none | starttls | ssl (core.workspace.tenants.Tls)
    user: str
    password: str
    sender: str  # the From address


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str  # the contact, else the company, as typed


def smtp_server(ctx: Ctx) -> SmtpServer | None:
    """The workspace's SMTP server; None when e-mail is off (no host or no From address)."""
    t = ctx.tenant
    if not (t.smtp_host and t.mail_from):
        return None
    return SmtpServer(t.smtp_host, t.smtp_port, t.smtp_tls, t.smtp_user, t.smtp_password, t.mail_from)


def queue(ctx: Ctx, kind: Kind, key: str, customer_id: int, data: Data) -> bool:
    """Queue an e-mail of `kind` to the customer, once per key; False when none is queued (e-mail
    off, no address, unsubscribed, or queued already)."""
    if smtp_server(ctx) is None or recipients(ctx, [customer_id]).get(customer_id) is None:
        return False
    body = {**data, "business": ctx.tenant.name}
    return outbox.enqueue(ctx, f"{kind.value}:{key}", f"{TO}{customer_id}", kind, body)


def queue_many(ctx: Ctx, kind: Kind, wanted: Iterable[tuple[str, int, Data]]) -> int:
    """`queue` for many (key, customer, data) at once, their addresses read in one query per
    thousand (a day's reminders reach thousands of members); how many were queued."""
    if smtp_server(ctx) is None:
        return 0
    listed = list(wanted)
    to = recipients(ctx, [customer for _, customer, _ in listed])
    business = ctx.tenant.name
    return sum(
        outbox.enqueue(ctx, f"{kind.value}:{key}", f"{TO}{customer}", kind, {**data, "business": business})
        for key, customer, data in listed
        if to.get(customer) is not None
    )


def customer_of(to: str) -> int | None:
    """The customer an outbox row's `to` names, or None when it names none."""
    number = to.removeprefix(TO)
    return int(number) if to.startswith(TO) and number.isascii() and number.isdigit() else None


def recipients(ctx: Ctx, customer_ids: Iterable[int]) -> dict[int, Recipient | None]:
    """Each customer's address now; None for one without an address or who unsubscribed."""
    wanted = sorted(set(customer_ids))
    found: dict[int, Recipient | None] = dict.fromkeys(wanted)
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        for row in ctx.uow.all(ctx.uow.select(Customer).where(col(Customer.id).in_(chunk))):
            if row.email and not row.unsubscribed and row.merged_into_id is None:
                found[row.id or 0] = Recipient(row.email, row.contact or row.company)
    return found
