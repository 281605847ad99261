"""/billing: a membership's charges, and recording a payment or a failed one.

`/billing <customer or M-12>` lists the charges (a page at a time) with Paid and Failed buttons for
those who may record payments; `/billing pay C-12 [note]` and `/billing fail C-12 [note]` record by
command. Recording is idempotent in core: marking a paid charge paid again changes nothing, and the
answer says it was already so."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages, views
from bot.deps import Deps
from bot.listeners.replies import answer, slash_command
from bot.mrkdwn import escape
from bot.pagination import more_button, page, read_more
from core.billing import flows as billing
from core.billing.service import UNPAID, ChargeStatus, ChargeView
from core.customers.lookup import the_customer
from core.kernel.errors import InvalidInput
from core.kernel.money import display

MARK_PAID, MARK_FAILED, CHARGES_MORE = "billing_mark_paid", "billing_mark_failed", "billing_more"
CHARGES_PAGE = 10  # a section and a row of buttons each, with headings: well under 50 blocks
_CHARGE = re.compile(r"^(?:C-)?(\d+)$", re.IGNORECASE)
_MEMBERSHIP = re.compile(r"^M-(\d+)$", re.IGNORECASE)
TEXT_MAX = 40_000  # a message's text fallback
_KINDS = {"freeze": "freeze fee", "lock-in": "lock-in fee"}


def register(app: AsyncApp, deps: Deps) -> None:
    for action_id, to in ((MARK_PAID, ChargeStatus.PAID), (MARK_FAILED, ChargeStatus.FAILED)):
        # One button per charge, and action ids are unique within a message: "<id>:<charge>".
        app.action(re.compile(rf"^{action_id}(?::\d+)?$"))(_pressed(deps, to))

    @app.action(CHARGES_MORE)
    async def more_charges(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        offset, state = read_more(body["actions"][0]["value"])
        reply = await asyncio.to_thread(
            answer,
            lambda: charges_page(deps, team, user, str(state["q"]), offset),
        )
        await respond(replace_original=True, **reply)

    app.command("/billing")(slash_command(deps, "/billing", billing_reply))


def _pressed(deps: Deps, to: ChargeStatus) -> Any:
    """A Paid or Failed button: record it, then show the same page again with what was done on top."""

    async def handle(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        state = json.loads(body["actions"][0]["value"])

        def work() -> dict[str, Any]:
            said = record(deps, team, user, int(state["charge"]), to, "")
            return charges_page(deps, team, user, str(state["q"]), int(state["o"]), said=said)

        reply = await asyncio.to_thread(answer, work)
        await respond(replace_original=True, **reply)

    return handle


def billing_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if not text or verb == "help":
        return messages.message(messages.render("billing_help"))
    if verb in ("pay", "fail"):
        reference, _, note = rest.partition(" ")
        to = ChargeStatus.PAID if verb == "pay" else ChargeStatus.FAILED
        return messages.message(record(deps, team, user, _charge_id(reference), to, note.strip()))
    return charges_page(deps, team, user, text, 0)


def record(deps: Deps, team: str, user: str, charge_id: int, to: ChargeStatus, note: str) -> str:
    """Mark the charge paid or failed; what was done, or that it was so already."""
    done = deps.write(team, user, billing.record_payment, charge_id, to, note)
    return messages.say(
        "charge_recorded",
        reference=done.charge.reference,
        membership=f"M-{done.charge.contract_id}",
        amount=display(done.charge.amount, done.currency),
        status=done.charge.status.value,
        already=done.already,
    )


def charges_page(
    deps: Deps, team: str, user: str, query: str, offset: int, *, said: str = ""
) -> dict[str, Any]:
    """The charges of the membership (M-12) or of every membership of the customer, oldest first
    within each membership; unpaid ones with Paid (and, while due, Failed) buttons."""
    found = _MEMBERSHIP.match(query)
    if found:
        charges = deps.read(team, user, billing.membership_charges, int(found.group(1)))
    else:
        # The buttons carry the customer found ("#7"), not the words typed: short, and exact.
        customer_id = deps.read(team, user, the_customer, query).id
        charges, query = deps.read(team, user, billing.customer_charges, customer_id), f"#{customer_id}"
    shown, next_offset = page(charges.rows, offset, CHARGES_PAGE)
    title = messages.say(
        "charges_title",
        customer=escape(charges.whose),
        count=len(charges.rows),
        memberships=charges.memberships,
        offset=offset,
    )
    lines = [said, title] if said else [title]
    blocks = [views.section(line) for line in lines]
    heading = None
    for m, charge in shown:
        if m.id != heading:
            heading = m.id
            text = messages.say(
                "charges_heading", reference=m.reference, plan=escape(m.plan), status=m.status.label
            )
            lines.append(text)
            blocks.append(views.section(text))
        line = _line(charge, charges.currency)
        lines.append(line)
        blocks.append(views.section(line))
        if charges.may_record and charge.status in UNPAID:
            blocks.append(_buttons(charge, query, offset))
    if next_offset is not None:
        blocks.append(more_button(CHARGES_MORE, next_offset, {"q": query}))
    return {"text": "\n".join(lines)[:TEXT_MAX], "blocks": blocks}


def _line(c: ChargeView, currency: str) -> str:
    return messages.say(
        "charge_line",
        reference=c.reference,
        kind=_KINDS.get(c.kind, ""),
        start=c.period_start,
        end=c.period_end,
        amount=display(c.amount, currency),
        setup_fee=display(c.setup_fee, currency) if c.setup_fee > 0 else "",
        due=c.due_on,
        status=c.status.value,
        overdue=c.overdue,
        note=escape(c.note),
    )


def _buttons(c: ChargeView, query: str, offset: int) -> dict[str, Any]:
    value = json.dumps({"charge": c.id, "q": query, "o": offset}, separators=(",", ":"), ensure_ascii=False)
    elements = [
        {
            "type": "button",
            "action_id": f"{MARK_PAID}:{c.id}",
            "style": "primary",
            "value": value,
            "text": views.plain(f"Paid {c.reference}"),
        }
    ]
    if c.status is ChargeStatus.DUE:  # a failed charge has failed already; it can still be paid
        elements.append(
            {
                "type": "button",
                "action_id": f"{MARK_FAILED}:{c.id}",
                "value": value,
                "text": views.plain("Failed"),
            }
        )
    return {"type": "actions", "block_id": f"charge-{c.id}", "elements": elements}


def _charge_id(reference: str) -> int:
    found = _CHARGE.match(reference.strip())
    if found is None:
        raise InvalidInput.single("charge", messages.say("not_a_charge", typed=escape(reference)))
    return int(found.group(1))
