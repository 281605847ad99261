"""The plan catalogue as YAML: export, review in version control, import.

Schema (version 1), one entry per live plan, in code order:

    version: 1
    plans:
    - code: GOLD                  # fixed identity of the plan; an import updates the plan with this code
      name: Gold
      description: Gold membership
      enabled: true
      billing_type: monthly       # one-time | monthly | quarterly | twice-a-year | yearly
      price: '49.00'              # amounts are quoted strings so they stay exact
      setup_fee: '0.00'
      term_months: 12             # or null: no expiry
      freeze_fee: '0.00'
      lock_in_months: 0
      prorate_first_period: true  # optional, false when left out (core/billing/schedule.py)
      locations: all              # or a list of location names
      recurring_services:
      - job: HVAC maintenance     # job and task templates (and locations) are created when missing
        task: Filter change
        at: '09:00'               # local time of each visit
        recurrence: {kind: weekly, interval: 2, weekdays: [tue, thu]}
      discounts:                  # optional: left out, an import keeps the plan's discounts
      - {applies_to: service, kind: percent, value: '10', services: [Massage], categories: [skin]}
      - {applies_to: product, kind: flat, value: '5.00', products: [LOTION]}   # no list: all of them
      location_terms:             # optional: a location's own price, setup fee and revenue split
      - {location: Downtown, price: '65.00', setup_fee: '0.00', split: {irr: '10', mrr: '80', scr: '10'}}
    equality_templates:           # optional, written when there are some; imported before the plans
    - name: Massage minutes       # a plan's credits name one as `equality_template: Massage minutes`
      services: {Massage 30: 1, Massage 60: 2}   # cost in template units; services created when missing

A location's split is in percent of its price (Zenoti's IRR / MRR / SCR); left out, the location
keeps the split it has. A location left out of `location_terms` sells at the plan's own terms.

An import is all or nothing: every bad field is reported with its path (`plans[1].price`) and
nothing is written unless the whole file is good.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import time
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import yaml

from core.catalog import locations as catalog
from core.catalog import services
from core.checkout import benefit_terms
from core.checkout.benefit_terms import DiscountRule
from core.context import Ctx
from core.credits import terms as credit_terms
from core.credits.terms import CreditTerms
from core.kernel import recurrence, safe_yaml
from core.kernel.errors import BadFile, Errors, FieldError, InvalidInput, MemberbotError
from core.kernel.text import fold
from core.plans import flows as plan_flows
from core.plans import service as plans
from core.plans.service import PlanTerms, RecurringService
from core.plans.terms import BillingType
from core.workspace import roles
from core.workspace.roles import Action

SCHEMA_VERSION = 1
MAX_FILE_CHARS = 2 * 1024 * 1024  # a catalogue of hundreds of plans is a few hundred KB
_PLAN_KEYS = {
    "code",
    "name",
    "description",
    "enabled",
    "billing_type",
    "price",
    "setup_fee",
    "term_months",
    "freeze_fee",
    "lock_in_months",
    "prorate_first_period",
    "locations",
    "recurring_services",
    "credits",
    "discounts",
    "location_terms",
}
_LOCATION_KEYS = {"location", "price", "setup_fee", "split"}
_SPLIT_KEYS = ("irr", "mrr", "scr")
_DISCOUNT_KEYS = {"applies_to", "kind", "value", "services", "categories", "products"}
_SERVICE_KEYS = {"job", "task", "at", "recurrence"}


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    templates: list[str] = field(default_factory=list)  # equality templates created or changed


def export_plans(ctx: Ctx) -> str:
    roles.require(ctx, Action.VIEW)
    names = {loc.id: loc.name for loc in catalog.locations(ctx)}
    entries = []
    for plan in sorted(plans.list_plans(ctx), key=lambda p: p.code):
        t = plan.terms
        entries.append(
            {
                "code": plan.code,
                "name": t.name,
                "description": t.description,
                "enabled": plan.enabled,
                "billing_type": t.billing_type.value,
                "price": str(t.price),
                "setup_fee": str(t.setup_fee),
                "term_months": t.term_months,
                "freeze_fee": str(t.freeze_fee),
                "lock_in_months": t.lock_in_months,
                # Written only when on, so catalogues from before billing export unchanged.
                **({"prorate_first_period": True} if t.prorate_first_period else {}),
                "locations": "all" if t.location_ids is None else sorted(names[i] for i in t.location_ids),
                "recurring_services": [
                    {
                        "job": view.job,
                        "task": view.task,
                        "at": s.at.strftime("%H:%M"),
                        "recurrence": recurrence.to_dict(s.recurrence),
                    }
                    for s, view in zip(t.services, plan.services, strict=True)
                ],
                "credits": None if t.credits is None else _credits_out(ctx, t.credits),
                # Written only when there are some, so catalogues without discounts export unchanged.
                **({"discounts": found} if (found := _discounts_out(ctx, plan.version_id)) else {}),
                **({"location_terms": own} if (own := _location_terms_out(ctx, plan.id)) else {}),
            }
        )
    document: dict[str, Any] = {"version": SCHEMA_VERSION, "plans": entries}
    templates = [
        {"name": t.name, "services": {name: cost for _, name, cost in t.costs}}
        for t in services.list_templates(ctx)
    ]
    if templates:  # written only when there are some, so older catalogues export unchanged
        document["equality_templates"] = templates
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def import_plans(ctx: Ctx, text: str) -> ImportResult:
    roles.require(ctx, Action.MANAGE_PLANS)
    errors = Errors()
    if len(text) > MAX_FILE_CHARS:
        raise BadFile(
            f"The file is larger than {MAX_FILE_CHARS // 1024 // 1024} MB; no catalogue is that long."
        )
    document = safe_yaml.load(text)
    if not isinstance(document, dict) or document.get("version") != SCHEMA_VERSION:
        raise InvalidInput.single(
            "version", f"Expected a mapping with 'version: {SCHEMA_VERSION}' and 'plans'."
        )
    entries = document.get("plans")
    if not isinstance(entries, list):
        raise InvalidInput.single("plans", "'plans' must be a list of plans.")
    extra = set(document) - {"version", "plans", "equality_templates"}
    if extra:
        errors.add(
            sorted(extra)[0],
            "Unknown key; only 'version', 'plans' and 'equality_templates' are allowed at the top.",
        )
    raw_templates = document.get("equality_templates") or []
    if not isinstance(raw_templates, list):
        errors.add("equality_templates", "'equality_templates' must be a list of templates.")
        raw_templates = []
    templates = [_parse_template(errors, f"equality_templates[{i}].", t) for i, t in enumerate(raw_templates)]
    parsed = [_parse_plan(errors, f"plans[{i}].", entry) for i, entry in enumerate(entries)]
    codes = [p.code.upper() for p in parsed if p is not None]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            errors.add(f"plans[{i}].code", f"The code {code} appears twice in the file.")
    errors.raise_if_any()

    result = ImportResult([], [], [])
    for i, template in enumerate(templates):  # first: the plans' credits may name them
        assert template is not None
        _keep_going(
            ctx, errors, f"equality_templates[{i}].", "name", partial(_apply_template, ctx, *template, result)
        )
    for i, entry in enumerate(parsed):
        assert entry is not None
        _keep_going(ctx, errors, f"plans[{i}].", "code", partial(_apply, ctx, entry, result))
    errors.raise_if_any()
    return result


@dataclass
class _Service:
    job: str
    task: str
    at: time
    rule: recurrence.Recurrence


@dataclass
class _Entry:
    code: str
    enabled: bool
    locations: list[str] | None
    services: list[_Service]
    terms: PlanTerms  # services, locations and credits filled in once names are resolved
    credits: dict[str, Any] | None = None
    discounts: list[dict[str, Any]] | None = None  # None: the file has no `discounts`, kept
    location_terms: list[_LocationTerms] = field(default_factory=list)


def _parse_plan(errors: Errors, path: str, given: object) -> _Entry | None:
    raw = _fields(errors, path, given, _PLAN_KEYS, "Each plan must be a mapping of fields.")
    if raw is None:
        return None
    before = len(errors.items)
    code = _text(errors, path, raw, "code", required=True)
    name = _text(errors, path, raw, "name", required=True)
    description = _text(errors, path, raw, "description")
    enabled = _flag(errors, path, raw, "enabled", True)
    billing = _text(errors, path, raw, "billing_type") or BillingType.MONTHLY.value
    if billing not in {b.value for b in BillingType}:
        errors.add(
            f"{path}billing_type", f"{billing!r} is not one of {', '.join(b.value for b in BillingType)}."
        )
        billing = BillingType.MONTHLY.value
    term = raw.get("term_months", 12)
    if term is not None and (not isinstance(term, int) or isinstance(term, bool)):
        errors.add(f"{path}term_months", "Must be a whole number of months, or null for no expiry.")
        term = 12
    lock_in = raw.get("lock_in_months", 0)
    if not isinstance(lock_in, int) or isinstance(lock_in, bool):
        errors.add(f"{path}lock_in_months", "Must be a whole number of months.")
        lock_in = 0
    prorate = _flag(errors, path, raw, "prorate_first_period", False)
    locations = raw.get("locations", "all")
    if locations != "all" and not (
        isinstance(locations, list) and all(isinstance(x, str) for x in locations)
    ):
        errors.add(f"{path}locations", "Must be 'all' or a list of location names.")
        locations = "all"
    services = []
    raw_services = raw.get("recurring_services", [])
    if not isinstance(raw_services, list):
        errors.add(f"{path}recurring_services", "Must be a list.")
        raw_services = []
    for j, raw_service in enumerate(raw_services):
        service = _parse_service(errors, f"{path}recurring_services[{j}].", raw_service)
        if service is not None:
            services.append(service)
    terms = PlanTerms(
        name=name,
        description=description,
        billing_type=BillingType(billing),
        term_months=term,
        lock_in_months=lock_in,
        price=_amount(errors, path, raw, "price", required=True),
        setup_fee=_amount(errors, path, raw, "setup_fee"),
        freeze_fee=_amount(errors, path, raw, "freeze_fee"),
        prorate_first_period=prorate,
    )
    credits = _parse_credits(errors, f"{path}credits.", raw.get("credits"))
    discounts = _parse_discounts(errors, f"{path}discounts", raw.get("discounts"))
    location_terms = _parse_location_terms(errors, f"{path}location_terms", raw.get("location_terms"))
    if len(errors.items) > before:
        return None
    return _Entry(
        code,
        bool(enabled),
        None if locations == "all" else list(locations),
        services,
        terms,
        credits,
        discounts,
        location_terms,
    )


def _parse_service(errors: Errors, path: str, given: object) -> _Service | None:
    raw = _fields(errors, path, given, _SERVICE_KEYS, "Each recurring service must be a mapping.")
    if raw is None:
        return None
    before = len(errors.items)
    job = _text(errors, path, raw, "job", required=True)
    task = _text(errors, path, raw, "task", required=True)
    at = plans.DEFAULT_AT
    raw_at = raw.get("at", "09:00")
    try:
        if not isinstance(raw_at, str):  # YAML 1.1 reads an unquoted 14:00 as the number 840
            raise ValueError
        at = time.fromisoformat(raw_at)
    except ValueError:
        errors.add(f"{path}at", "Write the time of day in quotes, such as '09:00'.")
    rule: recurrence.Recurrence | None = None
    try:
        rule = recurrence.from_dict(raw.get("recurrence"))
    except InvalidInput as exc:
        errors.extend(exc.errors, prefix=f"{path}recurrence.")
    if len(errors.items) > before or rule is None:
        return None
    return _Service(job, task, at, rule)


def _fields(
    errors: Errors, path: str, raw: object, known: set[str], not_a_mapping: str
) -> dict[str, Any] | None:
    """The mapping at `path`, its unknown fields reported; None (reported too) when it is none."""
    if not isinstance(raw, dict):
        errors.add(path.rstrip("."), not_a_mapping)
        return None
    for key in sorted(set(raw) - known):
        errors.add(f"{path}{key}", "Unknown field.")
    return raw


def _flag(errors: Errors, path: str, raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        errors.add(f"{path}{key}", "Must be true or false.")
        return default
    return value


def _text(errors: Errors, path: str, raw: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(f"{path}{key}", "Must be text.")
        return ""
    if required and not value.strip():
        errors.add(f"{path}{key}", "Is required.")
    return value


def _amount(errors: Errors, path: str, raw: dict[str, Any], key: str, *, required: bool = False) -> Decimal:
    value = raw.get(key)
    if value is None:
        if required:
            errors.add(f"{path}{key}", "Is required.")
        return Decimal(0)
    if isinstance(value, float | bool):
        errors.add(f"{path}{key}", f"Write amounts in quotes, such as '{value}', so they stay exact.")
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        errors.add(f"{path}{key}", f"{value!r} is not an amount such as '49.00'.")
        return Decimal(0)


def _keep_going(ctx: Ctx, errors: Errors, prefix: str, field: str, apply: Callable[[], None]) -> None:
    """Apply one entry of the file in a savepoint, recording what core refused under `prefix` and
    carrying on, so that every bad entry is reported."""
    try:
        with ctx.uow.session.begin_nested():
            apply()
    except MemberbotError as exc:
        problems = (
            exc.errors if isinstance(exc, InvalidInput) else [FieldError(exc.field or field, exc.message)]
        )
        errors.extend(problems, prefix=prefix)


def _parse_template(errors: Errors, path: str, raw: object) -> tuple[str, dict[str, int]] | None:
    if not isinstance(raw, dict) or set(raw) != {"name", "services"}:
        errors.add(path.rstrip("."), "Each equality template is a mapping of 'name' and 'services'.")
        return None
    costs = raw["services"]
    if not isinstance(costs, dict) or not all(
        isinstance(k, str) and type(v) is int for k, v in costs.items()
    ):
        errors.add(f"{path}services", "'services' maps each service's name to its cost, such as 2.")
        return None
    return str(raw["name"]), costs


def _apply_template(ctx: Ctx, name: str, costs: dict[str, int], result: ImportResult) -> None:
    ids = {}
    for service in costs:
        found = services.find_service(ctx, service)
        ids[found.id if found is not None else services.add_service(ctx, service).id] = costs[service]
    existing = services.find_template(ctx, name)
    if existing is None:
        services.add_equality_template(ctx, name, ids)
    elif services.template_costs(ctx, existing) != ids or services.template_name(ctx, existing) != name:
        services.update_equality_template(ctx, existing, name, ids)
    else:
        return
    result.templates.append(name)


def _apply(ctx: Ctx, entry: _Entry, result: ImportResult) -> None:
    location_ids = None
    if entry.locations is not None:
        location_ids = tuple(_location_id(ctx, name) for name in entry.locations)
    services = tuple(
        RecurringService(*_template_ids(ctx, s.job, s.task), recurrence=s.rule, at=s.at)
        for s in entry.services
    )
    credits = None if entry.credits is None else _credits_in(ctx, entry.credits)
    terms = replace(entry.terms, location_ids=location_ids, services=services, credits=credits)
    existing = next(
        (p for p in plans.list_plans(ctx, include_archived=True) if p.code == entry.code.upper()), None
    )
    if existing is None:
        plan = plans.create_plan(ctx, terms, code=entry.code)
        if not entry.enabled:
            plans.set_enabled(ctx, plan.id, False)
        _discounts_in(ctx, plan.version_id, entry.discounts)
        _location_terms_in(ctx, plan.id, entry.location_terms)
        result.created.append(plan.code)
        return
    before = _discounts_out(ctx, existing.version_id), _location_terms_out(ctx, existing.id)
    updated = plans.update_plan(ctx, existing.id, terms)
    if updated.enabled != entry.enabled:
        updated = plans.set_enabled(ctx, existing.id, entry.enabled)
    _discounts_in(ctx, updated.version_id, entry.discounts)
    _location_terms_in(ctx, existing.id, entry.location_terms)
    same = (
        updated.terms == existing.terms
        and updated.enabled == existing.enabled
        and (_discounts_out(ctx, updated.version_id), _location_terms_out(ctx, existing.id)) == before
    )
    (result.unchanged if same else result.updated).append(existing.code)


def _location_id(ctx: Ctx, name: str) -> int:
    found = catalog.find_location(ctx, name)
    return found.id or 0 if found is not None else catalog.add_location(ctx, name)


def _template_ids(ctx: Ctx, job_name: str, task_name: str) -> tuple[int, int]:
    job = catalog.find_job(ctx, job_name)
    job_id = job.id or 0 if job is not None else catalog.add_job_template(ctx, job_name)
    task = catalog.find_task(ctx, job_id, task_name)
    return job_id, task.id or 0 if task is not None else catalog.add_task_template(ctx, job_id, task_name)


# --- credits -------------------------------------------------------------------------------------

_CREDIT_FIELDS = {f.name for f in fields(CreditTerms)} - {"equality_template_id"} | {"equality_template"}
_CREDIT_AMOUNTS = {
    "per_period",
    "initial",
    "for_services",
    "for_products",
    "points_per_unit",
    "point_value",
    "max_per_redemption",
    "anniversary_amount",
}
_CREDIT_INTS = {"every_days", "expiry_days", "wait_days"}
_CREDIT_BOOLS = {"ends_when_used_up", "transferable"}
_CREDIT_NAMES = {"services", "categories"}


def _credits_out(ctx: Ctx, terms: CreditTerms) -> dict[str, Any]:
    """Credit terms with services and the equality template by name, so files travel between
    workspaces."""
    out = credit_terms.to_dict(terms)
    template = out.pop("equality_template_id")
    out["services"] = sorted(services.get_service(ctx, i).name for i in terms.services)
    out["equality_template"] = None if template is None else services.template_name(ctx, template)
    return out


def _parse_credits(errors: Errors, path: str, given: object) -> dict[str, Any] | None:
    if given is None:
        return None
    raw = _fields(
        errors, path, given, _CREDIT_FIELDS, "Must be a mapping of credit settings, or null for unlimited."
    )
    if raw is None:
        return None
    for key, value in raw.items():
        if (
            key in _CREDIT_AMOUNTS
            and value is not None
            and (isinstance(value, float | bool) or not isinstance(value, str | int))
        ):
            errors.add(f"{path}{key}", "Write amounts in quotes, such as '75.00', so they stay exact.")
        elif key in _CREDIT_INTS and (isinstance(value, bool) or not isinstance(value, int)):
            errors.add(f"{path}{key}", "Must be a whole number of days.")
        elif key in _CREDIT_BOOLS and not isinstance(value, bool):
            errors.add(f"{path}{key}", "Must be true or false.")
        elif key in _CREDIT_NAMES and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            errors.add(f"{path}{key}", "Must be a list of names.")
    if "kind" not in raw:
        errors.add(f"{path}kind", "Is required: service, monetary or points.")
    return raw


def _credits_in(ctx: Ctx, raw: dict[str, Any]) -> CreditTerms:
    def dec(key: str) -> Decimal:
        try:
            return Decimal(str(raw.get(key) or 0))
        except InvalidOperation:
            raise InvalidInput.single(f"credits.{key}", f"{raw.get(key)!r} is not a number.") from None

    service_ids = []
    for name in raw.get("services", []):
        found = services.find_service(ctx, name)
        service_ids.append(found.id if found is not None else services.add_service(ctx, name).id)
    template = raw.get("equality_template")
    template_id = None
    if template is not None:
        template_id = services.find_template(ctx, str(template))
        if template_id is None:
            raise InvalidInput.single(
                "credits.equality_template", f"There is no equality template {template!r}."
            )
    cap = raw.get("max_per_redemption")
    return CreditTerms(
        kind=raw["kind"],
        per_period=dec("per_period"),
        frequency=raw.get("frequency", "billing-period"),
        every_days=raw.get("every_days", 30),
        expiry=raw.get("expiry", "never"),
        expiry_days=raw.get("expiry_days", 0),
        initial=dec("initial"),
        services=tuple(service_ids),
        categories=tuple(raw.get("categories", [])),
        equality_template_id=template_id,
        for_services=dec("for_services"),
        for_products=dec("for_products"),
        points_per_unit=dec("points_per_unit"),
        point_value=dec("point_value"),
        wait_days=raw.get("wait_days", 0),
        max_per_redemption=None if cap is None else dec("max_per_redemption"),
        ends_when_used_up=raw.get("ends_when_used_up", False),
        transferable=raw.get("transferable", False),
        anniversary_amount=dec("anniversary_amount"),
    )


# --- discounts -----------------------------------------------------------------------------------


def _discounts_out(ctx: Ctx, version_id: int) -> list[dict[str, Any]]:
    names = {s.id: s.name for s in services.list_services(ctx)}
    out = []
    for row in benefit_terms.discounts_of(ctx, [version_id]).get(version_id, []):
        entry: dict[str, Any] = {
            "applies_to": row.applies_to,
            "kind": row.kind,
            "value": f"{row.value.normalize():f}",
        }
        for key, listed in (
            ("services", [names.get(i, f"#{i}") for i in row.services]),
            ("categories", list(row.categories)),
            ("products", list(row.products)),
        ):
            if listed:
                entry[key] = listed
        out.append(entry)
    return out


def _parse_discounts(errors: Errors, path: str, raw: object) -> list[dict[str, Any]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        errors.add(path, "Must be a list of discounts.")
        return None
    out = []
    for n, item in enumerate(raw):
        where = f"{path}[{n}]."
        if not isinstance(item, dict):
            errors.add(where.rstrip("."), "Each discount must be a mapping of fields.")
            continue
        for key in sorted(set(item) - _DISCOUNT_KEYS):
            errors.add(f"{where}{key}", "Unknown field.")
        value = _amount(errors, where, item, "value", required=True)
        lists = {}
        for key in ("services", "categories", "products"):
            listed = item.get(key) or []
            if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
                errors.add(f"{where}{key}", "Must be a list of names.")
                listed = []
            lists[key] = listed
        out.append(
            {
                "applies_to": str(item.get("applies_to", "")),
                "kind": str(item.get("kind", "")),
                "value": value,
                **lists,
            }
        )
    return out


def _discounts_in(ctx: Ctx, version_id: int, raw: list[dict[str, Any]] | None) -> None:
    """The file's discounts for the version (services by name, every problem at once)."""
    if raw is None:
        return
    errors = Errors()
    rules = []
    for n, item in enumerate(raw, 1):
        ids = []
        for name in item["services"]:
            found = services.find_service(ctx, name)
            if found is None:
                errors.add(f"discounts.{n}.services", f"There is no service {name!r}.")
            else:
                ids.append(found.id)
        rules.append(
            DiscountRule(
                item["applies_to"],
                item["kind"],
                item["value"],
                tuple(ids),
                tuple(item["categories"]),
                tuple(item["products"]),
            )
        )
    errors.raise_if_any()
    benefit_terms.set_discounts(ctx, version_id, rules)


