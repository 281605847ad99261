"""/checkout: what a member pays for a visit. `/checkout <customer> [at <location>]: 2 x Massage
60 @ 100, 1 x LOTION @ 25` previews the invoice (core/checkout/service.py: credits, discount, monetary
credit and points, each with the rule that produced it) and writes nothing; its Post button posts
it once however often it is pressed; "Remove discount" (where the location applies discounts
first) takes a discount off a line for good; "Keep monetary credit" previews it again with the
member's monetary credit kept for later. Also: void, show, points conversion, the location's order
of benefits, and a form when the command says too little. Not yet: choosing benefits by hand in a
manual-order location (the preview says so).

Where the draft lives: an ephemeral message has no metadata Slack sends back, so each button's
value carries the draft itself, compactly (see `Draft.encoded`): the invoice number, customer,
location, the lines as typed (kind, quantity, price, service id or product code), the idempotency
key and a fingerprint of what the preview applied on each line. At most `SLACK_LINES` lines, so a
value stays under Slack's 2,000 characters. On Post the invoice is previewed again in the posting
transaction; a line whose fingerprint differs is named and a fresh preview offered, and core's
own check under the customer's lock (StalePreview) catches a change in the last instant."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners.replies import Modal, answer, open_modal, submission
from bot.mrkdwn import escape, escape_controls
from core.checkout import flows
from core.checkout.benefits import Breakdown, ItemKind, Kind, Order
from core.checkout.flows import fingerprint
from core.checkout.service import Invoice, Item
from core.context import Ctx
from core.customers import service as customers
from core.customers.lookup import find_customer
from core.kernel.errors import Conflict, FieldError, InvalidInput, MemberbotError, NotFound

POST = "checkout_post"
REMOVE_DISCOUNT = "checkout_remove_discount"  # then -<line>
CONVERT_POINTS = "checkout_convert_points"
MONEY = "checkout_monetary_credit"  # use it, or keep it for later
CHECKOUT_FORM = "checkout_form"
SLACK_LINES = 20  # lines of one invoice entered in Slack: each button carries them all
VALUE_MAX = 2000  # Slack's limit for a button's value
REMOVE_BUTTONS = 23  # an actions block holds 25 elements: Post, the monetary credit, the removals
_LINE = re.compile(r"(?:(?P<qty>\d+)\s*[x\u00d7]\s+)?(?P<what>.+?)\s*@\s*(?P<price>\S+)", re.IGNORECASE)
_HEAD = re.compile(r"(?P<who>.+?)(?:\s+at\s+(?P<where>[^:]+?))?\s*:(?P<lines>.*)", re.IGNORECASE | re.DOTALL)
_SEPARATORS = re.compile(r"[,;\n]")
VERBS = ("void", "show", "points", "order")
T = TypeVar("T")


@dataclass(frozen=True)
class Draft:
    """An invoice being checked out, as the buttons of its preview carry it."""

    reference: str
    customer: int
    location: int
    items: tuple[Item, ...]
    key: str
    seen: tuple[str, ...] = ()  # the fingerprint of each line of the preview, and then its points
    money: bool = True  # monetary credit pays what is left (False: the member keeps it for later)

    def invoice(self) -> Invoice:
        return Invoice(
            self.reference, self.customer, self.location, self.items, use_monetary_credit=self.money
        )

    def encoded(self) -> dict[str, Any]:
        items = [
            ["s", i.quantity, str(i.unit_price), i.service_id]
            if i.kind == ItemKind.SERVICE
            else ["p", i.quantity, str(i.unit_price), i.product]
            for i in self.items
        ]
        return {
            "r": self.reference,
            "c": self.customer,
            "l": self.location,
            "i": items,
            "k": self.key,
            "h": list(self.seen),
            "m": int(self.money),
        }

    @classmethod
    def decoded(cls, data: dict[str, Any]) -> Draft:
        items = tuple(
            Item(ItemKind.SERVICE, int(q), Decimal(p), service_id=int(x))
            if kind == "s"
            else Item(ItemKind.PRODUCT, int(q), Decimal(p), product=str(x))
            for kind, q, p, x in data["i"]
        )
        seen = tuple(str(h) for h in data.get("h", ()))
        money = bool(data.get("m", 1))
        return cls(str(data["r"]), int(data["c"]), int(data["l"]), items, str(data["k"]), seen, money)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command("/checkout")
    async def checkout_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user, channel = command["team_id"], command["user_id"], command["channel_id"]
        text = str(command.get("text", "")).strip()
        modal: list[Modal] = []

        def work() -> dict[str, Any]:
            result = checkout_reply(deps, team, user, channel, text)
            if isinstance(result, Modal):
                modal.append(result)
                return {}
            return result

        reply = await asyncio.to_thread(answer, work)
        if modal:
            await open_modal(client, command["trigger_id"], modal[0])
            return
        await respond(response_type="ephemeral", replace_original=False, **reply)

    app.action(POST)(_pressed(deps, POST, posted))
    app.action(CONVERT_POINTS)(_pressed(deps, CONVERT_POINTS, points_converted))
    app.action(MONEY)(_pressed(deps, MONEY, money_switched))
    # One Remove button per discounted line, and action ids are unique in a message.
    app.action(re.compile(rf"^{REMOVE_DISCOUNT}-\d+$"))(_pressed(deps, REMOVE_DISCOUNT, discount_removed))

    @app.view(CHECKOUT_FORM)
    async def form_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        shown: dict[str, Any] = {}

        def work() -> None:
            shown.update(form_preview(deps, team, user, view))

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
        if shown:
            channel = str(views.metadata(view).get("channel", ""))
            await client.chat_postEphemeral(channel=channel, user=user, **shown)


def _pressed(deps: Deps, action_id: str, work: Any) -> Any:
    async def handle(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        value = json.loads(body["actions"][0]["value"])
        reply = await asyncio.to_thread(answer, lambda: work(deps, team, user, value))
        await respond(replace_original=True, **reply)

    return handle


# --- the command ---------------------------------------------------------------------------------


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
    match = _HEAD.fullmatch(text)
    if match is None:  # a customer only: the form, with the customer chosen
        return _form_for(deps, team, user, channel, text, None, "", [])
    return command_preview(deps, team, user, channel, match)


def command_preview(
    deps: Deps, team: str, user: str, channel: str, match: re.Match[str]
) -> dict[str, Any] | Modal:
    who, where, typed = match.group("who").strip(), match.group("where"), match.group("lines")
    customer = deps.read(team, user, _one_customer, who)  # a pick list when several match, never a guess
    items, problems = parse_lines(deps, team, user, typed)
    if problems:  # the form, filled in, with each bad line said
        return _form_for(deps, team, user, channel, customer.label, where, typed, problems, customer.id)
    with _numbered_lines():
        shown = deps.read(
            team,
            user,
            flows.preview_at,
            where,
            customer.location,
            _new_reference(),
            customer.id,
            tuple(items),
        )
    shown = _located(shown)
    invoice = shown.invoice
    draft = Draft(invoice.reference, invoice.customer_id, invoice.location_id, invoice.items, _new_key())
    return preview_message(draft, shown)


def _form_for(
    deps: Deps,
    team: str,
    user: str,
    channel: str,
    who: str,
    where: str | None,
    typed: str,
    problems: list[FieldError],
    customer_id: int | None = None,
) -> Modal:
    lines = "\n".join(p.strip() for p in _SEPARATORS.split(typed) if p.strip())

    def build() -> dict[str, Any]:
        chosen = customer_id
        if chosen is None and who:
            meant = deps.read(team, user, find_customer, who).customer
            chosen = meant.id if meant else None
        return _form(deps.read(team, user, flows.form_choices, chosen, where), channel, lines, problems)

    return Modal("Checkout", build)


# --- lines as typed ------------------------------------------------------------------------------


def parse_lines(deps: Deps, team: str, user: str, typed: str) -> tuple[list[Item], list[FieldError]]:
    """`2 x Massage 60 @ 100` lines, separated by commas, semicolons or new lines: a service by its
    name, anything else a one-word product code. Every bad line is reported, by its number."""
    problems: list[FieldError] = []
    entries = [e.strip() for e in _SEPARATORS.split(typed) if e.strip()]
    if not entries:
        problems.append(FieldError("lines", messages.say("checkout_no_lines")))
    if len(entries) > SLACK_LINES:
        problems.append(FieldError("lines", messages.say("checkout_too_many_lines", most=SLACK_LINES)))
        return [], problems
    read: list[tuple[int, flows.Typed | FieldError]] = []
    for number, entry in enumerate(entries, 1):
        quoted = escape(entry)
        match = _LINE.fullmatch(entry)
        if match is None:
            said = messages.say("checkout_bad_line", n=number, line=quoted)
            read.append((number, FieldError(f"lines.{number}", said)))
            continue
        quantity = int(match.group("qty") or 1)
        try:
            price = Decimal(match.group("price"))
            if not price.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            said = messages.say("checkout_bad_price", n=number, price=escape(match.group("price")))
            read.append((number, FieldError(f"lines.{number}", said)))
            continue
        read.append((number, flows.Typed(quantity, price, match.group("what").strip())))
    typed_lines = [t for _, t in read if isinstance(t, flows.Typed)]
    found = iter(deps.read(team, user, flows.items, typed_lines))
    items: list[Item] = []
    for number, t in read:
        if isinstance(t, FieldError):
            problems.append(t)
            continue
        item = next(found)
        if item is None:
            said = messages.say("checkout_no_service", n=number, name=escape(t.name))
            problems.append(FieldError(f"lines.{number}", said))
        else:
            items.append(item)
    return items, problems


def _by_line(error: InvalidInput) -> InvalidInput:
    """Core's line errors ("lines.2.unit_price") said with the line's number."""
    said = []
    for e in error.errors:
        parts = e.field.split(".")
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
            said.append(
                FieldError(e.field, messages.say("checkout_line_error", n=parts[1], message=e.message))
            )
        else:
            said.append(e)
    return InvalidInput(said)


@contextmanager
def _numbered_lines() -> Iterator[None]:
    """Core's refusal of a preview's lines said with each line's number."""
    try:
        yield
    except flows.InvalidLines as error:
        raise _by_line(error) from None


