"""The workspace's use cases: setting one up on first contact (with the plans it starts with), and
the settings form, whose fields are the workspace's and billing's. Each is one unit of work."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from core.billing import service as billing
from core.billing.service import BillingSettings
from core.context import SYSTEM, Ctx, transaction
from core.kernel.clock import Clock
from core.kernel.errors import FieldError, InvalidInput
from core.plans import service as plans
from core.workspace import roles, tenants
from core.workspace.roles import Action
from core.workspace.tenants import MailChange, MailSettings, Settings
from storage.uow import Database


def ensure_tenant(
    db: Database,
    clock: Clock,
    team_id: str,
    *,
    name: str = "",
    timezone: str = "UTC",
    currency: str = "USD",
    admins: Iterable[str] = (),
) -> None:
    """Set up a workspace on first contact: settings, bootstrap admins and the three default plans.
    Calling it again only adds bootstrap admins that are missing."""
    tenants.check_new(team_id, timezone, currency)
    with transaction(db, team_id, SYSTEM, clock) as ctx:
        if tenants.add_tenant(ctx, name=name, timezone=timezone, currency=currency):
            plans.create_default_plans(ctx)
        roles.bootstrap_admins(ctx, admins)


@dataclass(frozen=True)
class WorkspaceSettings:
    """Everything the settings form shows and saves."""

    workspace: Settings
    billing: BillingSettings
    mail: MailSettings


def workspace_settings(ctx: Ctx) -> WorkspaceSettings:
    roles.require(ctx, Action.MANAGE_SETTINGS)
    return WorkspaceSettings(tenants.settings(ctx), billing.billing_settings(ctx), tenants.mail_settings(ctx))


def update_settings(
    ctx: Ctx,
    workspace: Settings,
    *,
    enforce_billing: bool,
    cancelled_credits: str | None,
    mail: MailChange | None = None,
) -> WorkspaceSettings:
    """Save the settings form: every workspace setting, then billing's (None: the rule is kept),
    then the SMTP server's (None: kept as it is). The workspace's and the SMTP server's mistakes
    are reported together; the caller's unit of work then writes nothing."""
    roles.require(ctx, Action.MANAGE_SETTINGS)  # before anything is read
    problems: list[FieldError] = []
    try:
        saved = tenants.update_settings(ctx, **dataclasses.asdict(workspace))
    except InvalidInput as exc:
        problems += exc.errors
    try:
        smtp = tenants.update_mail_settings(ctx, mail) if mail is not None else tenants.mail_settings(ctx)
    except InvalidInput as exc:
        problems += exc.errors
    if problems:
        raise InvalidInput(problems)
    done = billing.update_billing_settings(
        ctx, enforce_billing=enforce_billing, cancelled_credits=cancelled_credits
    )
    return WorkspaceSettings(saved, done, smtp)
