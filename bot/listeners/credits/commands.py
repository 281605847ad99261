"""/credits: a customer's balance, and the previews of redemption, transfer and grant (each with
its Confirm button); history, the Excel export, the balance follow-ups, and the forms when the
command names no one."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import keys, messages
from bot.dates import parse_date
from bot.deps import Deps
from bot.listeners.alerts import commands as balance_alerts
from bot.listeners.credits import previews
from bot.listeners.credits.forms import credit_quantity, redeem_form, transfer_form
from bot.listeners.credits.ids import CreditsAction
from bot.listeners.picker import choices
from bot.listeners.replies import Modal, Upload, channel_command
from bot.mrkdwn import escape
from bot.ui.buttons import actions, button
from core.credits import flows as credits
from core.credits.flows import CustomerBalance
from core.credits.lots import ENTRY_LABELS
from core.kernel import formats
from core.kernel.errors import InvalidInput

HISTORY_SHOWN = 25


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/credits")(channel_command(deps, "/credits", credits_reply))


def credits_reply(
    deps: Deps, team: str, user: str, channel: str, text: str
) -> dict[str, Any] | Modal | Upload:
    if not text or text.lower() == "help":
        return messages.message(messages.render("credits_help"))
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "redeem":
        if not rest:
            return Modal("Redeem credits", lambda: redeem_form(deps, team, user, channel=channel))
        return redeem_preview(deps, team, user, rest)
    if verb == "transfer":
        if not rest:
            return Modal("Transfer credits", lambda: transfer_form(deps, team, user, channel))
        return transfer_preview(deps, team, user, rest)
    if verb == "history" and rest:
        return history(deps, team, user, rest)
    if verb == "export" and rest:
        return export(deps, team, user, rest)
    if verb == "grant" and rest:
        return grant_preview(deps, team, user, rest)
    if verb == "followups":
        return balance_alerts.follow_ups(deps, team, user)
    found = deps.read(team, user, credits.balance_for, text)
    if isinstance(found, CustomerBalance):
        shown = escape(found.customer.label)
        return messages.message(messages.render("balance", customer=shown, balance=found.balance))
    if not found.matches:
        return messages.message(messages.say("no_customer", query=escape(text)))
    raise choices.several(found)


def redeem_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """Which lots a redemption will use, and a Confirm button carrying the request and its
    idempotency key: pressing twice (or Slack retrying) redeems once."""
    words, _, service_name = text.partition(" for ")
    *customer_words, quantity_text = words.split() or [""]
    if (
        not customer_words
        or not (quantity_text.isascii() and quantity_text.isdigit())
        or int(quantity_text) < 1
    ):
        raise InvalidInput.single(
            "quantity", "Say who and how many: `/credits redeem <customer> <quantity> [for <service>]`."
        )
    planned = deps.read(
        team, user, credits.preview_redemption, " ".join(customer_words), Decimal(quantity_text), service_name
    )
    customer, service = planned.customer, planned.service
    reply = messages.message(previews.redeem_preview(planned))
    value = json.dumps(
        {
            "customer": customer.id,
            "quantity": quantity_text,
            "service": service.id if service else None,
            "key": keys.new_nonce(),
        }
    )
    confirm = button(CreditsAction.CONFIRM_REDEEM, "Redeem", value, style="primary", emoji=False)
    reply["blocks"].append(actions([confirm]))
    return reply


def transfer_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`<quantity> from <customer> to <customer>`: who gives, who receives, and a Confirm button."""
    match = re.fullmatch(r"(\S+)\s+from\s+(.+?)\s+to\s+(.+)", text, re.IGNORECASE)
    if match is None:
        raise InvalidInput.single(
            "quantity", "Say how many and between whom: `/credits transfer 2 from <customer> to <customer>`."
        )
    quantity = credit_quantity(match.group(1))
    planned = deps.read(team, user, credits.preview_transfer, match.group(2), match.group(3), quantity)
    giver, receiver = planned.giver, planned.receiver
    request = {
        "from": giver.id,
        "to": receiver.id,
        "quantity": str(quantity),
        "key": keys.new_nonce(),
    }
    reply = messages.message(previews.transfer_preview(planned))
    reply["blocks"].append(_confirm_button(CreditsAction.CONFIRM_TRANSFER, "Transfer", request))
    return reply