def _located(found: T | flows.NoLocation) -> T:
    """What was found at the location, or why there is no location (escaped once by
    replies.answer, as /credits does)."""
    if not isinstance(found, flows.NoLocation):
        return found
    names = ", ".join(found.names) or "none yet"
    if found.named is not None:
        raise NotFound(messages.say("checkout_no_location", name=found.named, names=names), "location")
    raise InvalidInput.single("location", messages.say("checkout_which_location", names=names))


def _new_reference() -> str:
    """A random invoice number: two desks previewing at once never share one (a removed discount
    belongs to its invoice number)."""
    return f"INV-{secrets.token_hex(3).upper()}"


def _new_key() -> str:
    return f"slack-checkout-{uuid.uuid4().hex}"


# --- the preview and its buttons -----------------------------------------------------------------


def preview_message(draft: Draft, shown: flows.Preview, *, said: str = "") -> dict[str, Any]:
    """The breakdown, with Post and (discounts first) Remove discount buttons carrying the draft."""
    breakdown = shown.breakdown
    draft = replace(draft, seen=fingerprint(breakdown))
    text = messages.say(
        "checkout_preview",
        said=said,
        breakdown=_breakdown(shown.currency, breakdown, draft.reference, shown.customer, shown.location),
        manual=breakdown.order is Order.MANUAL,  # choosing benefits by hand is not offered in Slack yet
    )
    reply = messages.message(text)
    encoded = draft.encoded()
    buttons = [_button(POST, messages.say("checkout_post_button"), encoded, style="primary")]
    if not draft.money or breakdown.total(Kind.MONEY) > 0:
        label = messages.say("checkout_money_button", keep=draft.money)
        buttons.append(_button(MONEY, label, {**encoded, "m": int(not draft.money)}))
    if breakdown.order is Order.DISCOUNTS_FIRST:
        for result in breakdown.lines:
            for a in result.applied:
                if a.discount_id is not None and len(buttons) <= REMOVE_BUTTONS:
                    label = messages.say("checkout_remove_button", n=result.line.number)
                    buttons.append(
                        _button(
                            f"{REMOVE_DISCOUNT}-{result.line.number}",
                            label,
                            {**encoded, "x": [result.line.number, a.discount_id]},
                        )
                    )
    reply["blocks"].append({"type": "actions", "block_id": "checkout", "elements": buttons})
    return reply


