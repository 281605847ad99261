"""Credits as people ask for them: a customer's balance, redeeming and transferring (previewed,
then done), a manual grant's preview, the history and the Excel report (also from a balance
alert's button). Each function is one user intent in one unit of work; it finds the customer by
what was typed (core/customers/lookup.py), or takes the one a form chose, and returns plain data
for the caller to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.catalog import services
from core.catalog.services import ServiceView
from core.context import Ctx
from core.credits import alerts as balance_alerts
from core.credits import ledger
from core.credits import reports as credit_reports
from core.credits.ledger import Balance, EntryView, Expiring, LedgerResult
from core.credits.lots import Unit
from core.customers.lookup import Lookup, find_customer, the_customer
from core.customers.service import CustomerView, get_customer
from core.kernel.errors import InvalidInput, NotFound
from core.mail import service as mail
from core.outbox import Kind
from core.workspace import roles
from core.workspace.roles import Action


@dataclass(frozen=True)
class CustomerBalance:
    customer: CustomerView
    balance: Balance


# What a redemption or transfer takes from each lot: (the last day the lot can be used, or None:
# never; credits), in the order they are taken.
Parts = tuple[tuple[date | None, Decimal], ...]


@dataclass(frozen=True)
class RedeemPreview:
    customer: CustomerView
    quantity: Decimal
    service: ServiceView | None
    lots: Parts
    left: Decimal  # credits available afterwards


@dataclass(frozen=True)
class Redeemed:
    customer: CustomerView
    quantity: Decimal  # the credits redeemed, positive
    left: Decimal  # credits available afterwards
    replayed: bool
    lots: Parts  # what was taken from each lot
    expiring: tuple[Expiring, ...]  # of what is left, credits expiring within 30 days


@dataclass(frozen=True)
class TransferPreview:
    giver: CustomerView
    receiver: CustomerView
    quantity: Decimal
    transferable: Decimal  # the giver's credits a transfer may move
    kept: Decimal  # the giver's other credits: their plan does not allow transfers
    lots: Parts  # what would move


@dataclass(frozen=True)
class Transferred:
    giver: CustomerView
    receiver: CustomerView
    replayed: bool
    quantity: Decimal
    giver_left: Decimal  # credits available afterwards
    receiver_has: Decimal
    arrived: Parts  # the receiver's new lots, under the receiver's expiry rule


@dataclass(frozen=True)
class Grantee:
    customer: CustomerView
    today: date  # in the workspace, for reading the expiry date typed


@dataclass(frozen=True)
class History:
    customer: CustomerView
    entries: tuple[EntryView, ...]  # oldest first
    tz: ZoneInfo  # the workspace's, to show when each entry happened


@dataclass(frozen=True)
class Statement:
    customer: CustomerView
    report: credit_reports.CreditReport


@dataclass(frozen=True)
class Report:
    customer: CustomerView
    xlsx: bytes
    on: date  # today, in the workspace


@dataclass(frozen=True)
class RedeemForm:
    services: tuple[ServiceView, ...]
    customer: CustomerView | None  # chosen already (from a reminder's button)
    available: Decimal | None = None  # the chosen customer's credits usable now


def balance_for(ctx: Ctx, text: str) -> CustomerBalance | Lookup:
    """The balance of the customer `text` names; the lookup itself when it names none or several."""
    found = find_customer(ctx, text)
    if found.customer is None:
        return found
    return CustomerBalance(found.customer, ledger.balance(ctx, found.customer.id))


def preview_redemption(ctx: Ctx, who: str, quantity: Decimal, service_name: str = "") -> RedeemPreview:
    """Which lots redeeming `quantity` credits (for the service named, if any) would use."""
    customer = the_customer(ctx, who)
    service = None
    if service_name.strip():
        service = services.find_service(ctx, service_name)
        if service is None:
            raise NotFound(f"There is no service named “{service_name.strip()}”.", "service")
    return _redemption(ctx, customer, quantity, service)


def preview_redemption_for(
    ctx: Ctx, customer_id: int, quantity: Decimal, service_id: int | None = None
) -> RedeemPreview:
    """`preview_redemption` for a customer and service already chosen (the redeem form)."""
    customer = get_customer(ctx, customer_id)
    service = services.get_service(ctx, service_id) if service_id is not None else None
    return _redemption(ctx, customer, quantity, service)


def _redemption(
    ctx: Ctx, customer: CustomerView, quantity: Decimal, service: ServiceView | None
) -> RedeemPreview:
    plan = ledger.preview(ctx, customer.id, quantity, service_id=service.id if service else None)
    lots = tuple((_last_day(ctx, lot.expires_at), amount) for lot, amount in plan)
    left = ledger.balance(ctx, customer.id).total(Unit.CREDIT) - sum((a for _, a in lots), Decimal(0))
    return RedeemPreview(customer, quantity, service, lots, left)


def redeem(
    ctx: Ctx, customer_id: int, quantity: Decimal, *, key: str, service_id: int | None, reference: str
) -> Redeemed:
    """Redeem once per key (a second press replays the first): what was taken from which lots,
    what is left and what of it expires soon."""
    result = ledger.redeem(ctx, customer_id, quantity, key=key, service_id=service_id, reference=reference)
    after = ledger.balance(ctx, customer_id)
    done = Redeemed(
        get_customer(ctx, customer_id),
        -result.total,
        after.total(Unit.CREDIT),
        result.replayed,
        _parts(ctx, customer_id, result, "redeem"),
        tuple(e for e in after.expiring if e.unit is Unit.CREDIT),
    )
    if not result.replayed:
        _receipt(ctx, key, done, service_id, reference)
    return done


def _receipt(ctx: Ctx, key: str, done: Redeemed, service_id: int | None, reference: str) -> bool:
    """The member's receipt e-mail (once per redemption key): what was used, what is left."""
    service = services.get_service(ctx, service_id).name if service_id is not None else ""
    data = {
        "customer": done.customer.label,
        "at": ctx.now().isoformat(),
        "timezone": ctx.tenant.timezone,
        "quantity": str(done.quantity),
        "service": service,
        "reference": reference,
        "left": str(done.left),
        "expiring": [{"on": e.on.isoformat(), "quantity": str(e.quantity)} for e in done.expiring],
    }
    return mail.queue(ctx, Kind.EMAIL_RECEIPT, key, done.customer.id, data)


