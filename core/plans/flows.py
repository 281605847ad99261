"""Plans as the people who sell them ask for them: the list, a plan named by what was typed (cloned,
disabled, enabled or opened to edit), and the plan form — each step checked before the next one
opens, then saved. Each function is one unit of work and returns plain data for the caller."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal

from core.billing import service as billing
from core.catalog import locations as catalog
from core.catalog import services as catalog_services
from core.catalog.locations import JobView
from core.catalog.services import ServiceKind
from core.checkout import benefit_terms
from core.checkout.benefit_terms import DiscountRule
from core.checkout.benefits import DiscountKind, ItemKind
from core.context import Ctx
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.errors import Errors, FieldError, ImmutableField, InvalidInput
from core.kernel.money import in_currency
from core.kernel.text import fold
from core.plans import service as plans
from core.plans.service import SOLD_TERMS, PlanTerms, PlanView, RecurringService, ServiceView
from core.revenue import service as revenue
from core.revenue.recognition import Split
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.checkout import PlanDiscount

CHOICES = 10  # plans named when several match
CREDIT_FIELDS = frozenset(f.name for f in fields(CreditTerms))


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
class CreditsStep:
    """The credits step as the form gives it: the terms typed, and which of their fields it showed
    (a sold plan's step shows only those that may still change, CHANGEABLE_AFTER_SALE); the plan
    keeps the others. The services and categories credits are good for come by name."""

    terms: CreditTerms | None  # None: no credits, the plan is unlimited
    fields: frozenset[str] = CREDIT_FIELDS
    good_for: tuple[str, ...] = ()  # services or service categories by name; none: any service


@dataclass(frozen=True)
class SoldAt:
    """Where the locations step sells the plan: everywhere (None, new locations too), or at the
    locations ticked among those it showed (a location it did not show stays as it was)."""

    ticked: tuple[int, ...] | None
    shown: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlanEdit:
    """A plan as its form gives it. What the form does not carry the plan keeps: the terms in `kept`
    (a sold plan's form does not show those fixed once sold), its locations, its credits unless the
    credits step was filled (and then only the fields it showed change), and its services unless
    the services step was filled: its rows replace the plan's first `replaced` services (those the
    step showed), the others stay after them."""

    terms: PlanTerms  # as typed; its `credits` are not read: see `credits`
    kept: frozenset[str] = frozenset()  # of SOLD_TERMS, those the form did not show
    credits: CreditsStep | None = None  # None: the step was not filled
    services: tuple[RecurringService, ...] | None = None  # None: the step was not filled
    replaced: int = 0
    code: str | None = None  # a new plan's; None: made from its name (a plan's code never changes)
    sold_at: SoldAt | None = None  # None: the locations step was not filled, the plan is sold where it was


@dataclass(frozen=True)
class NextStep:
    """What the form's next step shows, once the terms so far were checked."""

    currency: str
    services: tuple[ServiceView, ...]  # the plan's, with those added so far
    jobs: list[JobView]  # the job templates a recurring service may repeat
    credits: CreditTerms | None = None  # the plan's credit terms so far: what the credits step opens with
    rows: tuple[RecurringService, ...] = ()  # the plan's services as the services step opens with them
    sold: int = 0  # memberships sold: the credits step then shows only what may still change
    good_for: tuple[str, ...] = ()  # the services and categories the credits are good for, by name
    equality_templates: tuple[tuple[int, str], ...] = ()  # (id, name) a service credit may use


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
    """The plan form, new or filled in: only for those who may save it (whatever opens it)."""
    roles.require(ctx, Action.MANAGE_PLANS)
    return PlanForm(plans.get_plan(ctx, plan_id) if plan_id else None, ctx.tenant.currency)


def check_plan(ctx: Ctx, plan_id: int | None, edit: PlanEdit) -> NextStep:
    """Have the plan's checks see the terms so far by making the change — the caller rolls it back
    (Deps.rehearse) — and what the next step shows."""
    return _next_step(ctx, save_plan(ctx, plan_id, edit))


def _next_step(ctx: Ctx, saved: PlanView) -> NextStep:
    credits = saved.terms.credits
    good_for: tuple[str, ...] = ()
    if credits is not None:
        names = {s.id: s.name for s in catalog_services.list_services(ctx)}
        good_for = (*(names.get(i, f"#{i}") for i in credits.services), *credits.categories)
    return NextStep(
        ctx.tenant.currency,
        saved.services,
        catalog.job_templates(ctx),
        credits,
        saved.terms.services,
        saved.memberships,
        good_for,
        tuple((t.id, t.name) for t in catalog_services.list_templates(ctx)),
    )


def save_plan(ctx: Ctx, plan_id: int | None, edit: PlanEdit) -> PlanView:
    """Create the plan, or change the one edited."""
    roles.require(ctx, Action.MANAGE_PLANS)  # before anything is read
    if not plan_id:
        return plans.create_plan(ctx, _terms(ctx, None, edit), code=edit.code)
    return plans.update_plan(ctx, plan_id, _terms(ctx, plans.get_plan(ctx, plan_id).terms, edit))


def _terms(ctx: Ctx, current: PlanTerms | None, edit: PlanEdit) -> PlanTerms:
    typed = replace(edit.terms, credits=None)
    credits = current.credits if current is not None else None
    if edit.credits is not None:
        credits = _credits(ctx, credits, edit.credits)
    services = current.services if current is not None else ()
    if edit.services is not None:
        services = (*edit.services, *services[edit.replaced :])
    location_ids = _sold_at(current.location_ids if current is not None else None, edit.sold_at)
    if current is None:
        return replace(typed, services=services, credits=credits, location_ids=location_ids)
    kept = {name: getattr(current, name) for name in SOLD_TERMS if name in edit.kept}
    return replace(typed, location_ids=location_ids, services=services, credits=credits, **kept)


def _sold_at(current: tuple[int, ...] | None, step: SoldAt | None) -> tuple[int, ...] | None:
    if step is None:
        return current
    if step.ticked is None:
        return None
    beyond = [i for i in current or () if i not in step.shown]  # an empty choice is plans' to refuse
    return tuple(sorted({*step.ticked, *beyond}))


def _credits(ctx: Ctx, current: CreditTerms | None, step: CreditsStep) -> CreditTerms | None:
    """The plan's credit terms with the fields the step showed as typed; its services and
    categories by name (a service's name, else a service category's)."""
    if step.terms is None:
        return None
    changes = {name: getattr(step.terms, name) for name in step.fields}
    if "services" in step.fields:
        errors = Errors("credits.")
        changes["services"], changes["categories"] = _service_names(ctx, errors, "services", step.good_for)
        errors.raise_if_any()
    return replace(current or CreditTerms(kind=CreditKind.SERVICE), **changes)


def _service_names(
    ctx: Ctx, errors: Errors, field: str, names: tuple[str, ...]
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Names as typed to service ids and service categories; each one that is neither, under `field`."""
    services = catalog_services.list_services(ctx)
    by_name = {fold(s.name): s.id for s in services}
    categories = {fold(s.category): s.category for s in services if s.category}
    ids: list[int] = []
    cats: list[str] = []
    for name in names:
        if fold(name) in by_name:
            ids.append(by_name[fold(name)])
        elif fold(name) in categories:
            cats.append(categories[fold(name)])
        else:
            errors.add(field, f"There is no service or service category named “{name}”.")
    return tuple(ids), tuple(cats)


def archive_plan(ctx: Ctx, typed: str) -> PlanView | Unmatched:
    """Retire the plan named for good (core/plans/service.py archive_plan): unlike disabling, it
    cannot be enabled or edited again and its name is free for a new plan; memberships carry on."""
    roles.require(ctx, Action.MANAGE_PLANS)
    plan = one_plan(ctx, typed)
    return plan if isinstance(plan, Unmatched) else plans.archive_plan(ctx, plan.id)


@dataclass(frozen=True)
class DiscountLine:
    """A discount as the form gives it: on services or products, percent or flat, limited to the
    names listed — services or service categories, or product codes — or, none listed, to all."""

    applies_to: ItemKind
    kind: DiscountKind
    value: Decimal | None  # None: the form's line was left empty (errors keep the lines' numbers)
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscountView:
    """A plan's discount in words' parts: what it is limited to by name (none: every service or
    every product)."""

    applies_to: ItemKind
    kind: DiscountKind
    value: Decimal
    on: tuple[str, ...]


@dataclass(frozen=True)
class ListedPlans:
    plans: list[PlanView]  # the live plans, by name
    currency: str
    discounts: dict[int, tuple[DiscountView, ...]]  # by plan id


def plan_list_with_discounts(ctx: Ctx) -> ListedPlans:
    listed = plan_list(ctx)
    by_version = benefit_terms.discounts_of(ctx, [p.version_id for p in listed.plans])
    names = {s.id: s.name for s in catalog_services.list_services(ctx)}
    discounts = {
        p.id: tuple(_discount_view(r, names, ctx.tenant.currency) for r in by_version.get(p.version_id, []))
        for p in listed.plans
    }
    return ListedPlans(listed.plans, listed.currency, discounts)


def plan_discounts(ctx: Ctx, plan_id: int) -> tuple[DiscountLine, ...]:
    """The plan's discounts as its form's discounts step opens with them."""
    version = plans.get_plan(ctx, plan_id).version_id
    names = {s.id: s.name for s in catalog_services.list_services(ctx)}
    views = [
        _discount_view(r, names, ctx.tenant.currency)
        for r in benefit_terms.discounts_of(ctx, [version]).get(version, [])
    ]
    return tuple(DiscountLine(v.applies_to, v.kind, v.value, v.on) for v in views)


@dataclass(frozen=True)
class CheckedPlan:
    """What the form's next step shows: check_plan's, and the plan's discounts so far (what the
    discounts step opens with)."""

    step: NextStep
    discounts: tuple[DiscountLine, ...]
    locations: tuple[LocationTerms, ...] = ()
    everywhere: bool = True  # sold at every location, new ones too (else at those sold_here)


def check_plan_with_discounts(
    ctx: Ctx,
    plan_id: int | None,
    edit: PlanEdit,
    discounts: tuple[DiscountLine, ...] | None,
    locations: tuple[LocationLine, ...] | None = None,
) -> CheckedPlan:
    """check_plan, with the discounts and locations steps' lines checked too (None: the step was
    not filled); the caller rolls the change back (Deps.rehearse)."""
    saved = save_plan_with_discounts(ctx, plan_id, edit, discounts, locations)
    step = _next_step(ctx, saved)
    everywhere = saved.terms.location_ids is None
    return CheckedPlan(step, plan_discounts(ctx, saved.id), plan_locations(ctx, saved.id), everywhere)


def save_plan_with_discounts(
    ctx: Ctx,
    plan_id: int | None,
    edit: PlanEdit,
    discounts: tuple[DiscountLine, ...] | None,
    locations: tuple[LocationLine, ...] | None = None,
) -> PlanView:
    """save_plan, then the discounts of the version saved (None keeps them). Every problem of the
    lines is reported at once under `discounts.<n>.<field>`; a sold plan keeps each discount's type
    (core/checkout/benefit_terms.py), only the amounts change."""
    roles.require(ctx, Action.MANAGE_PLANS)  # before anything is read
    saved = save_plan(ctx, plan_id, edit)
    if discounts is not None:
        errors = Errors("discounts.")
        lines = [(n, line) for n, line in enumerate(discounts, 1) if line.value is not None]
        rules = _discount_rules(ctx, errors, lines)
        try:
            benefit_terms.set_discounts(ctx, saved.version_id, rules)
        except InvalidInput as exc:  # with the names that matched nothing, all at once
            errors.items.extend(_renumbered(e, [n for n, _ in lines]) for e in exc.errors)
        errors.raise_if_any()
    if locations is not None:
        set_plan_locations(ctx, saved.id, locations)
    return plans.get_plan(ctx, saved.id)


def _renumbered(error: FieldError, numbers: list[int]) -> FieldError:
    """set_discounts numbers the discounts given; the form, its lines (some left empty)."""
    _, n, rest = error.field.split(".", 2) if error.field.count(".") >= 2 else ("", "", "")
    if not n.isdigit():
        return error
    return FieldError(f"discounts.{numbers[int(n) - 1]}.{rest}", error.message)


def _discount_rules(ctx: Ctx, errors: Errors, lines: list[tuple[int, DiscountLine]]) -> list[DiscountRule]:
    """Names to what set_discounts takes: a service's name, else a service category; product codes."""
    rules = []
    for n, line in lines:
        assert line.value is not None
        if line.applies_to is ItemKind.PRODUCT:
            codes, cats = _product_names(ctx, line.names)
            rules.append(
                DiscountRule(line.applies_to, line.kind, line.value, categories=cats, products=codes)
            )
            continue
        ids, cats = _service_names(ctx, errors, f"{n}.names", line.names)
        rules.append(DiscountRule(line.applies_to, line.kind, line.value, ids, cats))
    return rules