def _button(action_id: str, label: str, value: dict[str, Any], *, style: str | None = None) -> dict[str, Any]:
    encoded = json.dumps(value, separators=(",", ":"))
    if len(encoded) > VALUE_MAX:
        raise InvalidInput.single("lines", messages.say("checkout_too_many_lines", most=SLACK_LINES))
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "value": encoded,
        "text": views.plain(label),
    }
    if style:
        button["style"] = style
    return button


def _breakdown(
    currency: str, b: Breakdown, reference: str, customer: str = "", location: str = "", *, status: str = ""
) -> str:
    """The breakdown in words (customer and location when the invoice is being checked out)."""
    lines = [
        messages.say(
            "checkout_line",
            number=r.line.number,
            name=escape(r.line.name),
            quantity=r.line.quantity,
            unit_price=r.line.unit_price,
            gross=r.line.gross,
            benefits=[
                messages.say(
                    "checkout_applied", kind=a.kind.value, amount=a.amount, units=a.units, rule=escape(a.rule)
                )
                for a in r.applied
            ],
            removed=bool(r.removed),
            due=r.due,
        )
        for r in b.lines
    ]
    return messages.say(
        "checkout_breakdown",
        reference=reference,
        status=status,
        customer=escape(customer),
        location=escape(location),
        order=b.order.value,
        lines=lines,
        gross=b.gross,
        benefits=b.gross - b.due,
        due=b.due,
        points=b.points,
        points_rule=escape(b.points_rule),
        notes=[escape(n) for n in b.notes],
        currency=currency,
    )


