"""/membership: sell (at once, or in the form when the text is not enough), edit (in a form: new
dates previewed first), adjust a sold membership's discounts (in a form), list, report, renew, and
change a membership's state (freeze, unfreeze, cancel — previewed, then confirmed — reactivate,
delete). Each verb parses what was typed, makes
one core call (core/memberships/flows.py) and renders the answer; what waits for approval is
posted where core says."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages, views
from bot.dates import ACCEPTED, parse_date
from bot.deps import Deps
from bot.listeners.approvals.listing import approvals_page
from bot.listeners.approvals.requests import Waiting, waiting
from bot.listeners.memberships import actions, discounts, forms
from bot.listeners.memberships.ids import MembershipAction
from bot.listeners.memberships.requests import sale_request
from bot.listeners.replies import Modal, Then, channel_command
from bot.mrkdwn import escape
from core.approvals.flows import Held
from core.kernel.errors import InvalidInput
from core.memberships import flows
from core.memberships import service as memberships

_TERM_END = re.compile(r"^at\s+(?:the\s+)?(?:term\s+end|end\s+of\s+(?:the\s+)?term|end)\b", re.IGNORECASE)
_JOINERS = frozenset({"on", "at", "and", "of", "the", "to", "for", "in"})
_REFERENCE = re.compile(r"^(?:M-)?(\d+)$", re.IGNORECASE)
CHANGES = ("freeze", "unfreeze", "cancel", "reactivate", "renew", "delete")

Reply = tuple[dict[str, Any], dict[str, Any] | None]  # the ephemeral reply, and a request to post (or None)


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/membership")(channel_command(deps, "/membership", membership_answer))


def membership_answer(
    deps: Deps, team: str, user: str, channel: str, text: str
) -> dict[str, Any] | Modal | Then:
    """The reply, with the approval request (if any) posted first; several customers matching are
    answered with the picker (bot/listeners/replies.py)."""
    result = membership_reply(deps, team, user, channel, text)
    if isinstance(result, Modal):
        return result
    reply, post = result
    if post is None:
        return reply
    return Then(reply, lambda client: actions.post_for_approval(client, deps, team, post))


def membership_reply(deps: Deps, team: str, user: str, channel: str, text: str) -> Reply | Modal:
    """The ephemeral reply and the approval request to post (if any), or the modal to open."""
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "assign":
        return assign(deps, team, user, channel, rest)
    if verb == "edit" and rest:
        contract_id = _contract_id(rest.split()[0])
        return Modal("Edit a membership", lambda: forms.edit_view(deps, team, user, contract_id, channel))
    if verb == "discounts" and rest:
        contract_id = _contract_id(rest.split()[0])
        return Modal("Adjust discounts", lambda: discounts.form(deps, team, user, contract_id, channel))
    if verb == "reject" and rest:
        return reject(deps, team, user, rest), None
    if verb == "approvals":
        return approvals_page(deps, team, user, 0), None
    if verb == "list" and rest:
        return list_memberships(deps, team, user, rest), None
    if verb == "report" and rest:
        return report(deps, team, user, rest), None
    if verb == "renew" and rest:
        return renew(deps, team, user, channel, rest)
    if verb in CHANGES and rest:
        result = change(deps, team, user, channel, verb, rest)
        return (result.reply, result.post) if isinstance(result, Waiting) else (result, None)
    return messages.message(messages.render("membership_help")), None


def assign(deps: Deps, team: str, user: str, channel: str, text: str) -> Reply | Modal:
    """Sell at once when the text names one customer and one plan; otherwise open the form with
    what was given (an ambiguous customer is chosen there, never guessed)."""
    words, typed = _dates(text)

    def dates(today: date) -> tuple[date | None, date | None]:
        start = parse_date(typed["from"], today, field="start") if "from" in typed else None
        return start, parse_date(typed["to"], today, field="end") if "to" in typed else None

    sold = deps.write(team, user, flows.sell_typed, words, dates, asked_in=channel)
    if isinstance(sold, flows.SaleForm):
        form = sold
        return Modal("Sell a membership", lambda: forms.sale_view(form, channel))
    reply = messages.message(messages.say("waiting_for_approval", reference=sold.membership.reference))
    return reply, sale_request(sold, channel)


def reject(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    reference, _, reason = text.partition(" ")
    done = deps.write(team, user, flows.decide, _contract_id(reference), approve=False, reason=reason)
    said = messages.say("rejected", reference=done.membership.reference, reason=escape(reason.strip()))
    return messages.message(said)


def list_memberships(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    found = deps.read(team, user, flows.memberships_of, text)
    rows = [_shown(m) for m in found.memberships]
    return messages.message(messages.say("memberships_of", customer=escape(found.customer.label), rows=rows))


def report(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    which: int | str = _contract_id(text) if _REFERENCE.match(text) else text
    found = deps.read(team, user, flows.reports, which)
    if not found:
        return messages.message(messages.say("memberships_of", customer=escape(text), rows=[]))
    parts = []
    for r in found:
        progress = [{**vars(p), "job": escape(p.job), "task": escape(p.task)} for p in r.progress]
        parts.append(messages.say("membership_report", m=_shown(r.membership), progress=progress))
    return messages.message("\n".join(parts))


def renew(deps: Deps, team: str, user: str, channel: str, text: str) -> Reply:
    """A renewal is a new sale: it waits for approval like one, with the same request posted."""
    sale = deps.write(team, user, flows.renew, _contract_id(text.split()[0]), asked_in=channel)
    done = sale.membership
    reply = messages.message(messages.say("renewed", reference=done.reference, start=done.start))
    return reply, sale_request(sale, channel)


def change(deps: Deps, team: str, user: str, channel: str, verb: str, text: str) -> dict[str, Any] | Waiting:
    reference, _, reason = text.partition(" ")
    contract_id = _contract_id(reference)
    reason = reason.strip()
    if verb == "delete":
        return confirm_delete(deps, team, user, contract_id)
    if verb == "freeze":
        return freeze(deps, team, user, channel, contract_id, reason)
    if verb == "unfreeze":
        return unfreeze(deps, team, user, contract_id, reason)
    if verb == "cancel":
        return cancel_preview(deps, team, user, contract_id, reason)
    done = deps.write(team, user, memberships.reactivate, contract_id, reason)
    return messages.message(messages.say("now_in_state", reference=done.reference, state=done.status.label))


def confirm_delete(deps: Deps, team: str, user: str, contract_id: int) -> dict[str, Any]:
    m = deps.read(team, user, flows.to_delete, contract_id)
    reply = messages.message(
        messages.say(
            "confirm_delete", reference=m.reference, customer=escape(m.customer), plan=escape(m.plan)
        )
    )
    button = {
        "type": "button",
        "action_id": MembershipAction.CONFIRM_DELETE,
        "style": "danger",
        "value": str(contract_id),
        "text": views.plain("Delete"),
    }
    reply["blocks"].append({"type": "actions", "elements": [button]})
    return reply


# Freezing and cancelling: "freeze M-12 [from <date>] [until <date>] [reason]" and "cancel M-12
# [now | at term end | on <date>] <reason>". The options come first, right after the membership,
# so a reason may use any words ("away from home").


def freeze(
    deps: Deps, team: str, user: str, channel: str, contract_id: int, text: str
) -> dict[str, Any] | Waiting:
    def options(today: date) -> tuple[date | None, date | None, str]:
        dates, reason = _options(text, ("from", "until"), today)
        return dates.get("from"), dates.get("until"), reason

    done = deps.write(team, user, flows.freeze, contract_id, options, asked_in=channel)
    if isinstance(done, Held):
        return waiting(done, channel)
    return messages.message(
        messages.say(
            "frozen",
            reference=done.membership.reference,
            starts=done.starts,
            until=done.until,
            planned=done.planned,
        )
    )


def unfreeze(deps: Deps, team: str, user: str, contract_id: int, reason: str) -> dict[str, Any]:
    """Ends a freeze, or withdraws one planned for later (and says which)."""
    done = deps.write(team, user, flows.unfreeze, contract_id, reason)
    m = done.membership
    if done.withdrawn_from is not None:
        return messages.message(
            messages.say(
                "freeze_withdrawn", reference=m.reference, starts=done.withdrawn_from, state=m.status.label
            )
        )
    return messages.message(messages.say("now_in_state", reference=m.reference, state=m.status.label))


def cancel_preview(deps: Deps, team: str, user: str, contract_id: int, text: str) -> dict[str, Any]:
    """What the cancellation would do (core checks now that it can be made), with its button."""

    def options(today: date) -> tuple[date | None, bool, str]:
        on, at_term_end, reason = _cancel_options(text, today)
        if not reason:
            raise InvalidInput.single(
                "reason", messages.say("cancel_needs_reason", reference=f"M-{contract_id}")
            )
        return on, at_term_end, reason

    return actions.cancel_reply(deps.write(team, user, flows.cancel_preview, contract_id, options))


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
