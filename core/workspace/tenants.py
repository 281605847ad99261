"""Workspaces (tenants) and their settings: timezone, currency, plan versioning, windows."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from email.utils import parseaddr
from enum import Enum, StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from sqlmodel import col, select

from core.context import Ctx
from core.kernel.errors import Conflict, Errors
from core.kernel.money import MAX_AMOUNT
from core.kernel.text import clean
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.memberships import Contract
from storage.tables.workspace import Tenant
from storage.uow import Database


class Unset(Enum):
    """A setting not given (None is a value for some settings: "never")."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class Settings:
    name: str
    timezone: str
    currency: str
    plan_versioning: bool
    grace_days: int
    visit_horizon_days: int
    approvals_channel: str  # Slack channel id for approval requests; "" posts where the sale was made
    approve_grants_above: Decimal | None  # manual grants above this wait for approval; None: never
    approve_freezes: bool
    approve_lock_in_cancels: bool
    daily_run_at: time
    reminders_channel: str
    operations_channel: str
    expiry_reminder_days: str
    renewal_reminder_days: int
    balance_alert_above: Decimal | None  # monetary credit above this alerts the specialist; None: off


class Tls(StrEnum):
    """How the SMTP connection is secured: not at all, upgraded after connecting, or TLS from the start."""

    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


USUAL_PORT = {Tls.NONE: 25, Tls.STARTTLS: 587, Tls.SSL: 465}


@dataclass(frozen=True)
class MailSettings:
    """The SMTP server member e-mail goes through, as the settings form shows it: the password is
    never read back, only whether one is set."""

    host: str  # "": no e-mail is sent
    port: int
    tls: Tls
    user: str  # "": no login
    password_set: bool
    sender: str  # the From address, such as "Studio <hello@studio.example>"

    @property
    def on(self) -> bool:
        return bool(self.host and self.sender)


@dataclass(frozen=True)
class MailChange:
    """New SMTP settings from the form. An empty host and From turn e-mail off."""

    host: str
    port: int | None  # None: the usual port of the TLS mode
    tls: str
    user: str
    password: str | None  # None: keep the one set (dropped when the user is cleared)
    sender: str


def check_new(team_id: str, timezone: str, currency: str) -> None:
    """Refuse a workspace that cannot be set up, every problem at once under its field."""
    errors = Errors()
    if not team_id or len(team_id) > 32 or not team_id.isalnum():
        errors.add("team", f"{team_id!r} is not a Slack team id.")
    _check_timezone(errors, timezone)
    _check_currency(errors, currency)
    errors.raise_if_any()


def add_tenant(ctx: Ctx, *, name: str, timezone: str, currency: str) -> bool:
    """The workspace's row, locked, added if it is missing: whether it was (checked by `check_new`)."""
    if ctx.uow.session.get(Tenant, ctx.uow.tenant_id, with_for_update=True) is not None:
        return False
    ctx.uow.session.add(
        Tenant(
            id=ctx.uow.tenant_id,
            name=name or ctx.uow.tenant_id,
            timezone=timezone,
            currency=currency.upper(),
            created_at=ctx.now(),
        )
    )
    ctx.uow.flush()
    return True


def settings(ctx: Ctx) -> Settings:
    t = ctx.tenant
    return Settings(
        t.name,
        t.timezone,
        t.currency,
        t.plan_versioning,
        t.grace_days,
        t.visit_horizon_days,
        t.approvals_channel,
        t.approve_grants_above,
        t.approve_freezes,
        t.approve_lock_in_cancels,
        t.daily_run_at,
        t.reminders_channel,
        t.operations_channel,
        t.expiry_reminder_days,
        t.renewal_reminder_days,
        t.balance_alert_above,
    )


def mail_settings(ctx: Ctx) -> MailSettings:
    t = ctx.tenant
    return MailSettings(
        t.smtp_host, t.smtp_port, Tls(t.smtp_tls), t.smtp_user, bool(t.smtp_password), t.mail_from
    )


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_LINE_BREAKS = re.compile(r"[\r\n\x00]")


