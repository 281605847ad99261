"""/credits: a customer's balance, redemption, transfer, history, the Excel export and manual
grants. Anything that changes the ledger is previewed first and done by a Confirm button (or a
form) carrying an idempotency key: pressing twice, or Slack retrying, changes the ledger once."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.dates import parse_date
from bot.deps import Deps
from bot.listeners.alerts import commands as balance_alerts
from bot.listeners.approvals import Held, held, post_held
from bot.listeners.replies import Modal, Upload, answer, open_modal, slash_command, submission
from bot.mrkdwn import escape
from bot.notifications.ids import ReminderAction
from core.approvals import service as approvals
from core.credits import flows as credits
from core.credits import ledger
from core.credits.flows import CustomerBalance
from core.credits.lots import Unit
from core.customers import service as customers
from core.kernel.errors import InvalidInput
from core.workspace import roles
from core.workspace.roles import Action

CONFIRM_REDEEM = "credits_redeem_confirm"
CONFIRM_TRANSFER, CONFIRM_GRANT = "credits_transfer_confirm", "credits_grant_confirm"
REDEEM_FORM, TRANSFER_FORM = "credits_redeem", "credits_transfer"
HISTORY_SHOWN = 25


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(CONFIRM_REDEEM)
    async def confirm_redeem(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request = json.loads(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: redeem_confirmed(deps, team, user, request))
        await respond(replace_original=True, **reply)

    for action_id, work in ((CONFIRM_TRANSFER, transfer_confirmed), (CONFIRM_GRANT, grant_confirmed)):
        app.action(action_id)(_confirmed(deps, work))

    @app.action(ReminderAction.REDEEM)
    async def redeem_from_reminder(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The Redeem button of an expiry reminder: the redeem form, with the customer chosen."""
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        customer_id = int(body["actions"][0]["value"])
        modal = Modal("Redeem credits", lambda: redeem_form(deps, team, user, customer_id))
        await open_modal(client, body["trigger_id"], modal)

    for callback_id in (REDEEM_FORM, TRANSFER_FORM):
        app.view(callback_id)(_form_submitted(deps, callback_id))
    app.command("/credits")(slash_command(deps, "/credits", credits_reply))


def _confirmed(deps: Deps, work: Any) -> Any:
    async def handle(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request = {
            **json.loads(body["actions"][0]["value"]),
            "channel": body["container"].get("channel_id", ""),
        }
        waiting: list[Held] = []

        def run() -> dict[str, Any]:
            result = work(deps, team, user, request)
            if isinstance(result, Held):
                waiting.append(result)
                return result.reply
            return dict(result)

        reply = await asyncio.to_thread(answer, run)
        await respond(replace_original=True, **reply)
        if waiting:
            await post_held(client, waiting[0])

    return handle


def _form_submitted(deps: Deps, callback_id: str) -> Any:
    async def handle(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        chosen, key = views.values(view), views.metadata(view)["key"]

        def work() -> dict[str, Any] | None:
            if not chosen.get("customer"):
                raise InvalidInput.single("customer", "Choose the customer.")
            quantity = _quantity(chosen.get("quantity", ""))
            if callback_id == REDEEM_FORM:
                request = {"customer": chosen["customer"], "quantity": str(quantity), "key": key}
                if chosen.get("service"):
                    request["service"] = int(chosen["service"])
                redeem_confirmed(deps, team, user, request)
            else:
                if not chosen.get("to_customer"):
                    raise InvalidInput.single("to_customer", "Choose who receives the credits.")
                request = {"from": chosen["customer"], "to": chosen["to_customer"], "quantity": str(quantity)}
                transfer_confirmed(deps, team, user, {**request, "key": key})
            return None

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))

    return handle


