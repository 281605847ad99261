"""Book, roster, bookings and rules: what was asked, resolved one ambiguity at a time. An ambiguous
customer or class is answered with a pick list whose buttons carry what is already known; pressing
one runs the request again with the choice made."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot import messages, pagination, views
from bot.dates import parse_date
from bot.deps import Deps
from bot.listeners.classes.ids import ClassesAction
from bot.listeners.classes.roster import as_shown, no_session, roster_of
from bot.listeners.picker import choices
from bot.mrkdwn import escape, escape_controls
from bot.ui.buttons import actions, button
from core.classes import flows
from core.classes import service as classes
from core.classes.rules import names_match
from core.classes.service import SeriesView, SessionFull, WaitView
from core.context import Ctx
from core.customers import service as customers
from core.customers.lookup import find_customer
from core.kernel.errors import InvalidInput
from core.kernel.text import fold

PICKS = 10  # buttons in a pick list
_ON = re.compile(r"^(.*\S)\s+on\s+(\S.*)$", re.IGNORECASE)


@dataclass
class Request:
    """A customer and a class as typed (text) or as chosen from a pick list (ids), and the day."""

    verb: str  # "book", "wait", "leave", "waitlist", "roster", "bookings" or "rules"
    customer: str | int | None = None
    series: str | int | None = None
    on: date | None = None
    plans: str | None = None  # rules: the plans as typed ("Gold, Silver", "every plan"); None: show them

    @classmethod
    def parse(cls, verb: str, text: str, deps: Deps, team: str, user: str) -> Request:
        """`<customer> <class> [on <date>]` for book, wait and leave, `<class> [on <date>]` for
        roster and waitlist. The class is the longest end of the words that names one; the
        customer is what comes before it."""
        known = deps.read(team, user, flows.known_classes)
        words, on = text, None
        found = _ON.match(text)
        if found is not None:
            words, on = found.group(1), parse_date(found.group(2), known.today, field="on")
        if verb in ("roster", "waitlist"):
            return cls(verb, series=words, on=on)
        split = words.split()
        names = [fold(s.name) for s in known.series]
        for cut in range(1, len(split)):
            tail = fold(" ".join(split[cut:]))
            if any(names_match(tail, name) for name in names):
                return cls(verb, customer=" ".join(split[:cut]), series=" ".join(split[cut:]), on=on)
        raise InvalidInput.single(
            "series",
            f"Say who and which class: `/classes {verb} <customer> <class>` (“{text}” names no class).",
        )

    @classmethod
    def read(cls, value: dict[str, Any]) -> Request:
        on = value.get("on")
        return cls(
            str(value["verb"]),
            customer=value.get("customer"),
            series=value.get("series"),
            on=date.fromisoformat(on) if on else None,
            plans=value.get("plans"),
        )

    def value(self, **chosen: int) -> str:
        data = {"verb": self.verb, "customer": self.customer, "series": self.series, "plans": self.plans}
        data.update(chosen)
        if self.on is not None:
            data["on"] = self.on.isoformat()
        return json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))

    def run(self, deps: Deps, team: str, user: str) -> dict[str, Any]:
        series = self._series(deps, team, user) if self.verb != "bookings" else None
        if isinstance(series, dict):
            return series
        if series is not None:
            self.series = series.id  # a pick list for the customer keeps the class chosen
        wanted = ("book", "wait", "leave", "bookings")
        customer = deps.read(team, user, self._customer) if self.verb in wanted else None
        if isinstance(customer, dict):
            return customer
        if self.verb == "roster" and series is not None:
            return roster_of(deps, team, user, series, self.on)
        if self.verb == "waitlist" and series is not None:
            return waitlist_of(deps, team, user, series, self.on)
        if self.verb == "rules" and series is not None:
            return session_rules(deps, team, user, series, self.plans)
        if self.verb == "bookings" and customer is not None:
            return bookings(deps, team, user, customer)
        assert series is not None and customer is not None
        if self.verb == "wait":
            return join(deps, team, user, customer, series, self.on)
        if self.verb == "leave":
            return leave(deps, team, user, customer, series, self.on)
        return book(deps, team, user, customer, series, self.on)

    def _series(self, deps: Deps, team: str, user: str) -> SeriesView | dict[str, Any]:
        if isinstance(self.series, int):
            return deps.read(team, user, classes.get_series, self.series)
        typed = str(self.series or "")
        found = deps.read(team, user, flows.find_classes, typed)
        if len(found) == 1:
            return found[0]
        if not found:
            return messages.message(messages.say("no_class", query=escape(typed)))
        options = [(s.id, f"{s.name} ({s.location})") for s in found[:PICKS]]
        return self._pick(messages.say("several_classes", query=escape(typed)), "series", options)

    def _customer(self, ctx: Ctx) -> customers.CustomerView | dict[str, Any]:
        if isinstance(self.customer, int):
            return customers.get_customer(ctx, self.customer)
        typed = str(self.customer or "")
        found = find_customer(ctx, typed, choices=PICKS)
        if found.customer is not None:
            return found.customer
        if not found.matches:
            return messages.message(messages.say("no_customer", query=escape(typed)))
        options = [(c.id, c.label) for c in found.matches]
        return self._pick(messages.say("pick_customer_for", query=escape(typed)), "customer", options)

    def _pick(self, text: str, key: str, options: list[tuple[int, str]]) -> dict[str, Any]:
        reply = messages.message(text)
        buttons = [
            button(f"{ClassesAction.PICK}_{n}", label[: views.OPTION_TEXT_MAX], self.value(**{key: ident}))
            for n, (ident, label) in enumerate(options)
        ]
        reply["blocks"].append(actions(buttons))
        return reply


def book(
    deps: Deps, team: str, user: str, customer: customers.CustomerView, series: SeriesView, on: date | None
) -> dict[str, Any]:
    try:
        booked = deps.write(team, user, flows.book_class, series.id, customer.id, on)
    except SessionFull as full:
        if not full.waitlist_open:
            raise
        return _offer_waitlist(full, customer, series)
    if booked is None:
        return no_session(series, on, upcoming=True)
    said = messages.say(
        "class_booked",
        b=as_shown(booked.booking),
        left=booked.seats_left,
        membership=f"{booked.membership} ({escape(booked.plan)})",
        spent=booked.booking.credit_spent,
        credits_left=f"{booked.credits_left.normalize():f}",
    )
    return messages.message(said)


def _offer_waitlist(
    full: SessionFull, customer: customers.CustomerView, series: SeriesView
) -> dict[str, Any]:
    """The session is full and its line open: say so, with Join the waitlist for that session."""
    said = messages.say(
        "class_full_offer", full=escape_controls(full.message), customer=escape(customer.label)
    )
    reply = messages.message(said)
    value = Request("wait", customer=customer.id, series=series.id, on=full.on_date).value()
    reply["blocks"].append(actions([button(ClassesAction.JOIN_WAITLIST, "Join the waitlist", value)]))
    return reply


def join(
    deps: Deps, team: str, user: str, customer: customers.CustomerView, series: SeriesView, on: date | None
) -> dict[str, Any]:
    joined = deps.write(team, user, flows.join_waitlist, series.id, customer.id, on)
    if joined is None:
        return no_session(series, on, upcoming=True)
    return messages.message(messages.say("waitlist_joined", w=_shown(joined)))


def leave(
    deps: Deps, team: str, user: str, customer: customers.CustomerView, series: SeriesView, on: date | None
) -> dict[str, Any]:
    left = deps.write(team, user, flows.leave_waitlist, series.id, customer.id, on)
    if left is None:
        return no_session(series, on, upcoming=True)
    return messages.message(messages.say("waitlist_left", w=_shown(left)))


def waitlist_of(deps: Deps, team: str, user: str, series: SeriesView, on: date | None) -> dict[str, Any]:
    found = deps.read(team, user, flows.waitlist_of, series.id, on)
    if found is None:
        return no_session(series, on, upcoming=on is None)
    session = found.session
    said = messages.say(
        "waitlist",
        name=escape(session.series),
        location=escape(session.location),
        starts_at=session.starts_at,
        taken=session.taken,
        capacity=session.capacity,
        cutoff=found.cutoff_hours,
        rows=[_shown(w) for w in found.waiting[: pagination.PAGE_SIZE * 2]],
        more=max(0, len(found.waiting) - pagination.PAGE_SIZE * 2),
    )
    return messages.message(said)


def _shown(wait: WaitView) -> WaitView:
    return replace(
        wait, customer=escape(wait.customer), series=escape(wait.series), note=escape_controls(wait.note)
    )


EVERY_PLAN = frozenset({"every plan", "every", "all", "all plans", "any plan"})


def session_rules(deps: Deps, team: str, user: str, series: SeriesView, wanted: str | None) -> dict[str, Any]:
    """Which plans may book the class: shown, or set from "Gold, Silver" or "every plan"
    (managers). Each plan named must match one plan; several matching is answered with their
    names, nothing changed."""
    if wanted is None:
        said = messages.say("class_rules", name=escape(series.name), plans=[escape(p) for p in series.plans])
        return messages.message(said)
    named = None if fold(wanted) in EVERY_PLAN else [part.strip() for part in wanted.split(",")]
    done = deps.write(team, user, flows.set_class_plans, series.id, named)
    if isinstance(done, flows.Unmatched):
        if done.names:
            raise choices.plans(done.query, done.names)  # the picker runs the command again with one
        return messages.message(messages.say("no_plan", query=escape(done.query)))
    said = messages.say("class_rules_set", name=escape(done.name), plans=[escape(p) for p in done.plans])
    return messages.message(said)


def bookings(deps: Deps, team: str, user: str, customer: customers.CustomerView) -> dict[str, Any]:
    found = deps.read(team, user, flows.plans_of_customer, customer.id)
    shown = [as_shown(b) for b in found.bookings[: pagination.PAGE_SIZE * 2]]  # they fit one message
    waiting = [_shown(w) for w in found.waiting[: pagination.PAGE_SIZE]]
    said = messages.say("bookings_of", customer=escape(customer.label), rows=shown, waiting=waiting)
    return messages.message(said)
