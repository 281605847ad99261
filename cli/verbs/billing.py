"""`memberbot billing`: charges of memberships, and payments recorded by hand."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.errors import UserError
from core.billing import flows as billing_flows
from core.billing.service import ChargeStatus

billing_group = click.Group("billing", help="Charges of memberships, and payments recorded by hand.")


@billing_group.command("charges")
@click.argument("membership_id", type=int)
@pass_app
def billing_charges(app: App, membership_id: int) -> None:
    """List a membership's charges: due date, period, amount, status."""
    charges = app.read(billing_flows.membership_charges, membership_id)
    for _, c in charges.rows:
        state = "overdue" if c.overdue else c.status.value
        click.echo(
            f"{c.reference:<8} due {c.due_on}  {c.kind:<8} {c.period_start} to {c.period_end}"
            f"  {c.amount:>10} {charges.currency}  {state}"
        )
    if not charges.rows:
        click.echo(f"M-{membership_id} has no charges.")


def _recording(name: str, to: ChargeStatus, about: str, note: str, then: str) -> click.Command:
    """`billing pay` and `billing fail`: record CHARGE (C-12 or 12) paid or failed, and say so."""

    @billing_group.command(name, help=about)
    @click.argument("charge")
    @click.option("--note", default="", help=note)
    @pass_app
    def record(app: App, charge: str, note: str) -> None:
        try:
            charge_id = int(charge.upper().removeprefix("C-"))
        except ValueError:
            raise UserError(f"{charge!r} is not a charge; give its number, such as C-12 or 12.") from None
        c = app.write(billing_flows.record_payment, charge_id, to, note).charge
        click.echo(f"{c.reference} of {c.amount} is {c.status.value}{then}.")

    return record


billing_pay = _recording(
    "pay",
    ChargeStatus.PAID,
    "Record that CHARGE (C-12 or 12) was paid. Paying twice changes nothing.",
    "How it was paid (card, cash, transfer reference).",
    "",
)
billing_fail = _recording(
    "fail",
    ChargeStatus.FAILED,
    "Record that collecting CHARGE (C-12 or 12) failed; it is still owed.",
    "Why collecting it failed (card declined, ...).",
    "; it is still owed",
)