def credits_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal | Upload:
    if not text or text.lower() == "help":
        return messages.message(messages.render("credits_help"))
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "redeem":
        if not rest:
            return Modal("Redeem credits", lambda: redeem_form(deps, team, user))
        return redeem_preview(deps, team, user, rest)
    if verb == "transfer":
        if not rest:
            return Modal("Transfer credits", lambda: transfer_form(deps, team, user))
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
    labels = [escape(c.label) for c in found.matches]
    return messages.message(messages.render("pick_customer", query=escape(text), customers=labels))


def redeem_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """Which lots a redemption will use, and a Confirm button carrying the request and its
    idempotency key: pressing twice (or Slack retrying) redeems once."""
    words, _, service_name = text.partition(" for ")
    *customer_words, quantity_text = words.split() or [""]
    if not customer_words or not quantity_text.isdigit() or int(quantity_text) < 1:
        raise InvalidInput.single(
            "quantity", "Say who and how many: `/credits redeem <customer> <quantity> [for <service>]`."
        )
    planned = deps.read(
        team, user, credits.preview_redemption, " ".join(customer_words), Decimal(quantity_text), service_name
    )
    customer, service = planned.customer, planned.service
    lines = [
        f"• {amount.normalize():f} from credits expiring {_expiry(last_day)}"
        for last_day, amount in planned.lots
    ]
    what = f" for {escape(service.name)}" if service else ""
    text_out = f"Redeem *{planned.quantity}* credits{what} from *{escape(customer.label)}*?\n" + "\n".join(
        lines
    )
    reply = messages.message(text_out)
    value = json.dumps(
        {
            "customer": customer.id,
            "quantity": quantity_text,
            "service": service.id if service else None,
            "key": f"slack-redeem-{uuid.uuid4().hex}",
        }
    )
    reply["blocks"].append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": CONFIRM_REDEEM,
                    "style": "primary",
                    "value": value,
                    "text": {"type": "plain_text", "text": "Redeem"},
                }
            ],
        }
    )
    return reply


def redeem_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(
        team,
        user,
        credits.redeem,
        int(request["customer"]),
        Decimal(request["quantity"]),
        key=str(request["key"]),
        service_id=request.get("service"),
        reference="Slack",
    )
    quantity = f"{done.quantity.normalize():f}"
    said = messages.say(
        "redeemed",
        quantity=quantity,
        customer=escape(done.customer.label),
        left=done.left,
        replayed=done.replayed,
    )
    return messages.message(said)