def update_mail_settings(ctx: Ctx, change: MailChange) -> MailSettings:
    """Check every SMTP field (all problems at once, under their fields) and save them."""
    roles.require(ctx, Action.MANAGE_SETTINGS)
    errors = Errors()
    host, user, sender = change.host.strip(), change.user.strip(), change.sender.strip()
    if host and (len(host) > 253 or not _is_host(host)):
        errors.add("smtp_host", f"“{host[:80]}” is not a host name such as smtp.example.com.")
    tls = Tls.STARTTLS
    try:
        tls = Tls(change.tls or Tls.STARTTLS)
    except ValueError:
        errors.add("smtp_tls", "Choose how the connection is secured: none, STARTTLS or SSL.")
    port = USUAL_PORT[tls] if change.port is None else change.port
    if not 1 <= port <= 65535:
        errors.add("smtp_port", f"{port} is not a port: give a number from 1 to 65535.")
    if len(user) > 200 or _LINE_BREAKS.search(user):
        errors.add("smtp_user", "The user name must be one line of at most 200 characters.")
    password = change.password
    if password is not None and (len(password) > 200 or _LINE_BREAKS.search(password)):
        errors.add("smtp_password", "The password must be one line of at most 200 characters.")
    if password and not user:
        errors.add("smtp_user", "Give the user name this password belongs to.")
    if sender and not _is_sender(sender):
        errors.add("mail_from", f"“{sender[:80]}” is not an address such as Studio <hello@studio.example>.")
    if host and not sender:
        errors.add("mail_from", "Give the address member e-mails come from.")
    if sender and not host:
        errors.add("smtp_host", "Give the SMTP server member e-mails go through.")
    errors.raise_if_any()
    t = ctx.tenant
    t.smtp_host, t.smtp_port, t.smtp_tls, t.smtp_user, t.mail_from = host, port, tls.value, user, sender
    if not user:
        t.smtp_password = ""
    elif password:
        t.smtp_password = password
    ctx.uow.session.add(t)
    ctx.uow.flush()
    return mail_settings(ctx)


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return bool(_HOST.fullmatch(host))


def _is_sender(sender: str) -> bool:
    """One address, optionally with a name ("Studio <hello@studio.example>"), on one line."""
    if len(sender) > 320 or _LINE_BREAKS.search(sender) or sender.count("@") != 1:
        return False
    _, address = parseaddr(sender)
    return bool(_ADDRESS.fullmatch(address))


def update_settings(
    ctx: Ctx,
    *,
    name: str | None = None,
    timezone: str | None = None,
    currency: str | None = None,
    plan_versioning: bool | None = None,
    grace_days: int | None = None,
    visit_horizon_days: int | None = None,
    approvals_channel: str | None = None,
    approve_grants_above: Decimal | Unset | None = UNSET,
    approve_freezes: bool | None = None,
    approve_lock_in_cancels: bool | None = None,
    daily_run_at: time | None = None,
    reminders_channel: str | None = None,
    operations_channel: str | None = None,
    expiry_reminder_days: str | None = None,
    renewal_reminder_days: int | None = None,
    balance_alert_above: Decimal | Unset | None = UNSET,
) -> Settings:
    """Change the settings given (None, or UNSET where None means "never", leaves one as it is),
    after reporting every problem at once under its field."""
    roles.require(ctx, Action.MANAGE_SETTINGS)
    given: dict[str, Any] = {
        field: value
        for field, value in (
            ("name", name),
            ("timezone", timezone),
            ("currency", currency),
            ("plan_versioning", plan_versioning),
            ("grace_days", grace_days),
            ("visit_horizon_days", visit_horizon_days),
            ("approvals_channel", approvals_channel),
            ("reminders_channel", reminders_channel),
            ("operations_channel", operations_channel),
            ("expiry_reminder_days", expiry_reminder_days),
            ("renewal_reminder_days", renewal_reminder_days),
            ("approve_freezes", approve_freezes),
            ("approve_lock_in_cancels", approve_lock_in_cancels),
            ("daily_run_at", daily_run_at),
        )
        if value is not None
    }
    for field, threshold in (
        ("balance_alert_above", balance_alert_above),
        ("approve_grants_above", approve_grants_above),
    ):
        if not isinstance(threshold, Unset):
            given[field] = threshold
    errors = Errors()
    changes = {field: _CHECKS.get(field, _as_given)(errors, field, value) for field, value in given.items()}
    errors.raise_if_any()
    tenant = ctx.tenant
    if "currency" in changes and changes["currency"] != tenant.currency and _has_contracts(ctx):
        raise Conflict("The currency cannot change once memberships have been sold in it.", "currency")
    for field, value in changes.items():
        setattr(tenant, field, value)
    if "timezone" in changes:
        ctx.__dict__.pop("_tz", None)  # drop the cached ZoneInfo
    ctx.uow.session.add(tenant)
    ctx.uow.flush()
    return settings(ctx)