def preview_transfer(ctx: Ctx, giver_text: str, receiver_text: str, quantity: Decimal) -> TransferPreview:
    """Who gives and who receives, and which of the giver's transferable credits would move."""
    roles.require(ctx, Action.REDEEM)
    giver, receiver = the_customer(ctx, giver_text), the_customer(ctx, receiver_text)
    return _transfer(ctx, giver, receiver, quantity)


def preview_transfer_between(ctx: Ctx, giver_id: int, receiver_id: int, quantity: Decimal) -> TransferPreview:
    """`preview_transfer` for customers already chosen (the transfer form)."""
    roles.require(ctx, Action.REDEEM)
    return _transfer(ctx, get_customer(ctx, giver_id), get_customer(ctx, receiver_id), quantity)


def _transfer(ctx: Ctx, giver: CustomerView, receiver: CustomerView, quantity: Decimal) -> TransferPreview:
    """Only credits whose plan allows transfers are offered; asking for more is refused here, as
    the transfer itself refuses it (core/credits/ledger.py, one rule for Slack and the CLI)."""
    if giver.id == receiver.id:
        raise InvalidInput.single("to_customer", "Credits are transferred to another customer.")
    transferable = ledger.transferable(ctx, giver.id)
    kept = ledger.balance(ctx, giver.id).total(Unit.CREDIT) - transferable
    plan = ledger.preview_transfer(ctx, giver.id, quantity)
    lots = tuple((_last_day(ctx, lot.expires_at), amount) for lot, amount in plan)
    return TransferPreview(giver, receiver, quantity, transferable, kept, lots)


def transfer(ctx: Ctx, giver_id: int, receiver_id: int, quantity: Decimal, *, key: str) -> Transferred:
    """Transfer once per key (a second press replays the first): what each now has, and when the
    credits that arrived expire."""
    result = ledger.transfer(ctx, giver_id, receiver_id, quantity, key=key)
    return Transferred(
        get_customer(ctx, giver_id),
        get_customer(ctx, receiver_id),
        result.replayed,
        sum((e.quantity for e in result.entries if e.kind == "transfer_in"), Decimal(0)),
        ledger.balance(ctx, giver_id).total(Unit.CREDIT),
        ledger.balance(ctx, receiver_id).total(Unit.CREDIT),
        _parts(ctx, receiver_id, result, "transfer_in"),
    )


def _parts(ctx: Ctx, customer_id: int, result: LedgerResult, kind: str) -> Parts:
    """The operation's entries of `kind` on the customer's lots, as (last day, credits)."""
    expiry = {lot.id: lot.expires_at for lot in ledger.lots_of(ctx, customer_id)}
    return tuple(
        (_last_day(ctx, expiry.get(e.lot_id)), abs(e.quantity)) for e in result.entries if e.kind == kind
    )


def grantee(ctx: Ctx, who: str) -> Grantee:
    """The customer a manual grant is for; only those who may adjust credits get this far."""
    roles.require(ctx, Action.ADJUST_CREDITS)
    return Grantee(the_customer(ctx, who), ctx.today())


def history(ctx: Ctx, who: str) -> History:
    roles.require(ctx, Action.VIEW)
    customer = the_customer(ctx, who)
    return History(customer, tuple(ledger.history(ctx, customer.id)), ctx.tz)


def statement(ctx: Ctx, who: str, *, contract_id: int | None = None) -> Statement:
    """The credit report of the customer `who` names (of one membership's credits, if given)."""
    roles.require(ctx, Action.VIEW)
    customer = the_customer(ctx, who)
    return Statement(customer, credit_reports.customer_report(ctx, customer.id, contract_id=contract_id))


def report(ctx: Ctx, who: str) -> Report:
    """The customer's credit report as an Excel workbook."""
    done = statement(ctx, who)
    return Report(done.customer, credit_reports.to_xlsx(done.report), ctx.today())


def alert_report(ctx: Ctx, alert_id: int) -> Report:
    """The credit report of the customer a balance alert is about, while the alert is open."""
    row = next((r for r in balance_alerts.follow_up_report(ctx) if r.alert_id == alert_id), None)
    if row is None:
        raise NotFound("That balance has fallen back under the threshold.")
    content = credit_reports.to_xlsx(credit_reports.customer_report(ctx, row.customer_id))
    return Report(get_customer(ctx, row.customer_id), content, ctx.today())


def redeem_form(ctx: Ctx, customer_id: int | None = None) -> RedeemForm:
    """What the redeem form offers: the services, and the customer if one is chosen already."""
    roles.require(ctx, Action.REDEEM)
    chosen = get_customer(ctx, customer_id) if customer_id else None
    available = ledger.balance(ctx, chosen.id).total(Unit.CREDIT) if chosen else None
    return RedeemForm(tuple(services.list_services(ctx)), chosen, available)


def _last_day(ctx: Ctx, expires_at: datetime | None) -> date | None:
    """The last local day a lot can be used: it expires at the start of the next."""
    return None if expires_at is None else (expires_at - timedelta(microseconds=1)).astimezone(ctx.tz).date()