def transfer_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`<quantity> from <customer> to <customer>`: who gives, who receives, and a Confirm button."""
    match = re.fullmatch(r"(\S+)\s+from\s+(.+?)\s+to\s+(.+)", text, re.IGNORECASE)
    if match is None:
        raise InvalidInput.single(
            "quantity", "Say how many and between whom: `/credits transfer 2 from <customer> to <customer>`."
        )
    quantity = _quantity(match.group(1))
    planned = deps.read(team, user, credits.preview_transfer, match.group(2), match.group(3))
    giver, receiver, available = planned.giver, planned.receiver, planned.available
    request = {
        "from": giver.id,
        "to": receiver.id,
        "quantity": str(quantity),
        "key": f"slack-transfer-{uuid.uuid4().hex}",
    }
    reply = messages.message(
        messages.say(
            "transfer_preview",
            quantity=quantity,
            giver=escape(giver.label),
            available=available,
            receiver=escape(receiver.label),
        )
    )
    reply["blocks"].append(_confirm_button(CONFIRM_TRANSFER, "Transfer", request))
    return reply


def transfer_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(
        team,
        user,
        credits.transfer,
        int(request["from"]),
        int(request["to"]),
        Decimal(request["quantity"]),
        key=str(request["key"]),
    )
    return messages.message(
        messages.say(
            "transferred",
            quantity=request["quantity"],
            giver=escape(done.giver.label),
            receiver=escape(done.receiver.label),
            replayed=done.replayed,
        )
    )


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
        "key": f"slack-grant-{uuid.uuid4().hex}",
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
    reply["blocks"].append(_confirm_button(CONFIRM_GRANT, verb, request))
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


def grant_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any] | Held:
    """The grant, or — above the workspace's threshold — a request for a manager's approval."""
    expires = date.fromisoformat(request["expires"]) if request.get("expires") else None
    with deps.tx(team, user) as ctx:
        if approvals.grant_needs_approval(ctx, Decimal(request["quantity"])):
            name = customers.get_customer(ctx, int(request["customer"])).label
            summary = f"Grant {request['quantity']} credits to {name}: {request['reason']}"
            wanted = {k: request[k] for k in ("customer", "quantity", "reason", "expires")}
            asked = approvals.request_approval(ctx, "grant", wanted, summary, key=str(request["key"]))
            return held(ctx, asked, str(request.get("channel", "")))
        result = ledger.adjust(
            ctx,
            int(request["customer"]),
            Decimal(request["quantity"]),
            str(request["reason"]),
            key=str(request["key"]),
            expires_on=expires,
        )
        name = customers.get_customer(ctx, int(request["customer"])).label
        left = ledger.balance(ctx, int(request["customer"])).total(Unit.CREDIT)
    return messages.message(
        messages.say("granted", customer=escape(name), left=left, replayed=result.replayed)
    )


def history(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    found = deps.read(team, user, credits.history, text)
    entries, tz = found.entries, found.tz
    shown = entries[-HISTORY_SHOWN:]
    lines = [
        f"• {e.at.astimezone(tz):%d %b %Y} {e.kind} *{e.quantity.normalize():+f}* "
        f"(<@{e.actor}>{', ' + escape(e.reason) if e.reason else ''})"
        if e.actor.startswith(("U", "W"))
        else f"• {e.at.astimezone(tz):%d %b %Y} {e.kind} *{e.quantity.normalize():+f}*"
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


def redeem_form(deps: Deps, team: str, user: str, customer_id: int | None = None) -> dict[str, Any]:
    offered = deps.read(team, user, credits.redeem_form, customer_id)
    listed = [(str(s.id), s.name) for s in offered.services]
    chosen = (str(offered.customer.id), offered.customer.label) if offered.customer else None
    blocks = [
        views.external_select("customer", "Customer", initial=chosen),
        views.text_input("quantity", "Credits to redeem", initial="1", max_length=10),
    ]
    if listed:
        blocks.append(views.select("service", "For the service", listed, optional=True))
    return views.modal(
        REDEEM_FORM,
        "Redeem credits",
        blocks,
        submit="Redeem",
        metadata={"key": f"slack-redeem-{uuid.uuid4().hex}"},
    )


def transfer_form(deps: Deps, team: str, user: str) -> dict[str, Any]:
    deps.read(team, user, roles.require, Action.REDEEM)
    blocks = [
        views.external_select("customer", "From"),
        views.external_select("to_customer", "To"),
        views.text_input("quantity", "Credits to transfer", initial="1", max_length=10),
    ]
    return views.modal(
        TRANSFER_FORM,
        "Transfer credits",
        blocks,
        submit="Transfer",
        metadata={"key": f"slack-transfer-{uuid.uuid4().hex}"},
    )


def _quantity(text: str) -> Decimal:
    if not text.strip().isdigit() or int(text) < 1:
        raise InvalidInput.single("quantity", f"“{text}” is not a number of credits such as 2.")
    return Decimal(int(text))


def _confirm_button(action_id: str, label: str, request: dict[str, Any]) -> dict[str, Any]:
    button = {
        "type": "button",
        "action_id": action_id,
        "style": "primary",
        "value": json.dumps(request, separators=(",", ":")),
        "text": views.plain(label),
    }
    return {"type": "actions", "elements": [button]}


def _expiry(last_day: date | None) -> str:
    return "never" if last_day is None else last_day.strftime("after %d %b %Y")