def posted(deps: Deps, team: str, user: str, value: dict[str, Any]) -> dict[str, Any]:
    """Post the invoice as previewed — once, however often Post is pressed — or name the line that
    changed since and offer a fresh preview."""
    draft = Draft.decoded(value)
    with _numbered_lines():
        done = deps.write(team, user, flows.post, draft.invoice(), key=draft.key, seen=draft.seen)
    if isinstance(done, flows.Stale):
        return preview_message(
            draft, done.preview, said=messages.say("checkout_stale", why=_why(done.change))
        )
    said = messages.say(
        "checkout_posted",
        reference=done.posted.reference,
        due=done.posted.breakdown.due,
        currency=done.currency,
        points=done.posted.breakdown.points,
        replayed=done.posted.replayed,
        void=done.posted.status == "void",
    )
    breakdown = _breakdown(
        done.currency, done.posted.breakdown, draft.reference, done.customer, done.location
    )
    return messages.message(f"{said}\n{breakdown}")


def _why(change: flows.Change) -> str:
    if change.message:
        return escape_controls(change.message)
    if change.lines:
        return messages.say("checkout_changed_lines")
    if change.line is not None:
        number, name = change.line
        return messages.say("checkout_changed_line", n=number, name=escape(name))
    return messages.say("checkout_changed_points")


def discount_removed(deps: Deps, team: str, user: str, value: dict[str, Any]) -> dict[str, Any]:
    """Take the discount off the line for good, and show the preview again in place."""
    draft = Draft.decoded(value)
    line, discount = (int(v) for v in value["x"])
    with _numbered_lines():
        shown = deps.write(team, user, flows.remove_discount, draft.invoice(), line, discount)
    return preview_message(draft, shown, said=messages.say("checkout_discount_removed", n=line))


def money_switched(deps: Deps, team: str, user: str, value: dict[str, Any]) -> dict[str, Any]:
    """The preview again, with monetary credit used or kept for later (writes nothing)."""
    draft = Draft.decoded(value)
    with _numbered_lines():
        shown = deps.read(team, user, flows.preview, draft.invoice())
    return preview_message(draft, shown, said=messages.say("checkout_money_switched", keep=not draft.money))


# --- the form ------------------------------------------------------------------------------------


def form_view(deps: Deps, team: str, user: str, channel: str) -> dict[str, Any]:
    return _form(deps.read(team, user, flows.form_choices, None, None), channel, "", [])