def grant_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`<customer> <quantity> [expires <date>] <reason>`: a manual adjustment, admins only."""
    match = re.fullmatch(r"(.+?)\s+(-?\d+(?:\.\d+)?)(?:\s+expires\s+(.+?))?\s+(\S.*)", text, re.IGNORECASE)
    if match is None:
        raise InvalidInput.single(
            "quantity",
            "Say who, how many and why: `/credits grant <customer> <quantity> [expires <date>] <reason>`.",
        )
    target = deps.read(team, user, credits.grantee, match.group(1))
    customer = target.customer
    expires, reason = None, match.group(4)
    if match.group(3):
        expires, reason = _expiry_and_reason(target.today, match.group(3), reason)
    request = {
        "customer": customer.id,
        "quantity": match.group(2),
        "expires": expires.isoformat() if expires else None,
        "reason": reason,
        "key": keys.new_nonce(),
    }
    verb = "Deduct" if match.group(2).startswith("-") else "Grant"
    reply = messages.message(
        messages.say(
            "grant_preview",
            verb=verb,
            quantity=match.group(2).lstrip("-"),
            customer=escape(customer.label),
            until=expires,
            reason=escape(reason),
        )
    )
    reply["blocks"].append(_confirm_button(CreditsAction.CONFIRM_GRANT, verb, request))
    return reply


def _expiry_and_reason(today: date, date_text: str, reason: str) -> tuple[date, str]:
    """ "expires 1 Mar 2026 goodwill": the date is as many leading words as parse as one."""
    words = f"{date_text} {reason}".split()
    for size in range(min(4, len(words) - 1), 0, -1):
        try:
            return parse_date(" ".join(words[:size]), today, field="expires"), " ".join(words[size:])
        except InvalidInput:
            continue
    return parse_date(date_text, today, field="expires"), reason


def _entry(kind: str) -> str:
    """A ledger entry's kind in words: "Transferred out", not transfer_out."""
    return ENTRY_LABELS.get(kind, kind)


def history(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    found = deps.read(team, user, credits.history, text)
    entries, tz = found.entries, found.tz
    shown = entries[-HISTORY_SHOWN:]
    lines = [
        f"• {formats.day(e.at.astimezone(tz))} {_entry(e.kind)} *{e.quantity.normalize():+f}* "
        f"(<@{e.actor}>{', ' + escape(e.reason) if e.reason else ''})"
        if e.actor.startswith(("U", "W"))
        else f"• {formats.day(e.at.astimezone(tz))} {_entry(e.kind)} *{e.quantity.normalize():+f}*"
        f"{' (' + escape(e.reason) + ')' if e.reason else ''}"
        for e in shown
    ]
    said = messages.say(
        "history",
        customer=escape(found.customer.label),
        lines=lines,
        older=len(entries) - len(shown),
        query=escape(text),
    )
    return messages.message(said)


def export(deps: Deps, team: str, user: str, text: str) -> Upload:
    made = deps.read(team, user, credits.report, text)
    customer, content, stamp = made.customer, made.xlsx, made.on.isoformat()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", customer.label).strip("-").lower() or "customer"
    return Upload(
        f"credits-{slug}-{stamp}.xlsx",
        content,
        f"Credit report — {customer.label}",
        messages.say("exported", customer=escape(customer.label)),
    )


def _confirm_button(action_id: str, label: str, request: dict[str, Any]) -> dict[str, Any]:
    value = json.dumps(request, separators=(",", ":"))
    return actions([button(action_id, label, value, style="primary")])
