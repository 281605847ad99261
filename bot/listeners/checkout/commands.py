"""/checkout: `/checkout <customer> [at <location>]: 2 x Massage 60 @ 100, 1 x LOTION @ 25` previews
the invoice and writes nothing (`/checkout Café Müller Massage 60`: one line, the catalogue's
price); void, show, points conversion and the location's order of benefits;
the form when the command says too little."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncApp

from bot import keys, messages
from bot.deps import Deps
from bot.keys import Purpose
from bot.listeners.checkout.draft import SLACK_LINES, Draft, new_reference
from bot.listeners.checkout.forms import form_for, form_view
from bot.listeners.checkout.ids import CheckoutAction
from bot.listeners.checkout.lines import numbered_lines, parse_lines, with_colon
from bot.listeners.checkout.preview import breakdown_text, draft_button, preview_message
from bot.listeners.picker import choices
from bot.listeners.replies import Modal, channel_command
from bot.mrkdwn import escape
from bot.ui.buttons import actions
from core.checkout import flows
from core.context import Ctx
from core.customers import service as customers
from core.customers.lookup import find_customer
from core.kernel.errors import InvalidInput, NotFound

_HEAD = re.compile(r"(?P<who>.+?)(?:\s+at\s+(?P<where>[^:]+?))?\s*:(?P<lines>.*)", re.IGNORECASE | re.DOTALL)
VERBS = ("void", "show", "points", "order")
T = TypeVar("T")


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/checkout")(channel_command(deps, "/checkout", checkout_reply))


def checkout_reply(deps: Deps, team: str, user: str, channel: str, text: str) -> dict[str, Any] | Modal:
    if text.lower() == "help":
        return messages.message(messages.say("checkout_help", most=SLACK_LINES))
    if not text:
        return Modal("Checkout", lambda: form_view(deps, team, user, channel))
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb in VERBS and rest and (":" not in text or verb == "void"):  # a reason may hold a colon
        handlers = {"void": void, "show": show, "points": points_preview, "order": set_order}
        return handlers[verb](deps, team, user, rest)
    if verb in VERBS and not rest:  # "/checkout void": how to say it, not a customer search
        return messages.message(messages.say("checkout_usage", verb=verb))
    match = _HEAD.fullmatch(text) or _HEAD.fullmatch(with_colon(deps, team, user, text))
    if match is None:  # a customer only: the form, with the customer chosen
        return form_for(deps, team, user, channel, text, None, "", [])
    return command_preview(deps, team, user, channel, match)


def command_preview(
    deps: Deps, team: str, user: str, channel: str, match: re.Match[str]
) -> dict[str, Any] | Modal:
    who, where, typed = match.group("who").strip(), match.group("where"), match.group("lines")
    customer = deps.read(team, user, _one_customer, who)  # a pick list when several match, never a guess
    items, problems = parse_lines(deps, team, user, typed)
    if problems:  # the form, filled in, with each bad line said
        return form_for(deps, team, user, channel, customer.label, where, typed, problems, customer.id)
    with numbered_lines():
        shown = deps.read(
            team,
            user,
            flows.preview_at,
            where,
            customer.location,
            new_reference(),
            customer.id,
            tuple(items),
        )
    shown = _located(shown)
    invoice = shown.invoice
    draft = Draft(
        invoice.reference, invoice.customer_id, invoice.location_id, invoice.items, keys.new_nonce()
    )
    return preview_message(draft, shown)


def void(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`void INV-12 <reason>`: managers and admins (core refuses the others)."""
    typed, _, reason = text.partition(" ")
    done = deps.write(team, user, flows.void, typed, reason.strip())
    said = messages.say(
        "checkout_voided", reference=done.reference, reason=escape(reason.strip()), replayed=done.replayed
    )
    return messages.message(said)


def show(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    found = deps.read(team, user, flows.show, text.strip())
    posted = found.posted
    shown = breakdown_text(found.currency, posted.breakdown, posted.reference, status=posted.status)
    cards = messages.say("checkout_cards", cards=posted.cards, currency=found.currency)
    return messages.message(f"{shown}\n{cards}" if cards else shown)


def points_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`points <customer> <n>`: what the points are worth, tried in a transaction that is rolled
    back (so the preview is refused exactly as the conversion would be), then a Convert button."""
    *words, count = text.split()
    if not words or not (count.isascii() and count.isdigit()) or int(count) < 1:
        raise InvalidInput.single("points", messages.say("checkout_points_usage"))
    nonce = keys.new_nonce()
    customer = deps.read(team, user, _one_customer, " ".join(words))
    tried = deps.rehearse(
        team,
        user,
        flows.points_worth,
        customer.id,
        Decimal(count),
        key=keys.bound(user, Purpose.POINTS_PREVIEW, nonce),
    )
    said = messages.say(
        "checkout_points_preview",
        points=count,
        customer=escape(customer.label),
        worth=tried.worth,
        currency=tried.currency,
        have=tried.have,
    )
    reply = messages.message(said)
    value = {"c": customer.id, "n": count, "k": nonce}
    button = draft_button(
        CheckoutAction.CONVERT_POINTS, messages.say("checkout_convert_button"), value, style="primary"
    )
    reply["blocks"].append(actions([button], block_id="points"))
    return reply


def set_order(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`order <location> credits-first|discounts-first|manual` (admins; core refuses the others)."""
    *words, order = text.split()
    if not words:
        raise InvalidInput.single("benefit_order", messages.say("checkout_order_usage"))
    done = _located(deps.write(team, user, flows.set_order, " ".join(words), order.lower()))
    return messages.message(
        messages.say("checkout_order_set", location=escape(done.location), order=done.order.label)
    )


def _located(found: T | flows.NoLocation) -> T:
    """What was found at the location, or why there is no location (escaped once by
    replies.answer, as /credits does)."""
    if not isinstance(found, flows.NoLocation):
        return found
    names = ", ".join(found.names) or "none yet"
    if found.named is not None:
        raise NotFound(messages.say("checkout_no_location", name=found.named, names=names), "location")
    raise InvalidInput.single("location", messages.say("checkout_which_location", names=names))


def _one_customer(ctx: Ctx, text: str) -> customers.CustomerView:
    """The customer meant, the reply saying none matches (escaped by replies.answer), or the picker."""
    found = find_customer(ctx, text)
    if found.customer is not None:
        return found.customer
    if not found.matches:
        raise NotFound(messages.say("no_customer", query=text), "customer")  # escaped by answer
    raise choices.several(found)  # the picker
