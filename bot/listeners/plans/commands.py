"""/plans: the list (a page at a time), help, and new, edit, clone, disable, enable and archive by
name."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages
from bot.deps import Deps
from bot.listeners.picker import choices
from bot.listeners.plans import forms
from bot.listeners.plans.ids import PlanAction
from bot.listeners.replies import Modal, slash_command
from bot.mrkdwn import escape
from bot.pagination import more_button, page
from core.checkout.benefits import DiscountKind, ItemKind
from core.kernel import formats
from core.plans import flows
from core.plans.service import PlanView
from core.workspace import roles
from core.workspace.roles import Action

PLANS_PAGE = 10


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/plans")(slash_command(deps, "/plans", plans_reply))


def plans_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Modal:
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "help":
        return messages.message(messages.render("plans_help"))
    if verb == "new":
        deps.read(team, user, roles.require, Action.MANAGE_PLANS)  # refuse before a modal opens for nothing
        return Modal("New plan", lambda: forms.new_plan_view(deps, team, user))
    if verb in ("edit", "clone", "disable", "enable", "archive") and rest:
        return _plan_verb(deps, team, user, verb, rest)
    if text:
        return messages.message(
            messages.say("not_a_plans_command", text=escape(text)) + " " + messages.render("plans_help")
        )
    return plans_page(deps, team, user, 0)


def plans_page(deps: Deps, team: str, user: str, offset: int) -> dict[str, Any]:
    listed = deps.read(team, user, flows.plan_list_with_discounts)
    shown, next_offset = page(listed.plans, offset, PLANS_PAGE)
    reply = messages.message(
        messages.render(
            "plans",
            plans=[_plan_row(p, listed.discounts.get(p.id, ())) for p in shown],
            currency=listed.currency,
            first=offset + 1,
            total=len(listed.plans),
        )
    )
    if next_offset is not None:
        reply["blocks"].append(more_button(PlanAction.MORE, next_offset))
    return reply


def _plan_verb(deps: Deps, team: str, user: str, verb: str, text: str) -> dict[str, Any] | Modal:
    name, _, new_name = text.partition(" as ") if verb == "clone" else (text, "", "")
    done: PlanView | flows.Cloned | flows.Unmatched
    if verb == "edit":
        done = deps.read(team, user, flows.plan_to_edit, name.strip())
    elif verb == "clone":
        done = deps.write(team, user, flows.clone_plan, name.strip(), new_name.strip())
    elif verb == "archive":
        done = deps.write(team, user, flows.archive_plan, name.strip())
    else:
        done = deps.write(team, user, flows.enable_plan, name.strip(), verb == "enable")
    if isinstance(done, flows.Unmatched):
        if not done.names:
            return messages.message(messages.say("no_plan", query=escape(done.query)))
        raise choices.plans(done.query, done.names)  # the picker runs the command again with one
    if isinstance(done, flows.Cloned):
        said = messages.say("plan_cloned", copy=escape(done.copy.name), source=escape(done.source.name))
        return messages.message(said)
    if verb == "edit":
        plan_id = done.id
        return Modal("Edit plan", lambda: forms.edit_plan_view(deps, team, user, plan_id))
    if verb == "archive":
        return messages.message(messages.say("plan_archived", name=escape(done.name)))
    return messages.message(messages.say("plan_enabled", name=escape(done.name), enabled=done.enabled))


def discount_words(discounts: tuple[flows.DiscountView, ...]) -> str:
    """ "10% off Massage; 5.00 off Products": each discount, what it is limited to or all of a kind."""

    def one(d: flows.DiscountView) -> str:
        off = f"{d.value.normalize():f}%" if d.kind is DiscountKind.PERCENT else f"{d.value}"
        on = ", ".join(d.on) or ("Products" if d.applies_to is ItemKind.PRODUCT else "Services")
        return f"{off} off {on}"

    return "; ".join(one(d) for d in discounts)


def _plan_row(plan: PlanView, discounts: tuple[flows.DiscountView, ...] = ()) -> dict[str, Any]:
    t = plan.terms
    return {
        "name": escape(plan.name),
        "code": plan.code,
        "enabled": plan.enabled,
        "price": t.price,
        "billing": t.billing_type.label,
        "term": f"for {formats.count(t.term_months, 'month')}" if t.term_months else "no end date",
        "credits": t.credits,
        "services": [escape(f"{s.job} / {s.task}: {s.schedule}") for s in plan.services],
        "discounts": escape(discount_words(discounts)),
    }
