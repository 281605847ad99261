"""/membership: sell (by command or with the assign form), list, report, and change a membership's
state. A sale is posted for approval (the approvals channel, or where it was made) with Approve
and Reject buttons; only managers and admins who did not make the sale may decide (core
decides). The message is then updated in place, the decision and its reason are kept in its
thread, and the seller is told. Pressing twice decides once: the second press finds the
membership already decided and is told so."""

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
from bot.dates import ACCEPTED, parse_date
from bot.deps import Deps
from bot.limits import BUTTON_VALUE
from bot.listeners import decisions, home, membership_forms
from bot.listeners.approvals import Held, held
from bot.listeners.membership_forms import APPROVE, REJECT, approval_request
from bot.listeners.replies import Modal, answer, open_modal
from bot.mrkdwn import escape
from core.approvals import service as approvals
from core.billing import service as billing
from core.context import Ctx
from core.customers.lookup import find_customer, the_customer
from core.kernel.errors import Conflict, InvalidInput, PermissionDenied
from core.kernel.money import display
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.plans import service as plans
from core.workspace import roles
from core.workspace.roles import Action

CONFIRM_DELETE = "membership_delete_confirm"
CONFIRM_CANCEL = "membership_cancel_confirm"
VOIDED_SHOWN = 10  # charges a cancellation preview lists one by one
_TERM_END = re.compile(r"^at\s+(?:the\s+)?(?:term\s+end|end\s+of\s+(?:the\s+)?term|end)\b", re.IGNORECASE)
_JOINERS = frozenset({"on", "at", "and", "of", "the", "to", "for", "in"})
REJECT_FORM = "membership_reject_reason"
_REFERENCE = re.compile(r"^(?:M-)?(\d+)$", re.IGNORECASE)
CHANGES = ("freeze", "unfreeze", "cancel", "reactivate", "renew", "delete")