# --- checks of each setting: they record a problem under the field and return the value to store ---

Check = Callable[[Errors, str, Any], Any]
_CHANNEL = re.compile(r"(?:[CG][A-Z0-9]{2,31})?")


def _as_given(errors: Errors, field: str, value: Any) -> Any:
    return value


def _name(errors: Errors, field: str, value: str) -> str:
    return clean(errors, field, value, label="Workspace name", max_length=200, required=True)


def _timezone(errors: Errors, field: str, value: str) -> str:
    _check_timezone(errors, value)
    return value


def _currency(errors: Errors, field: str, value: str) -> str:
    _check_currency(errors, value)
    return value.upper()


def _within(low: int, high: int, message: str) -> Check:
    def check(errors: Errors, field: str, value: int) -> int:
        if not low <= value <= high:
            errors.add(field, message)
        return value

    return check


def _channel(errors: Errors, field: str, value: str) -> str:
    if not _CHANNEL.fullmatch(value):
        errors.add(field, "Choose a channel (a Slack channel id such as C012ABCDEF).")
    return value


def _reminder_days(errors: Errors, field: str, value: str) -> str:
    """Days before expiry such as "7,1": each 1 to 365, stored without repeats, largest first."""
    leads = [p.strip() for p in value.split(",") if p.strip()]
    leads = [p for p in leads if p.isascii()] if all(p.isascii() for p in leads) else []  # "²": no int
    if not leads or not all(p.isdigit() and 1 <= int(p) <= 365 for p in leads):
        errors.add(field, "Give days before expiry such as 7,1 (each 1 to 365).")
    return ",".join(str(n) for n in sorted({int(p) for p in leads if p.isdigit()}, reverse=True))


def _threshold(*, above_zero: bool, message: str) -> Check:
    """An amount (None: never), above zero or at least zero, and at most MAX_AMOUNT (the column
    holds no more, and a larger threshold is a typing mistake: it would never be reached)."""

    def check(errors: Errors, field: str, value: Decimal | None) -> Decimal | None:
        # Only an amount is checked: None turns the rule off.
        if isinstance(value, Decimal) and not (
            value.is_finite() and (value > 0 if above_zero else value >= 0)
        ):
            errors.add(field, message)
        elif isinstance(value, Decimal) and value > MAX_AMOUNT:
            errors.add(field, f"{value:,} is too large for this threshold (at most {MAX_AMOUNT:,}).")
        return value

    return check


_CHECKS: dict[str, Check] = {
    "name": _name,
    "timezone": _timezone,
    "currency": _currency,
    "grace_days": _within(0, 365, "The grace window must be between 0 and 365 days."),
    "visit_horizon_days": _within(7, 730, "The visit horizon must be between 7 and 730 days."),
    "approvals_channel": _channel,
    "reminders_channel": _channel,
    "operations_channel": _channel,
    "expiry_reminder_days": _reminder_days,
    "renewal_reminder_days": _within(0, 365, "Renewal reminders come 0 to 365 days before the end."),
    "balance_alert_above": _threshold(
        above_zero=True, message="The alert threshold must be an amount above 0."
    ),
    "approve_grants_above": _threshold(
        above_zero=False, message="The grant threshold must be a number of credits, 0 or more."
    ),
}


def _has_contracts(ctx: Ctx) -> bool:
    return ctx.uow.first(ctx.uow.select(Contract).limit(1)) is not None


def _check_timezone(errors: Errors, timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.add(
            "timezone", f"{timezone!r} is not a timezone name; use one like Europe/Paris or America/Chicago."
        )


def _check_currency(errors: Errors, currency: str) -> None:
    if currency.upper() not in list_currencies():
        errors.add("currency", f"{currency!r} is not an ISO 4217 currency code such as USD or EUR.")


def tenant_ids(db: Database) -> list[str]:
    """Every workspace, for work that runs across them (the scheduler, operators' reports)."""
    with db.engine.connect() as conn:
        return [row[0] for row in conn.execute(select(col(Tenant.id)).order_by(col(Tenant.id)))]
