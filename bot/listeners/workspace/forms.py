"""The workspace's settings and its staff roles: forms for admins, opened from the App Home. Each
writes through core, which checks permissions and every field."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import views
from bot.deps import Deps
from bot.listeners.replies import form_submitted
from bot.listeners.workspace.ids import WorkspaceForm
from core.kernel import formats
from core.kernel.errors import InvalidInput
from core.workspace import flows, roles
from core.workspace.roles import Action, Role
from core.workspace.tenants import MailChange, MailSettings, Settings, Tls


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(WorkspaceForm.SETTINGS.value)(form_submitted(deps, settings_submitted))
    app.view(WorkspaceForm.ROLES.value)(form_submitted(deps, roles_submitted))


def settings_form(deps: Deps, team: str, user: str) -> dict[str, Any]:
    current = deps.read(team, user, flows.workspace_settings)
    s, b, m = current.workspace, current.billing, current.mail
    blocks = [
        views.text_input("name", "Business name", initial=s.name, max_length=200),
        views.text_input(
            "timezone", "Time zone", initial=s.timezone, hint="Such as Europe/Lisbon or America/Chicago."
        ),
        views.text_input("currency", "Currency", initial=s.currency, max_length=3),
        views.text_input("grace_days", "Grace days after a membership ends", initial=str(s.grace_days)),
        views.text_input(
            "visit_horizon_days", "Days of upcoming visits to plan", initial=str(s.visit_horizon_days)
        ),
        views.picker(
            "approvals_channel",
            "Approvals channel (empty: where the sale is made)",
            "conversations_select",
            initial=s.approvals_channel or None,
            optional=True,
        ),
        views.text_input(
            "approve_grants_above",
            "Manual grants above this many credits wait for approval",
            initial=formats.number(s.approve_grants_above) if s.approve_grants_above is not None else "",
            optional=True,
            hint="Empty: grants never wait.",
        ),
        views.checkboxes(
            "policies",
            "Also wait for a manager's approval",
            [("freezes", "Freezes"), ("lock_in_cancels", "Cancellations inside the lock-in")],
            initial=[
                k
                for k, on in (("freezes", s.approve_freezes), ("lock_in_cancels", s.approve_lock_in_cancels))
                if on
            ],
        ),
        views.text_input(
            "balance_alert_above",
            f"Alert the specialist when account credit is above ({s.currency})",
            initial=formats.number(s.balance_alert_above) if s.balance_alert_above is not None else "",
            optional=True,
            hint="Empty: no balance alerts.",
        ),
        views.picker(
            "reminders_channel",
            "Reminders channel (empty: to the seller, by DM)",
            "conversations_select",
            initial=s.reminders_channel or None,
            optional=True,
        ),
        views.picker(
            "operations_channel",
            "Operations channel (tomorrow's services)",
            "conversations_select",
            initial=s.operations_channel or None,
            optional=True,
        ),
        views.text_input(
            "daily_run_at", "Daily jobs run at (local time)", initial=formats.clock(s.daily_run_at)
        ),
        views.text_input(
            "expiry_reminder_days",
            "Remind this many days before credits expire",
            initial=s.expiry_reminder_days,
        ),
        views.text_input(
            "renewal_reminder_days",
            "Remind this many days before a membership ends",
            initial=str(s.renewal_reminder_days),
        ),
        views.checkboxes(
            "plan_versioning",
            "Plans",
            [("yes", "Keep a new version when a sold plan changes")],
            initial=["yes"] if s.plan_versioning else [],
        ),
        views.checkboxes(
            "enforce_billing",
            "Billing",
            [("yes", "Enforce billing: overdue charges stop redeeming and booking")],
            initial=["yes"] if b.enforce_billing else [],
        ),
        _radio_buttons(
            "cancelled_credits",
            "Credits of a cancelled membership",
            [("keep", "Kept until they expire"), ("forfeit", "Forfeited on the cancellation")],
            initial=b.cancelled_credits,
        ),
        *_mail_fields(m),
    ]
    return views.modal(WorkspaceForm.SETTINGS, "Workspace settings", blocks)


def _mail_fields(m: MailSettings) -> list[dict[str, Any]]:
    """The SMTP server member e-mail goes through (docs/email.md). The password is never sent
    back to Slack: the field is empty, and its hint says whether one is set."""
    return [
        {
            **views.section("*Member e-mail* (welcome and receipts, through your SMTP server)"),
            "block_id": "mail",
        },
        views.text_input(
            "smtp_host",
            "SMTP server",
            initial=m.host,
            optional=True,
            max_length=253,
            hint="Such as smtp.example.com. Empty: no e-mail is sent to members.",
        ),
        views.text_input(
            "smtp_port",
            "SMTP port",
            initial=str(m.port) if m.host else "",
            optional=True,
            max_length=5,
            hint="Empty: 587 with STARTTLS, 465 with SSL, 25 without.",
        ),
        views.select(
            "smtp_tls",
            "Connection security",
            [(Tls.STARTTLS, "STARTTLS"), (Tls.SSL, "SSL/TLS from the start"), (Tls.NONE, "None")],
            initial=m.tls.value,
        ),
        views.text_input(
            "smtp_user",
            "SMTP user name",
            initial=m.user,
            optional=True,
            max_length=200,
            hint="Empty: no login.",
        ),
        views.text_input(
            "smtp_password",
            "SMTP password",
            optional=True,
            max_length=200,
            hint="A password is set; leave this empty to keep it."
            if m.password_set
            else "No password is set.",
        ),
        views.text_input(
            "mail_from",
            "E-mails come from",
            initial=m.sender,
            optional=True,
            max_length=320,
            hint="Such as Studio <hello@studio.example>; members' replies go there.",
        ),
    ]


def _radio_buttons(
    block_id: str, label: str, options: list[tuple[str, str]], *, initial: str
) -> dict[str, Any]:
    listed = [views.option(v, t) for v, t in options]
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": block_id, "options": listed}
    chosen = [o for o in listed if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return {"type": "input", "block_id": block_id, "label": views.plain(label), "element": element}


def settings_submitted(deps: Deps, team: str, user: str, chosen: dict[str, Any]) -> None:
    grace, horizon = _days(chosen, "grace_days"), _days(chosen, "visit_horizon_days")
    threshold_text = chosen.get("approve_grants_above", "")
    threshold = None
    if threshold_text:
        if not (threshold_text.isascii() and threshold_text.isdigit()):
            raise InvalidInput.single(
                "approve_grants_above", f"“{threshold_text}” is not a number of credits."
            )
        threshold = Decimal(threshold_text)
    policies = chosen.get("policies", [])
    alert_text = chosen.get("balance_alert_above", "")
    try:
        alert_above = Decimal(alert_text.replace(",", "")) if alert_text else None
    except ArithmeticError:
        raise InvalidInput.single("balance_alert_above", f"“{alert_text}” is not an amount.") from None
    try:
        run_at = time.fromisoformat(chosen.get("daily_run_at", ""))
    except ValueError:
        raise InvalidInput.single("daily_run_at", "Give a time of day such as 06:00.") from None
    chosen_settings = Settings(
        name=chosen.get("name", ""),
        timezone=chosen.get("timezone", ""),
        currency=chosen.get("currency", ""),
        plan_versioning=bool(chosen.get("plan_versioning")),
        grace_days=grace,
        visit_horizon_days=horizon,
        approvals_channel=chosen.get("approvals_channel", ""),
        approve_grants_above=threshold,
        approve_freezes="freezes" in policies,
        approve_lock_in_cancels="lock_in_cancels" in policies,
        daily_run_at=run_at,
        reminders_channel=chosen.get("reminders_channel", ""),
        operations_channel=chosen.get("operations_channel", ""),
        expiry_reminder_days=chosen.get("expiry_reminder_days", ""),
        renewal_reminder_days=_days(chosen, "renewal_reminder_days"),
        balance_alert_above=alert_above,
    )
    deps.write(
        team,
        user,
        flows.update_settings,
        chosen_settings,
        enforce_billing=bool(chosen.get("enforce_billing")),
        cancelled_credits=chosen.get("cancelled_credits") or None,
        mail=_mail_change(chosen),
    )


def _mail_change(chosen: dict[str, Any]) -> MailChange:
    port_text = (chosen.get("smtp_port") or "").strip()
    if port_text and not (port_text.isascii() and port_text.isdigit()):
        raise InvalidInput.single("smtp_port", f"“{port_text}” is not a port number (such as 587).")
    return MailChange(
        host=chosen.get("smtp_host") or "",
        port=int(port_text) if port_text else None,
        tls=chosen.get("smtp_tls") or Tls.STARTTLS,
        user=chosen.get("smtp_user") or "",
        password=chosen.get("smtp_password") or None,
        sender=chosen.get("mail_from") or "",
    )


def _days(chosen: dict[str, Any], field: str) -> int:
    text = chosen.get(field, "")
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise InvalidInput.single(field, f"“{text}” is not a whole number of days.")
    return int(text)


def roles_form(deps: Deps, team: str, user: str) -> dict[str, Any]:
    deps.read(team, user, roles.require, Action.MANAGE_ROLES)
    blocks = [
        views.picker("user", "Staff member", "users_select"),
        views.select("role", "Role", [(r.value, r.value.capitalize()) for r in Role]),
        views.select(
            "change",
            "Change",
            [("grant", "Give this role"), ("revoke", "Take this role away")],
            initial="grant",
        ),
    ]
    return views.modal(WorkspaceForm.ROLES, "Staff roles", blocks)


def roles_submitted(deps: Deps, team: str, user: str, chosen: dict[str, Any]) -> None:
    if not chosen.get("user"):
        raise InvalidInput.single("user", "Choose a staff member.")
    if not chosen.get("role"):
        raise InvalidInput.single("role", "Choose a role.")
    change = roles.revoke if chosen.get("change") == "revoke" else roles.grant
    deps.write(team, user, change, chosen["user"], chosen["role"])
