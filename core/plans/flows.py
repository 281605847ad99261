"""Plans as the people who sell them ask for them: the list, a plan named by what was typed (cloned,
disabled, enabled or opened to edit), and the plan form — each step checked before the next one
opens, then saved. Each function is one unit of work and returns plain data for the caller."""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.catalog import locations as catalog
from core.catalog.locations import JobView
from core.context import Ctx
from core.credits.terms import CreditKind, CreditTerms
from core.plans import service as plans
from core.plans.service import SOLD_TERMS, PlanTerms, PlanView, RecurringService, ServiceView
from core.workspace import roles
from core.workspace.roles import Action

CHOICES = 10  # plans named when several match
# What the form's credits step sets; the plan's other credit terms (services, templates, pools,
# points, limits) come from the YAML catalogue and are kept.
CREDIT_FIELDS = (
    "kind",
    "per_period",
    "frequency",
    "every_days",
    "expiry",
    "expiry_days",
    "initial",
    "transferable",
)


@dataclass(frozen=True)
class Plans:
    plans: list[PlanView]  # the live plans, by name
    currency: str


@dataclass(frozen=True)
class Unmatched:
    """What was typed names no plan, or several (their names, the first CHOICES)."""

    query: str
    names: list[str]


@dataclass(frozen=True)
class Cloned:
    copy: PlanView
    source: PlanView


@dataclass(frozen=True)
class PlanForm:
    """What the plan form opens with: the plan edited (None: a new one), and the currency."""

    plan: PlanView | None
    currency: str


@dataclass(frozen=True)
class PlanEdit:
    """A plan as its form gives it. What the form does not carry the plan keeps: the terms in `kept`
    (a sold plan's form does not show those fixed once sold), its locations, its credits unless the
    credits step was filled (and then only CREDIT_FIELDS change), and its services, to which `added`
    appends."""

    terms: PlanTerms  # as typed; `credits`: the credits step's, None if it was not filled
    kept: frozenset[str] = frozenset()  # of SOLD_TERMS, those the form did not show
    added: tuple[RecurringService, ...] = ()


@dataclass(frozen=True)
class NextStep:
    """What the form's next step shows, once the terms so far were checked."""

    currency: str
    services: tuple[ServiceView, ...]  # the plan's, with those added so far
    jobs: list[JobView]  # the job templates a recurring service may repeat


def plan_list(ctx: Ctx) -> Plans:
    roles.require(ctx, Action.VIEW)
    return Plans(plans.list_plans(ctx), ctx.tenant.currency)


def plan_to_edit(ctx: Ctx, typed: str) -> PlanView | Unmatched:
    roles.require(ctx, Action.MANAGE_PLANS)
    return one_plan(ctx, typed)


def clone_plan(ctx: Ctx, typed: str, name: str) -> Cloned | Unmatched:
    """An unsold copy of the plan named, called `name` (empty: "<plan> (copy)")."""
    roles.require(ctx, Action.MANAGE_PLANS)
    source = one_plan(ctx, typed)
    if isinstance(source, Unmatched):
        return source
    return Cloned(plans.clone_plan(ctx, source.id, name or f"{source.name} (copy)"), source)


def enable_plan(ctx: Ctx, typed: str, enabled: bool) -> PlanView | Unmatched:
    roles.require(ctx, Action.MANAGE_PLANS)
    plan = one_plan(ctx, typed)
    return plan if isinstance(plan, Unmatched) else plans.set_enabled(ctx, plan.id, enabled)


def one_plan(ctx: Ctx, typed: str) -> PlanView | Unmatched:
    """The plan `typed` names: an exact name or code, or the only plan that matches; never a guess."""
    found = plans.find_plans(ctx, typed)
    exact = [p for p in found if typed.casefold() in (p.name.casefold(), p.code.casefold())]
    if len(exact) == 1 or len(found) == 1:
        return exact[0] if exact else found[0]
    return Unmatched(typed, [p.name for p in found[:CHOICES]])


def plan_form(ctx: Ctx, plan_id: int | None) -> PlanForm:
    return PlanForm(plans.get_plan(ctx, plan_id) if plan_id else None, ctx.tenant.currency)


def check_plan(ctx: Ctx, plan_id: int | None, edit: PlanEdit) -> NextStep:
    """Have the plan's checks see the terms so far by making the change — the caller rolls it back
    (Deps.rehearse) — and what the next step shows."""
    saved = save_plan(ctx, plan_id, edit)
    return NextStep(ctx.tenant.currency, saved.services, catalog.job_templates(ctx))


def save_plan(ctx: Ctx, plan_id: int | None, edit: PlanEdit) -> PlanView:
    """Create the plan, or change the one edited."""
    if not plan_id:
        return plans.create_plan(ctx, _terms(None, edit))
    return plans.update_plan(ctx, plan_id, _terms(plans.get_plan(ctx, plan_id).terms, edit))


def _terms(current: PlanTerms | None, edit: PlanEdit) -> PlanTerms:
    typed = edit.terms
    if current is None:
        return replace(typed, services=(*typed.services, *edit.added))
    credits = current.credits
    if typed.credits is not None:
        base = current.credits or CreditTerms(kind=CreditKind.SERVICE)
        credits = replace(base, **{name: getattr(typed.credits, name) for name in CREDIT_FIELDS})
    kept = {name: getattr(current, name) for name in SOLD_TERMS if name in edit.kept}
    return replace(
        typed,
        location_ids=current.location_ids,
        services=(*current.services, *edit.added),
        credits=credits,
        **kept,
    )
