"""/services: the catalogue a page at a time, help, add, edit, disable, enable and price by name,
and the equality templates."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages
from bot.deps import Deps
from bot.listeners.catalog import forms
from bot.listeners.catalog.ids import CatalogAction
from bot.listeners.replies import Modal, slash_command
from bot.mrkdwn import escape
from bot.pagination import more_button, page
from core.catalog import flows
from core.catalog.services import ServiceView
from core.workspace import roles
from core.workspace.roles import Action


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/services")(slash_command(deps, "/services", services_reply))


def services_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal:
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "help":
        return messages.message(messages.render("services_help"))
    if verb == "add":  # `/services add Massage 60` opens the form with the name filled in
        deps.read(team, user, roles.require, Action.MANAGE_PLANS)  # refuse before a modal opens for nothing
        return Modal("New service", lambda: forms.service_view(None, name=rest))
    if verb == "edit" and rest:
        found = deps.read(team, user, flows.service_to_edit, rest)
        if isinstance(found, flows.Unmatched):
            return _unmatched(found)
        return Modal("Edit service", lambda: forms.service_view(found))
    if verb in ("disable", "enable") and rest:
        done = deps.write(team, user, flows.enable_service, rest, verb == "enable")
        if isinstance(done, flows.Unmatched):
            return _unmatched(done)
        return messages.message(messages.say("service_enabled", name=escape(done.name), active=done.active))
    if verb == "price" and rest:
        return _price(deps, team, user, rest)
    if verb == "templates" and not rest:
        listed = deps.read(team, user, flows.catalog_list)
        rows = [
            {"name": escape(t.name), "costs": [(escape(name), cost) for _, name, cost in t.costs]}
            for t in listed.templates
        ]
        return messages.message(messages.render("equality_templates", templates=rows))
    if verb == "template" and rest:
        return _template(deps, team, user, rest)
    if text:
        return messages.message(
            messages.say("not_a_services_command", text=escape(text)) + " " + messages.render("services_help")
        )
    return services_page(deps, team, user, 0)


def services_page(deps: Deps, team: str, user: str, offset: int) -> dict[str, Any]:
    listed = deps.read(team, user, flows.catalog_list)
    shown, next_offset = page(listed.services, offset)
    reply = messages.message(
        messages.render(
            "services",
            services=[_row(s) for s in shown],
            currency=listed.currency,
            first=offset + 1,
            total=len(listed.services),
        )
    )
    if next_offset is not None:
        reply["blocks"].append(more_button(CatalogAction.MORE, next_offset))
    return reply


def _price(deps: Deps, team: str, user: str, text: str) -> dict[str, Any]:
    """`<service> at <location> <amount>`: the location's own price."""
    service, at, where = text.rpartition(" at ")
    location, _, amount = where.strip().rpartition(" ")
    if not at or not service.strip() or not location.strip():
        return messages.message(messages.say("bad_price_command"))
    done = deps.write(team, user, flows.price_at, service.strip(), location.strip(), amount)
    if isinstance(done, flows.Unmatched):
        return _unmatched(done)
    if isinstance(done, flows.NoLocation):
        names = [escape(n) for n in done.names]
        return messages.message(messages.say("no_location_named", named=escape(done.named), names=names))
    said = messages.say(
        "service_priced",
        name=escape(done.service.name),
        location=escape(done.location),
        price=done.price,
        currency=done.currency,
    )
    return messages.message(said)


def _template(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal:
    verb, _, name = text.partition(" ")
    verb, name = verb.lower(), name.strip()
    if verb == "new" and not name:
        form = deps.read(team, user, flows.template_form, None)
    elif verb == "edit" and name:
        form = deps.read(team, user, flows.template_form, name)
    else:
        return messages.message(
            messages.say("not_a_services_command", text=escape(f"template {text}"))
            + " "
            + messages.render("services_help")
        )
    if isinstance(form, flows.Unmatched):
        return _unmatched(form, template=True)
    if not form.services:
        return messages.message(messages.say("no_services_for_template"))
    title = "New template" if form.template is None else "Edit template"
    return Modal(title, lambda: forms.template_view(form))


def _unmatched(found: flows.Unmatched, *, template: bool = False) -> dict[str, Any]:
    what = "template" if template else "service"
    if not found.names:
        return messages.message(messages.say(f"no_{what}", query=escape(found.query)))
    names = [escape(n) for n in found.names]
    return messages.message(messages.say(f"several_{what}s", query=escape(found.query), names=names))


def _row(s: ServiceView) -> dict[str, Any]:
    return {
        "name": escape(s.name),
        "kind": s.kind.value,
        "active": s.active,
        "price": s.price,
        "category": escape(s.category),
        "minutes": s.duration_minutes,
        "location_prices": [(escape(where), price) for where, price in s.location_prices],
    }
