"""/checkout's buttons: Post (once, however often it is pressed), Remove discount (for good), Keep
or use the monetary credit (a new preview), and Convert points. On Post the invoice is previewed
again in the posting transaction; a line whose fingerprint differs is named and a fresh preview
offered, and core's own check under the customer's lock (StalePreview) catches a change in the
last instant."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import keys, messages
from bot.deps import Deps
from bot.keys import Purpose
from bot.listeners.checkout.draft import Draft
from bot.listeners.checkout.ids import CheckoutAction
from bot.listeners.checkout.lines import numbered_lines
from bot.listeners.checkout.preview import breakdown_text, preview_message
from bot.listeners.replies import Pressed, pressed
from bot.mrkdwn import escape, escape_controls
from core.checkout import flows


def register(app: AsyncApp, deps: Deps) -> None:
    for action_id, work in (
        (CheckoutAction.POST, posted),
        (CheckoutAction.CONVERT_POINTS, points_converted),
        (CheckoutAction.MONEY, money_switched),
    ):
        app.action(action_id)(pressed(_with(deps, work)))
    # One Remove button per discounted line, and action ids are unique in a message.
    app.action(re.compile(rf"^{CheckoutAction.REMOVE_DISCOUNT}-\d+$"))(pressed(_with(deps, discount_removed)))


def _with(deps: Deps, work: Callable[[Deps, str, str, dict[str, Any]], dict[str, Any]]) -> Pressed:
    return lambda team, user, value: work(deps, team, user, value)


def posted(deps: Deps, team: str, user: str, value: dict[str, Any]) -> dict[str, Any]:
    """Post the invoice as previewed — once, however often Post is pressed — or name the line that
    changed since and offer a fresh preview."""
    draft = Draft.decoded(value)
    with numbered_lines():
        done = deps.write(
            team,
            user,
            flows.post,
            draft.invoice(),
            key=keys.bound(user, Purpose.CHECKOUT, draft.key),
            seen=draft.seen,
        )
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
        cards=done.posted.cards,
    )
    breakdown = breakdown_text(
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
    with numbered_lines():
        shown = deps.write(team, user, flows.remove_discount, draft.invoice(), line, discount)
    return preview_message(draft, shown, said=messages.say("checkout_discount_removed", n=line))


def money_switched(deps: Deps, team: str, user: str, value: dict[str, Any]) -> dict[str, Any]:
    """The preview again, with monetary credit used or kept for later (writes nothing)."""
    draft = Draft.decoded(value)
    with numbered_lines():
        shown = deps.read(team, user, flows.preview, draft.invoice())
    return preview_message(draft, shown, said=messages.say("checkout_money_switched", keep=not draft.money))


def points_converted(deps: Deps, team: str, user: str, value: dict[str, Any]) -> dict[str, Any]:
    done = deps.write(
        team,
        user,
        flows.convert_points,
        int(value["c"]),
        Decimal(value["n"]),
        key=keys.bound(user, Purpose.POINTS, value["k"]),
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