# --- location terms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LocationTerms:
    location: str
    price: Decimal | None
    setup_fee: Decimal | None
    split: tuple[Decimal, Decimal, Decimal] | None  # IRR, MRR, SCR in percent of the price


def _location_terms_out(ctx: Ctx, plan_id: int) -> list[dict[str, Any]]:
    """The locations with terms of their own, as the plan form's Locations step shows them."""
    out = []
    for t in plan_flows.plan_locations(ctx, plan_id):
        own = {
            **({"price": str(t.price)} if t.price is not None else {}),
            **({"setup_fee": str(t.setup_fee)} if t.setup_fee is not None else {}),
            **(
                {"split": {k: f"{v.normalize():f}" for k, v in zip(_SPLIT_KEYS, t.split, strict=True)}}
                if t.split is not None
                else {}
            ),
        }
        if own:
            out.append({"location": t.name, **own})
    return out


def _parse_location_terms(errors: Errors, path: str, raw: object) -> list[_LocationTerms]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.add(path, "Must be a list of locations with their own terms.")
        return []
    out, seen = [], set()
    for n, given in enumerate(raw):
        where = f"{path}[{n}]."
        item = _fields(errors, where, given, _LOCATION_KEYS, "Each location's terms must be a mapping.")
        if item is None:
            continue
        name = _text(errors, where, item, "location", required=True)
        if fold(name) in seen:
            errors.add(f"{where}location", f"{name} appears twice.")
        seen.add(fold(name))
        price = _amount(errors, where, item, "price") if item.get("price") is not None else None
        fee = _amount(errors, where, item, "setup_fee") if item.get("setup_fee") is not None else None
        out.append(_LocationTerms(name, price, fee, _parse_split(errors, f"{where}split", item.get("split"))))
    return out