def _product_names(ctx: Ctx, names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names as typed to product codes and product categories: a category of the catalogue's
    products (and no product of that name) is a category; anything else is a product code."""
    products = [s for s in catalog_services.list_services(ctx) if s.kind is ServiceKind.PRODUCT]
    categories = {fold(p.category): p.category for p in products if p.category}
    named = {fold(p.name) for p in products}
    codes, cats = [], []
    for name in names:
        key = fold(name)
        if key in categories and key not in named:
            cats.append(categories[key])
        else:
            codes.append(name)
    return tuple(codes), tuple(cats)


def _discount_view(row: PlanDiscount, names: dict[int, str], currency: str) -> DiscountView:
    on = (*(names.get(s, f"#{s}") for s in row.services), *row.categories, *row.products)
    kind = DiscountKind(row.kind)
    value = in_currency(row.value, currency if kind is DiscountKind.FLAT else "USD")  # percent: 2 places
    return DiscountView(ItemKind(row.applies_to), kind, value, tuple(on))


@dataclass(frozen=True)
class LocationLine:
    """A location's own terms as the form's locations step gives them (None: the plan's own; a
    split not given is left as it is)."""

    location_id: int
    price: Decimal | None = None
    setup_fee: Decimal | None = None
    split: tuple[Decimal, Decimal, Decimal] | None = None  # IRR, MRR, SCR in percent of the price


@dataclass(frozen=True)
class LocationTerms:
    """A location's terms for the plan, as the locations step opens with them."""

    location_id: int
    name: str
    price: Decimal | None
    setup_fee: Decimal | None
    split: tuple[Decimal, Decimal, Decimal] | None  # percent of the price; None: not set (all MRR)
    sold_here: bool = True  # the plan is sold at this location (everywhere: at each)


def plan_locations(ctx: Ctx, plan_id: int) -> tuple[LocationTerms, ...]:
    plan = plans.get_plan(ctx, plan_id)
    prices = billing.location_prices(ctx, plan_id)
    out = []
    for loc in catalog.locations(ctx):
        lid = loc.id or 0
        price, fee = prices.get(lid, (None, None))
        view = revenue.split_for(ctx, plan.version_id, lid)
        shares: tuple[Decimal, Decimal, Decimal] | None = None
        if view.configured and view.price:
            s, whole = view.split, view.price
            shares = (_percent(s.irr, whole), _percent(s.mrr, whole), _percent(s.scr, whole))
        cur = ctx.tenant.currency
        out.append(
            LocationTerms(
                lid,
                loc.name,
                None if price is None else in_currency(price, cur),
                None if fee is None else in_currency(fee, cur),
                shares,
                plan.terms.location_ids is None or lid in plan.terms.location_ids,
            )
        )
    return tuple(out)


def set_plan_locations(ctx: Ctx, plan_id: int, lines: tuple[LocationLine, ...]) -> None:
    """Each location's own price, setup fee and revenue split of the plan's current version. Every
    problem is reported at once under `locations.<location id>.<field>`: money not negative, a
    split of three percentages adding up to 100."""
    roles.require(ctx, Action.MANAGE_PLANS)
    errors = Errors("locations.")
    for line in lines:
        field = f"{line.location_id}."
        try:
            billing.set_location_price(
                ctx, plan_id, line.location_id, price=line.price, setup_fee=line.setup_fee
            )
        except InvalidInput as exc:
            errors.extend(exc.errors, field)
            continue
        if line.split is None:
            continue
        if any(p < 0 for p in line.split) or sum(line.split) != 100:
            shown = " / ".join(f"{p.normalize():f}" for p in line.split)
            errors.add(field + "split", f"IRR / MRR / SCR must be percentages adding up to 100, not {shown}.")
            continue
        plan = plans.get_plan(ctx, plan_id)
        price = line.price if line.price is not None else plan.terms.price
        irr, _, scr = (in_currency(price * p / 100, ctx.tenant.currency) for p in line.split)
        try:
            revenue.set_split(
                ctx, plan.version_id, Split(irr, price - irr - scr, scr), location_id=line.location_id
            )
        except InvalidInput as exc:
            errors.extend([FieldError("split", e.message) for e in exc.errors], field)
        except ImmutableField as exc:  # sold there: under the location's split, with the others
            errors.add(field + "split", exc.message)
    errors.raise_if_any()


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return in_currency(part * 100 / whole, "USD")  # two places