def _form(choices: flows.FormChoices, channel: str, lines: str, problems: list[FieldError]) -> dict[str, Any]:
    places = [(str(ident), name) for ident, name in choices.locations]
    if not places:
        raise Conflict(messages.say("checkout_no_locations"), "location")
    chosen = (str(choices.customer[0]), choices.customer[1]) if choices.customer else None
    initial = str(choices.location) if choices.location else None
    blocks: list[dict[str, Any]] = []
    if problems:
        blocks.append(
            views.section(messages.say("checkout_form_problems", problems=[p.message for p in problems]))
        )
    blocks += [
        views.external_select("customer", "Customer", initial=chosen),
        views.select("location", "Location", places, initial=initial),
        views.text_input(
            "lines",
            "Lines, one a line",
            initial=lines or None,
            multiline=True,
            hint=messages.say("checkout_lines_hint"),
            max_length=2000,
        ),
    ]
    return views.modal(CHECKOUT_FORM, "Checkout", blocks, submit="Preview", metadata={"channel": channel})


def form_preview(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """The submitted form's preview (posted ephemerally where the command was typed), or its field
    errors: each bad line named under the lines field."""
    chosen = views.values(view)
    problems: list[FieldError] = []
    if not chosen.get("customer"):
        problems.append(FieldError("customer", "Choose the customer."))
    if not chosen.get("location"):
        problems.append(FieldError("location", "Choose the location."))
    items, bad = parse_lines(deps, team, user, str(chosen.get("lines", "")))
    problems += bad
    if problems:
        raise InvalidInput(problems)
    draft = Draft(
        _new_reference(), int(chosen["customer"]), int(chosen["location"]), tuple(items), _new_key()
    )
    with _numbered_lines():
        shown = deps.read(team, user, flows.preview, draft.invoice())
    return preview_message(draft, shown)


# --- void, show, points, order -------------------------------------------------------------------


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
    return messages.message(
        _breakdown(found.currency, posted.breakdown, posted.reference, status=posted.status)
    )


def points_preview(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`points <customer> <n>`: what the points are worth, tried in a transaction that is rolled
    back (so the preview is refused exactly as the conversion would be), then a Convert button."""
    *words, count = text.split()
    if not words or not count.isdigit() or int(count) < 1:
        raise InvalidInput.single("points", messages.say("checkout_points_usage"))
    key = f"slack-points-{uuid.uuid4().hex}"
    customer = deps.read(team, user, _one_customer, " ".join(words))
    tried = deps.rehearse(team, user, flows.points_worth, customer.id, Decimal(count), key=f"{key}:preview")
    said = messages.say(
        "checkout_points_preview",
        points=count,
        customer=escape(customer.label),
        worth=tried.worth,
        currency=tried.currency,
        have=tried.have,
    )
    reply = messages.message(said)
    value = {"c": customer.id, "n": count, "k": key}
    button = _button(CONVERT_POINTS, messages.say("checkout_convert_button"), value, style="primary")
    reply["blocks"].append({"type": "actions", "block_id": "points", "elements": [button]})
    return reply


def points_converted(deps: Deps, team: str, user: str, value: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(
        team, user, flows.convert_points, int(value["c"]), Decimal(value["n"]), key=str(value["k"])
    )
    said = messages.say(
        "checkout_points_converted",
        points=value["n"],
        customer=escape(done.customer),
        worth=done.result.total,
        currency=done.currency,
        points_left=done.points_left,
        common=done.common,
        replayed=done.result.replayed,
    )
    return messages.message(said)


def set_order(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`order <location> credits-first|discounts-first|manual` (admins; core refuses the others)."""
    *words, order = text.split()
    if not words:
        raise InvalidInput.single("benefit_order", messages.say("checkout_order_usage"))
    done = _located(deps.write(team, user, flows.set_order, " ".join(words), order.lower()))
    return messages.message(
        messages.say("checkout_order_set", location=escape(done.location), order=done.order.value)
    )


def _one_customer(ctx: Ctx, text: str) -> customers.CustomerView:
    """The customer meant, or the reply saying none or several match (escaped by replies.answer)."""
    found = find_customer(ctx, text)
    if found.customer is not None:
        return found.customer
    if not found.matches:
        raise NotFound(messages.say("no_customer", query=text), "customer")  # escaped by answer
    labels = [c.label for c in found.matches]
    raise MemberbotError(messages.render("pick_customer", query=text, customers=labels))