def _parse_split(errors: Errors, path: str, raw: object) -> tuple[Decimal, Decimal, Decimal] | None:
    if raw is None:
        return None
    item = _fields(errors, f"{path}.", raw, set(_SPLIT_KEYS), "The split is a mapping of irr, mrr and scr.")
    if item is None:
        return None
    irr, mrr, scr = (_amount(errors, f"{path}.", item, key, required=True) for key in _SPLIT_KEYS)
    return irr, mrr, scr


def _location_terms_in(ctx: Ctx, plan_id: int, given: list[_LocationTerms]) -> None:
    """The file's location terms for the plan: each location named gets its terms (created when
    missing, as plan locations are); each location left out goes back to the plan's own price."""
    wanted = {_location_id(ctx, t.location): t for t in given}
    lines = [plan_flows.LocationLine(lid, t.price, t.setup_fee, t.split) for lid, t in wanted.items()] + [
        plan_flows.LocationLine(t.location_id)
        for t in plan_flows.plan_locations(ctx, plan_id)
        if t.location_id not in wanted and (t.price is not None or t.setup_fee is not None)
    ]
    try:
        plan_flows.set_plan_locations(ctx, plan_id, tuple(lines))
    except InvalidInput as exc:  # named by location, as the file names them
        names = {lid: t.location for lid, t in wanted.items()}
        raise InvalidInput([FieldError(_by_name(e.field, names), e.message) for e in exc.errors]) from None


def _by_name(field_path: str, names: dict[int, str]) -> str:
    """`locations.3.split` as `location_terms.Downtown.split`."""
    _, lid, *rest = field_path.split(".")
    name = names.get(int(lid), lid) if lid.isdigit() else lid
    return ".".join(["location_terms", name, *rest])
