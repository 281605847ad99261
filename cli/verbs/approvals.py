"""`memberbot approvals`: what waits for a manager's decision."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.errors import UserError
from core.approvals import flows as approval_flows
from core.approvals import service as approvals
from core.memberships import flows as membership_flows

approvals_group = click.Group(
    "approvals", help="What waits for a manager: sales (M-12) and changes held by an approval policy (A-3)."
)


@approvals_group.command("list")
@pass_app
def approvals_list(app: App) -> None:
    """Everything waiting for a decision, oldest first: what, for whom, who asked and when."""
    waiting = app.read(approval_flows.waiting_for)
    if not waiting:
        click.echo("Nothing is waiting for approval.")
    for p in waiting:
        what = f"New membership from {p.start:%Y-%m-%d}" if p.is_sale and p.start else p.summary
        about = ", ".join(x for x in (p.customer, p.plan) if x)
        click.echo(
            f"{p.reference:<7} {p.asked_at:%Y-%m-%d %H:%M}  {p.asked_by:<12} {what}"
            + (f" ({about})" if about else "")
        )


def _decide(app: App, reference: str, *, approve: bool, reason: str) -> None:
    """A sale (M-12) or a held change (A-3), decided as the system: the policy still refuses one
    the system asked for, and a request decided before is told, not decided twice."""
    kind, digits = reference.strip().upper()[:2], reference.strip()[2:]
    if kind not in ("M-", "A-") or not digits.isdigit():
        raise UserError(f"“{reference}” is neither a sale such as M-12 nor a held change such as A-3.")
    if kind == "M-":
        sale = app.write(membership_flows.decide, int(digits), approve=approve, reason=reason)
        m = sale.membership
        click.echo(f"{m.reference} was {'approved' if approve else 'rejected'}: it is {m.status.label}.")
        return
    done = app.write(approvals.decide, int(digits), approve=approve, reason=reason)
    click.echo(f"{done.reference} was {done.status}: {done.summary}")


@approvals_group.command("approve")
@click.argument("reference", metavar="ID")
@pass_app
def approvals_approve(app: App, reference: str) -> None:
    """Approve ID (M-12 or A-3): a held change is made now, in its requester's name."""
    _decide(app, reference, approve=True, reason="")


@approvals_group.command("reject")
@click.argument("reference", metavar="ID")
@click.option("--reason", required=True, help="Why it is rejected (the requester is told).")
@pass_app
def approvals_reject(app: App, reference: str, reason: str) -> None:
    """Reject ID (M-12 or A-3) with a reason."""
    _decide(app, reference, approve=False, reason=reason)