def register(app: AsyncApp, deps: Deps) -> None:
    async def post_for_approval(client: AsyncWebClient, team: str, post: dict[str, Any]) -> None:
        await client.chat_postMessage(**post)
        await home.refresh_approvers(client, deps, team)

    membership_forms.register(app, deps, post_for_approval)

    @app.command("/membership")
    async def membership_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user, channel = command["team_id"], command["user_id"], command["channel_id"]
        text = str(command.get("text", "")).strip()
        outcome: dict[str, Any] = {}

        def work() -> dict[str, Any]:
            result = membership_reply(deps, team, user, channel, text)
            if isinstance(result, Modal):
                outcome["modal"] = result
                return {}
            reply, outcome["post"] = result
            return reply

        reply = await asyncio.to_thread(answer, work)
        if "modal" in outcome:
            await open_modal(client, command["trigger_id"], outcome["modal"])
            return
        if outcome.get("post") is not None:
            await post_for_approval(client, team, outcome["post"])
        await respond(response_type="ephemeral", replace_original=False, **reply)

    decisions.register(
        app,
        decisions.Decisions(
            approve=APPROVE,
            reject=REJECT,
            reason_form=REJECT_FORM,
            prefix="M-",
            decide=lambda team, user, item, approve, reason: decide(
                deps, team, user, item, approve=approve, reason=reason
            ),
            may_decide=lambda team, user, item: may_decide(deps, team, user, item),
            after=lambda client, team: home.refresh_approvers(client, deps, team),
        ),
    )

    @app.action(CONFIRM_CANCEL)
    async def cancel_pressed(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        request = json.loads(body["actions"][0]["value"])
        channel = body.get("container", {}).get("channel_id", "")
        waiting: list[Held] = []

        def work() -> dict[str, Any]:
            result = cancel_confirmed(deps, team, user, request)
            if isinstance(result, Held):
                waiting.append(result)
                return result.reply
            return result

        reply = await asyncio.to_thread(answer, work)
        await respond(replace_original=True, **reply)
        if waiting:
            post = waiting[0].post
            await post_for_approval(client, team, {**post, "channel": post["channel"] or channel})

    @app.action(CONFIRM_DELETE)
    async def delete_confirmed(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        contract_id = int(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: delete(deps, team, user, contract_id))
        await respond(replace_original=True, **reply)


# Replies


def membership_reply(
    deps: Deps, team: str, user: str, channel: str, text: str
) -> tuple[dict[str, Any], dict[str, Any] | None] | Modal:
    """The ephemeral reply and the approval request to post (if any), or the modal to open."""
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "assign":
        return assign(deps, team, user, channel, rest)
    if verb == "reject" and rest:
        return reject(deps, team, user, rest), None
    if verb == "list" and rest:
        return list_memberships(deps, team, user, rest), None
    if verb == "report" and rest:
        return report(deps, team, user, rest), None
    if verb == "renew" and rest:
        return renew(deps, team, user, channel, rest)
    if verb in CHANGES and rest:
        result = change(deps, team, user, channel, verb, rest)
        return (result.reply, result.post) if isinstance(result, Held) else (result, None)
    return messages.message(messages.render("membership_help")), None


def assign(
    deps: Deps, team: str, user: str, channel: str, text: str
) -> tuple[dict[str, Any], dict[str, Any] | None] | Modal:
    """Sell at once when the text names one customer and one plan; otherwise open the form with
    what was given (an ambiguous customer is chosen there, never guessed)."""
    with deps.tx(team, user) as ctx:
        roles.require(ctx, Action.ASSIGN)
        words, dates = _dates(text)
        start = parse_date(dates["from"], ctx.today(), field="start") if "from" in dates else None
        end = parse_date(dates["to"], ctx.today(), field="end") if "to" in dates else None
        customer_words, plan = _split_plan(ctx, words)
        customer = find_customer(ctx, customer_words).customer
        if customer is None or plan is None:
            draft = membership_forms.Draft(
                channel=channel,
                customer=(customer.id, customer.label) if customer else None,
                plan_id=plan.id if plan else None,
                start=start,
                end=end,
            )
            return Modal("Sell a membership", lambda: membership_forms.assign_view(deps, team, user, draft))
        sold = memberships.assign(ctx, customer.id, plan.id, start or ctx.today(), end)
        post = approval_request(ctx, sold, channel)
        return messages.message(messages.say("waiting_for_approval", reference=sold.reference)), post


def may_decide(deps: Deps, team: str, user: str, contract_id: int) -> dict[str, Any]:
    """Nothing when `user` may decide on the membership; otherwise the explanation (core's rules)."""
    with deps.tx(team, user, write=False) as ctx:
        roles.require(ctx, Action.APPROVE)
        if memberships.get(ctx, contract_id).seller == user:
            raise PermissionDenied("Nobody approves their own sale: ask another manager.")
    return {}


def decide(
    deps: Deps, team: str, user: str, contract_id: int, *, approve: bool, reason: str
) -> dict[str, Any]:
    with deps.tx(team, user) as ctx:
        if approve:
            done = memberships.approve(ctx, contract_id)
        else:
            done = memberships.reject(ctx, contract_id, reason)
        plan = plans.get_plan(ctx, done.plan_id)
        outcome = "Approved" if approve else "Rejected"
        message = messages.message(
            messages.render(
                "approval_outcome",
                m=done,
                customer=escape(done.customer),
                plan=escape(plan.name),
                outcome=outcome,
                by=user,
                reason=escape(reason.strip()),
            )
        )
        audit = messages.say(
            "decided",
            reference=done.reference,
            outcome=outcome.lower(),
            by=user,
            reason=escape(reason.strip()),
        )
        return {"message": message, "tell": done.seller, "reference": done.reference, "audit": audit}


def reject(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    reference, _, reason = text.partition(" ")
    contract_id = _contract_id(reference)
    with deps.tx(team, user) as ctx:
        done = memberships.reject(ctx, contract_id, reason)
        return messages.message(
            messages.say("rejected", reference=done.reference, reason=escape(reason.strip()))
        )


def list_memberships(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        roles.require(ctx, Action.VIEW)
        customer = the_customer(ctx, text)
        rows = [_shown(m) for m in memberships.memberships_of(ctx, customer.id)]
        return messages.message(messages.say("memberships_of", customer=escape(customer.label), rows=rows))


def report(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    with deps.tx(team, user, write=False) as ctx:
        roles.require(ctx, Action.VIEW)
        if _REFERENCE.match(text):
            ids = [_contract_id(text)]
        else:
            customer = the_customer(ctx, text)
            ids = [m.id for m in memberships.memberships_of(ctx, customer.id)]
        if not ids:
            return messages.message(messages.say("memberships_of", customer=escape(text), rows=[]))
        parts = []
        for contract_id in ids[:10]:
            r = memberships.report(ctx, contract_id)
            progress = [{**vars(p), "job": escape(p.job), "task": escape(p.task)} for p in r.progress]
            parts.append(messages.say("membership_report", m=_shown(r.membership), progress=progress))
        return messages.message("\n".join(parts))


def change(deps: Deps, team: str, user: str, channel: str, verb: str, text: str) -> dict[str, Any] | Held:
    reference, _, reason = text.partition(" ")
    contract_id = _contract_id(reference)
    reason = reason.strip()
    if verb == "delete":
        with deps.tx(team, user, write=False) as ctx:
            roles.require(ctx, Action.DELETE)
            m = memberships.get(ctx, contract_id)
        reply = messages.message(
            messages.say(
                "confirm_delete", reference=m.reference, customer=escape(m.customer), plan=escape(m.plan)
            )
        )
        button = {
            "type": "button",
            "action_id": CONFIRM_DELETE,
            "style": "danger",
            "value": str(contract_id),
            "text": views.plain("Delete"),
        }
        reply["blocks"].append({"type": "actions", "elements": [button]})
        return reply
    if verb == "freeze":
        return freeze(deps, team, user, channel, contract_id, reason)
    if verb == "unfreeze":
        return unfreeze(deps, team, user, contract_id, reason)
    if verb == "cancel":
        return cancel_preview(deps, team, user, contract_id, reason)
    with deps.tx(team, user) as ctx:
        done = memberships.reactivate(ctx, contract_id, reason)
        return messages.message(
            messages.say("now_in_state", reference=done.reference, state=done.status.label)
        )


# Freezing and cancelling: "freeze M-12 [from <date>] [until <date>] [reason]" and "cancel M-12
# [now | at term end | on <date>] <reason>". The options come first, right after the membership,
# so a reason may use any words ("away from home").


def freeze(
    deps: Deps, team: str, user: str, channel: str, contract_id: int, text: str
) -> dict[str, Any] | Held:
    with deps.tx(team, user) as ctx:
        roles.require(ctx, Action.CHANGE_STATE)
        dates, reason = _options(text, ("from", "until"), ctx.today())
        starts, until = dates.get("from"), dates.get("until")
        if approvals.freeze_needs_approval(ctx):
            m = memberships.get(ctx, contract_id)
            when = messages.say("freeze_dates", starts=starts, until=until)
            summary = f"Freeze {m.reference} ({m.customer}, {m.plan}) {when}: {reason or 'no reason given'}"
            # Once a day per membership and dates: a retried command asks once.
            key = f"slack-freeze-{contract_id}-{ctx.today()}-{starts or ''}-{until or ''}"
            request = {
                "contract": contract_id,
                "reason": reason,
                "starts": starts.isoformat() if starts else None,
                "until": until.isoformat() if until else None,
            }
            return held(ctx, approvals.request_approval(ctx, "freeze", request, summary, key=key), channel)
        done = memberships.freeze(ctx, contract_id, reason, starts=starts, until=until)
        planned = done.status is not Status.FROZEN
        return messages.message(
            messages.say("frozen", reference=done.reference, starts=starts, until=until, planned=planned)
        )


def unfreeze(deps: Deps, team: str, user: str, contract_id: int, reason: str) -> dict[str, Any]:
    """Ends a freeze, or withdraws one planned for later (and says which)."""
    with deps.tx(team, user) as ctx:
        roles.require(ctx, Action.CHANGE_STATE)
        before = memberships.get(ctx, contract_id)
        planned = billing.open_freeze(ctx, contract_id)
        done = memberships.unfreeze(ctx, contract_id, reason)
        if before.status is not Status.FROZEN and planned is not None:
            return messages.message(
                messages.say(
                    "freeze_withdrawn",
                    reference=done.reference,
                    starts=planned.starts_on,
                    state=done.status.label,
                )
            )
        return messages.message(
            messages.say("now_in_state", reference=done.reference, state=done.status.label)
        )


class _DryRun(Exception):
    """Rolls back a cancellation made only to have core check that it can be made."""


def cancel_preview(deps: Deps, team: str, user: str, contract_id: int, text: str) -> dict[str, Any]:
    """What the cancellation would do (core's preview), with a Confirm button carrying the options,
    the lock-in fee shown and an idempotency key. Core checks the cancellation now, by making it
    and rolling it back, so a membership that cannot be cancelled is told before any button."""
    reply: dict[str, Any] = {}
    try:
        with deps.tx(team, user) as ctx:
            roles.require(ctx, Action.CHANGE_STATE)
            on, at_term_end, reason = _cancel_options(text, ctx.today())
            if not reason:
                raise InvalidInput.single(
                    "reason", messages.say("cancel_needs_reason", reference=f"M-{contract_id}")
                )
            reply = _preview_reply(ctx, contract_id, on=on, at_term_end=at_term_end, reason=reason)
            memberships.cancel(ctx, contract_id, reason, on=on, at_term_end=at_term_end)
            raise _DryRun
    except _DryRun:
        pass
    return reply


def _preview_reply(
    ctx: Ctx, contract_id: int, *, on: date | None, at_term_end: bool, reason: str, changed: str = ""
) -> dict[str, Any]:
    m = memberships.get(ctx, contract_id)
    preview = billing.cancellation_preview(ctx, contract_id, on=on, at_term_end=at_term_end)
    currency = ctx.tenant.currency
    voided = [
        {"reference": c.reference, "period_start": c.period_start, "amount": display(c.amount, currency)}
        for c in preview.voided
    ]
    total = sum((c.amount for c in preview.voided), Decimal(0))
    waits = approvals.cancel_needs_approval(ctx, contract_id, on=on, at_term_end=at_term_end)
    text = messages.say(
        "cancel_preview",
        reference=m.reference,
        customer=escape(m.customer),
        plan=escape(m.plan),
        effective=preview.effective_on,
        fee=display(preview.lock_in_fee, currency) if preview.lock_in_fee > 0 else "",
        months=preview.lock_in_months_left,
        voided=voided[:VOIDED_SHOWN],
        more=max(len(voided) - VOIDED_SHOWN, 0),
        voided_total=display(total, currency),
        credits=preview.credits,
        reason=escape(reason),
        waits=waits,
        changed=changed,
    )
    request = {
        "contract": contract_id,
        "on": on.isoformat() if on else None,
        "term_end": at_term_end,
        "effective": preview.effective_on.isoformat(),
        "fee": str(preview.lock_in_fee),
        "reason": reason,
        "key": f"slack-cancel-{uuid.uuid4().hex}",
    }
    value = json.dumps(request, separators=(",", ":"), ensure_ascii=False)
    if len(value) > BUTTON_VALUE:  # the reason rides on the button; Slack would refuse the message
        raise InvalidInput.single("reason", messages.say("reason_too_long_for_a_button"))
    reply = messages.message(text)
    button = {
        "type": "button",
        "action_id": CONFIRM_CANCEL,
        "style": "danger",
        "value": value,
        "text": views.plain("Ask for approval" if waits else "Cancel the membership"),
    }
    reply["blocks"].append({"type": "actions", "elements": [button]})
    return reply


def cancel_confirmed(deps: Deps, team: str, user: str, request: dict[str, Any]) -> dict[str, Any] | Held:
    """The cancellation as previewed, or its approval request. Pressing twice cancels once: the
    second press finds the cancellation this person made for that date (or the request asked under
    the button's key) and says so. A lock-in fee that changed since the preview is refused by
    core; the answer is the preview again, with the new fee and a fresh button."""
    contract_id, reason, key = int(request["contract"]), str(request["reason"]), str(request["key"])
    on = date.fromisoformat(request["on"]) if request.get("on") else None
    at_term_end, fee = bool(request.get("term_end")), Decimal(str(request["fee"]))
    effective = date.fromisoformat(str(request["effective"]))
    with deps.tx(team, user) as ctx:
        roles.require(ctx, Action.CHANGE_STATE)
        asked = approvals.by_key(ctx, key)
        if asked is not None:
            return messages.message(
                messages.say("already_asked", reference=asked.reference, status=asked.status)
            )
        if _cancelled_by(ctx, contract_id, user, effective):
            return messages.message(
                messages.say("already_cancelled", reference=f"M-{contract_id}", effective=effective)
            )
        if approvals.cancel_needs_approval(ctx, contract_id, on=on, at_term_end=at_term_end):
            m = memberships.get(ctx, contract_id)
            summary = messages.say(
                "cancel_summary",
                reference=m.reference,
                customer=m.customer,
                plan=m.plan,
                effective=effective,
                fee=display(fee, ctx.tenant.currency) if fee > 0 else "",
                reason=reason,
            )
            wanted = {
                "contract": contract_id,
                "reason": reason,
                "on": request.get("on"),
                "at_term_end": at_term_end,
                "expected_fee": str(fee),
            }
            return held(ctx, approvals.request_approval(ctx, "cancel", wanted, summary, key=key), "")
        try:
            done = memberships.cancel(
                ctx, contract_id, reason, on=on, at_term_end=at_term_end, expected_fee=fee
            )
        except Conflict as exc:
            if _cancelled_by(ctx, contract_id, user, effective):
                # Two presses at once: this one waited on the membership's lock while the other
                # cancelled it.
                return messages.message(
                    messages.say("already_cancelled", reference=f"M-{contract_id}", effective=effective)
                )
            if exc.field != "expected_fee":
                raise
            was = display(fee, ctx.tenant.currency)
            return _preview_reply(
                ctx, contract_id, on=on, at_term_end=at_term_end, reason=reason, changed=was
            )
        if done.status is Status.CANCELLED:
            return messages.message(
                messages.say("now_in_state", reference=done.reference, state=done.status.label)
            )
        return messages.message(messages.say("cancel_planned", reference=done.reference, effective=effective))


def _cancelled_by(ctx: Ctx, contract_id: int, user: str, effective: date) -> bool:
    """Whether this person's cancellation from that date is already in force (a second press)."""
    earlier = billing.pending_cancellation(ctx, contract_id)
    return earlier is not None and earlier.created_by == user and earlier.effective_on == effective


def _cancel_options(text: str, today: date) -> tuple[date | None, bool, str]:
    """(on, at term end, reason) from "[now | at term end | on <date>] <reason>"."""
    words = text.split()
    first = words[0].lower() if words else ""
    if first == "now":
        return None, False, " ".join(words[1:])
    term_end = _TERM_END.match(text)
    if term_end:
        return None, True, text[term_end.end() :].strip()
    dates, reason = _options(text, ("on",), today)
    return dates.get("on"), False, reason


def _options(text: str, keywords: tuple[str, ...], today: date) -> tuple[dict[str, date], str]:
    """Leading "<keyword> <date>" options (each date as many words as read as one, up to four)
    and the words after them. A date that does not read is quoted back."""
    words, dates = text.split(), {}
    while words and words[0].lower() in keywords and words[0].lower() not in dates:
        keyword = words[0].lower()
        following = words[1:]
        stop = next((i for i, w in enumerate(following) if w.lower() in keywords), len(following))
        candidates = following[: min(stop, 4)]
        field = "starts" if keyword == "from" else keyword
        if not candidates:
            raise InvalidInput.single(field, messages.say("date_missing", keyword=keyword, accepted=ACCEPTED))
        found = _leading_date(candidates, today)
        if found is None:
            parse_date(" ".join(candidates), today, field=field)  # raises, quoting what was typed
            raise AssertionError("unreachable: those words read as no date")
        dates[keyword], size = found
        words = following[size:]
    return dates, " ".join(words)


def _leading_date(words: list[str], today: date) -> tuple[date, int] | None:
    """The longest run of leading words that reads as a date, and its length. A bare number is no
    date here (dateutil would read "31" as this month's 31st), and a trailing "on" or "for" that
    changes nothing is left to the reason ("10 Mar on holiday")."""
    for size in range(len(words), 0, -1):
        typed = " ".join(words[:size])
        if typed.isdigit():
            continue
        try:
            day = parse_date(typed, today)
        except InvalidInput:
            continue
        while size > 1 and words[size - 1].lower() in _JOINERS:
            try:
                if parse_date(" ".join(words[: size - 1]), today) != day:
                    break
            except InvalidInput:
                break
            size -= 1
        return day, size
    return None


def renew(deps: Deps, team: str, user: str, channel: str, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A renewal is a new sale: it waits for approval like one, with the same request posted."""
    contract_id = _contract_id(text.split()[0])
    with deps.tx(team, user) as ctx:
        done = memberships.renew(ctx, contract_id)
        reply = messages.message(messages.say("renewed", reference=done.reference, start=done.start))
        return reply, approval_request(ctx, done, channel)


def delete(deps: Deps, team: str, user: str, contract_id: int) -> dict[str, Any]:
    with deps.tx(team, user) as ctx:
        memberships.delete(ctx, contract_id, confirm=True)
    return messages.message(messages.say("deleted", reference=f"M-{contract_id}"))


def _shown(m: memberships.MembershipView) -> dict[str, Any]:
    """A membership as the reply templates show it (what users typed, escaped)."""
    return {
        "reference": m.reference,
        "customer": escape(m.customer),
        "plan": escape(m.plan),
        "status": m.status.label,
        "start": m.start,
        "end": m.end,
    }


def _contract_id(reference: str) -> int:
    match = _REFERENCE.match(reference)
    if match is None:
        raise InvalidInput.single("membership", f"“{reference}” is not a membership such as M-12.")
    return int(match.group(1))


def _dates(text: str) -> tuple[str, dict[str, str]]:
    """Split "<words> from <date> to <date>" into the words and the dates typed."""
    parts = re.split(r"\s+(from|to)\s+", f" {text} ")
    words, dates = parts[0].strip(), {}
    for keyword, value in zip(parts[1::2], parts[2::2], strict=True):
        dates[keyword] = value.strip()
    return words, dates


def _split_plan(ctx: Ctx, words: str) -> tuple[str, plans.PlanView | None]:
    """The plan is named by the last one to three words; the rest names the customer."""
    tokens = words.split()
    for size in (3, 2, 1):
        if len(tokens) > size:
            matches = plans.find_plans(ctx, " ".join(tokens[-size:]))
            if len(matches) == 1:
                return " ".join(tokens[:-size]), matches[0]
    return words, None
