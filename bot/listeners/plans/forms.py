"""The plan modal: details and billing first, then — only when asked for — the credit program,
the member discounts, the locations' terms and the recurring services: what the YAML catalogue
sets. Each step opens with the plan's own terms and says them in words at its top; it is checked by
core before the next one opens (the change is made and rolled back), so an error shows under the
field that caused it. Terms already sold (billing type, term, credits but their transferability, a
discount's type) are not offered, or refused by core."""

from __future__ import annotations

import asyncio
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import messages, views
from bot.deps import Deps
from bot.listeners.plans.ids import PlanStep
from bot.listeners.replies import submission
from bot.mrkdwn import escape
from core.checkout.benefits import DiscountKind, ItemKind
from core.credits.terms import CreditKind, CreditTerms, Expiry, Frequency
from core.kernel import recurrence
from core.kernel.errors import Errors
from core.kernel.recurrence import LAST_DAY, MONTHS, WEEKDAYS, Monthly, Recurrence, Weekly
from core.plans import flows
from core.plans import service as plans
from core.plans.service import PlanTerms, RecurringService
from core.plans.terms import BillingType

STEPS = (
    ("credits", "Set up credits"),
    ("discounts", "Set up discounts"),
    ("locations", "Set prices and revenue split by location"),
    ("services", "Recurring services: add, change or remove"),
)
SERVICE_ROWS = 10  # rows of the services step (9 blocks each, within a modal's 100)
NO_CREDITS = "none"  # the credits step's kind that makes a plan unlimited
NO_TEMPLATE = "none"
# The credits step's blocks named otherwise than the credit terms' fields they set
CREDIT_BLOCKS = {"services": ("services", "categories"), "equality_template": ("equality_template_id",)}
LOCATION_ROWS = 10  # locations the step shows (5 blocks each, within a modal's 100)
EVERYWHERE, TICKED = "all", "ticked"  # where the locations step sells the plan
DISCOUNT_ROWS = 3  # lines of the discounts step; a line without an amount is no discount
DISCOUNT_FIELDS = ("applies_to", "kind", "value", "names")
# core names a discount's services or products; the step has one field for both
DISCOUNT_ALIASES = {
    f"discounts.{n}.{name}": f"discounts.{n}.names"
    for n in range(1, DISCOUNT_ROWS + 1)
    for name in ("services", "products")
}


def register(app: AsyncApp, deps: Deps) -> None:
    for step in PlanStep:
        app.view(step.value)(_submitted(deps, step))


def _submitted(deps: Deps, callback_id: PlanStep) -> Any:
    async def handle(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        answer = await asyncio.to_thread(
            submission,
            lambda: step_submitted(deps, team, user, callback_id, view),
            view,
            aliases=DISCOUNT_ALIASES,
        )
        await ack(**(answer or {}))

    return handle


# Opening


def new_plan_view(deps: Deps, team: str, user: str) -> dict[str, Any]:
    return details_view(deps.read(team, user, flows.plan_form, None))


def edit_plan_view(deps: Deps, team: str, user: str, plan_id: int) -> dict[str, Any]:
    return details_view(deps.read(team, user, flows.plan_form, plan_id))


def details_view(form: flows.PlanForm) -> dict[str, Any]:
    plan = form.plan
    plan_id, sold = (plan.id, plan.memberships) if plan else (None, 0)
    t = plan.terms if plan else PlanTerms(name="", price=Decimal(0))
    blocks = [
        views.text_input("name", "Name", initial=t.name, max_length=plans.NAME_MAX),
        views.text_input(
            "code",
            "Code",
            optional=True,
            max_length=plans.CODE_MAX,
            hint="The plan's short name in files and reports, fixed once made. Empty: made from the name.",
        )
        if plan is None
        else views.context(messages.say("plan_code_fixed", code=escape(plan.code))),
        views.text_input(
            "description",
            "Description",
            initial=t.description,
            multiline=True,
            optional=True,
            max_length=1000,
        ),
        views.text_input("price", f"Price per billing period ({form.currency})", initial=_amount(t.price)),
        views.text_input("setup_fee", "Setup fee", initial=_amount(t.setup_fee), optional=True),
        views.text_input("freeze_fee", "Freeze fee", initial=_amount(t.freeze_fee), optional=True),
        views.text_input("lock_in_months", "Lock-in (months)", initial=str(t.lock_in_months), optional=True),
    ]
    if sold:
        blocks.append(
            views.context(
                messages.say(
                    "plan_sold_terms",
                    sold=sold,
                    billing=t.billing_type.label,
                    prorated=t.prorate_first_period,
                    term=t.term_months,
                )
            )
        )
    else:
        blocks[4:4] = [  # after the price
            views.select(
                "billing_type",
                "Billing",
                [(b.value, b.value.replace("-", " ").capitalize()) for b in BillingType],
                initial=t.billing_type.value,
            ),
            views.text_input(
                "term_months",
                "Term (months)",
                initial=str(t.term_months or ""),
                optional=True,
                hint="Empty: the membership runs until cancelled.",
            ),
            views.checkboxes(
                "prorate_first_period",
                "Proration",
                [("yes", "Prorate the first period (bill from the 1st of the month)")],
                initial=["yes"] if t.prorate_first_period else [],
            ),
        ]
    # A sold plan's credits are fixed but for what may still change; without credits it has none to open.
    steps = [s for s in STEPS if not (sold and s[0] == "credits" and t.credits is None)]
    blocks.append(views.checkboxes("steps", "Next", steps))
    title = "Edit plan" if plan_id else "New plan"
    return views.modal(PlanStep.DETAILS, title, blocks, submit="Save", metadata={"plan": plan_id})


def credits_view(step: flows.NextStep, draft: dict[str, Any]) -> dict[str, Any]:
    """Opens with the plan's credit terms (an edited plan's, or none yet), so that saving the step
    unchanged changes nothing. Once the plan is sold only what may still change is offered."""
    currency, current = step.currency, step.credits
    c = current or CreditTerms(kind=CreditKind.SERVICE)
    templates = dict(step.equality_templates)
    template = templates.get(c.equality_template_id or 0)
    now = messages.say(
        "plan_credits_now",
        c=current,
        currency=currency,
        good_for=[escape(n) for n in step.good_for],
        template=escape(template) if template else "",
    )
    transferable = views.checkboxes(
        "transferable",
        "Transfers",
        [("yes", "Credits may be transferred to another customer")],
        initial=["yes"] if c.transferable else [],
    )
    if step.sold and current is not None:
        blocks = [
            views.context(now),
            views.context(messages.say("plan_credits_sold", sold=step.sold)),
            transferable,
        ]
        return views.modal(PlanStep.CREDITS, "Plan credits", blocks, submit="Save", metadata=draft)
    blocks = [
        views.context(now),
        views.select(
            "kind",
            "Kind of credit",
            [
                ("service", "Service credits"),
                ("monetary", f"Monetary credit ({currency})"),
                ("points", "Points"),
                (NO_CREDITS, "No credits: unlimited use"),
            ],
            initial=c.kind.value if current else CreditKind.SERVICE.value,
        ),
        views.text_input("per_period", "Granted each period", initial=_amount(c.per_period)),
        views.select(
            "frequency",
            "Granted",
            [
                (Frequency.BILLING_PERIOD.value, "Each billing period"),
                (Frequency.EVERY_N_DAYS.value, "Every N days"),
                (Frequency.ONCE.value, "Once for the term"),
            ],
            initial=c.frequency.value,
        ),
        views.text_input("every_days", "N days (for every N days)", initial=str(c.every_days), optional=True),
        views.select(
            "expiry",
            "Credits expire",
            [
                (Expiry.NEVER.value, "Never"),
                (Expiry.DAYS.value, "A number of days after they are granted"),
                (Expiry.MEMBERSHIP_END.value, "When the membership ends"),
            ],
            initial=c.expiry.value,
        ),
        views.text_input("expiry_days", "Days until expiry", initial=str(c.expiry_days or ""), optional=True),
        views.text_input("initial", "Granted at sign-up", initial=_amount(c.initial), optional=True),
        views.text_input(
            "services",
            "Good for (service credits)",
            initial=", ".join(step.good_for),
            optional=True,
            hint="Services or service categories, separated by commas. Empty: any service.",
        ),
    ]
    if templates:
        blocks.append(
            views.select(
                "equality_template",
                "Costs in credits (service credits)",
                [(NO_TEMPLATE, "One credit a service"), *((str(i), n) for i, n in templates.items())],
                initial=str(c.equality_template_id) if c.equality_template_id else NO_TEMPLATE,
                hint="An equality template: what each service costs in credits.",
            )
        )
    blocks += [
        views.text_input(
            "for_services",
            f"Of each period's amount, for services only ({currency})",
            initial=_amount(c.for_services),
            optional=True,
            hint="Monetary credit: its pools. The rest of the amount is the common pool, good for anything "
            "(the only one that buys prepaid cards).",
        ),
        views.text_input(
            "for_products",
            f"Of each period's amount, for products only ({currency})",
            initial=_amount(c.for_products),
            optional=True,
        ),
        views.text_input(
            "points_per_unit",
            f"Points earned per {currency} paid (points)",
            initial=_amount(c.points_per_unit),
            optional=True,
        ),
        views.text_input(
            "point_value",
            f"What one point is worth ({currency})",
            initial=_amount(c.point_value),
            optional=True,
        ),
        views.text_input(
            "wait_days", "Days between two redemptions", initial=str(c.wait_days), optional=True
        ),
        views.text_input(
            "max_per_redemption",
            "At most per invoice or visit",
            initial=_amount(c.max_per_redemption) if c.max_per_redemption is not None else None,
            optional=True,
            hint="Empty: no limit.",
        ),
        views.text_input(
            "anniversary_amount",
            f"Monetary credit after each membership year ({currency})",
            initial=_amount(c.anniversary_amount),
            optional=True,
        ),
        views.checkboxes(
            "ends_when_used_up",
            "Used up",
            [("yes", "The membership ends when its credits are used up")],
            initial=["yes"] if c.ends_when_used_up else [],
        ),
        transferable,
    ]
    return views.modal(PlanStep.CREDITS, "Plan credits", blocks, submit="Save", metadata=draft)


def discounts_view(
    currency: str, lines: tuple[flows.DiscountLine, ...], draft: dict[str, Any]
) -> dict[str, Any]:
    """One line per discount: on services or products, percent or an amount off, and the services,
    service categories or product codes it is limited to (none: all of them)."""
    now = [
        {
            "off": f"{d.value.normalize():f}%" if d.kind is DiscountKind.PERCENT else f"{d.value}",
            "on": escape(", ".join(d.names))
            or ("Products" if d.applies_to is ItemKind.PRODUCT else "Services"),
        }
        for d in lines
        if d.value is not None
    ]
    blocks: list[dict[str, Any]] = [
        views.context(messages.say("plan_discounts_now", discounts=now)),
        views.context(
            "A line without an amount gives no discount. Once the plan is sold a discount's type stays; "
            "its amount can change."
        ),
    ]
    for n in range(1, DISCOUNT_ROWS + 1):
        line = lines[n - 1] if n <= len(lines) else None
        blocks += [
            views.select(
                f"discounts.{n}.applies_to",
                f"Discount {n} on",
                [("service", "Services"), ("product", "Products")],
                initial=line.applies_to.value if line else "service",
            ),
            views.select(
                f"discounts.{n}.kind",
                "Type",
                [("percent", "A percentage off"), ("flat", f"An amount off ({currency})")],
                initial=line.kind.value if line else "percent",
            ),
            views.text_input(
                f"discounts.{n}.value",
                "Percent or amount off",
                initial=_amount(line.value) if line and line.value is not None else None,
                optional=True,
            ),
            views.text_input(
                f"discounts.{n}.names",
                "Only on",
                initial=", ".join(line.names) if line else None,
                optional=True,
                hint="Services or service categories (for products: product codes), separated by commas. "
                "Empty: all of them.",
            ),
        ]
    return views.modal(PlanStep.DISCOUNTS, "Plan discounts", blocks, submit="Save", metadata=draft)


def locations_view(checked: flows.CheckedPlan, draft: dict[str, Any]) -> dict[str, Any]:
    """Per location: its own price and setup fee (empty: the plan's) and how the price divides
    into IRR / MRR / SCR, in percent; and where the plan is sold: everywhere, or at those ticked."""
    currency, locations = checked.step.currency, checked.locations
    now = [
        {
            "name": escape(loc.name),
            "price": loc.price,
            "setup_fee": loc.setup_fee,
            "split": " / ".join(f"{p.normalize():f}" for p in loc.split) if loc.split else None,
        }
        for loc in locations
    ]
    if not locations:
        blocks = [views.section("There are no locations yet: they come with `memberbot plans import`.")]
    else:
        blocks = [
            views.context(messages.say("plan_locations_now", locations=now, currency=currency)),
            views.select(
                "locations",
                "Sold at",
                [(EVERYWHERE, "Every location, new ones too"), (TICKED, "Only the locations ticked below")],
                initial=EVERYWHERE if checked.everywhere else TICKED,
            ),
        ]
    for loc in locations[:LOCATION_ROWS]:
        field = f"locations.{loc.location_id}."
        split = " / ".join(f"{p.normalize():f}" for p in loc.split) if loc.split else None
        blocks += [
            views.section(f"*{escape(loc.name)}*"),
            views.checkboxes(
                field + "sold",
                "Sold here",
                [("yes", "Sold at this location")],
                initial=["yes"] if loc.sold_here else [],
            ),
            views.text_input(
                field + "price",
                f"Price ({currency})",
                initial=_amount(loc.price) if loc.price is not None else None,
                optional=True,
                hint="Empty: the plan's price.",
            ),
            views.text_input(
                field + "setup_fee",
                "Setup fee",
                initial=_amount(loc.setup_fee) if loc.setup_fee is not None else None,
                optional=True,
            ),
            views.text_input(
                field + "split",
                "Revenue split IRR / MRR / SCR (%)",
                initial=split,
                optional=True,
                hint="Such as 20 / 80 / 0, adding up to 100. Empty: as it is (all MRR until set).",
            ),
        ]
    return views.modal(PlanStep.LOCATIONS, "Plan locations", blocks, submit="Save", metadata=draft)


def service_view(step: flows.NextStep, draft: dict[str, Any]) -> dict[str, Any]:
    """One row per recurring service (the plan's first SERVICE_ROWS - 1), to change or remove,
    and empty rows to add one; a row without a job is no service."""
    jobs = [(f"{job.id}:{task.id}", f"{job.name} / {task.name}") for job in step.jobs for task in job.tasks]
    if not jobs:
        blocks = [views.section("There are no job templates yet: add them with `memberbot plans import`.")]
        return views.modal(PlanStep.SERVICE, "Recurring services", blocks, submit=None)
    shown = step.rows[: SERVICE_ROWS - 1]
    # A select offers its first hundred options: those of the rows shown come first, so none is lost.
    used = {f"{r.job_template_id}:{r.task_template_id}" for r in shown}
    jobs.sort(key=lambda job: job[0] not in used)
    now = [
        {"job": escape(s.job), "task": escape(s.task), "schedule": s.schedule, "at": s.at.strftime("%H:%M")}
        for s in step.services
    ]
    blocks = [views.context(messages.say("plan_services_now", services=now))]
    rows: list[RecurringService | None] = [*shown, *[None] * min(2, SERVICE_ROWS - len(shown))]
    for n, row in enumerate(rows, 1):
        blocks += _service_row(n, jobs, row)
    metadata = {**draft, "replaced": len(shown)}
    return views.modal(PlanStep.SERVICE, "Recurring services", blocks, submit="Save", metadata=metadata)


def _service_row(n: int, jobs: list[tuple[str, str]], row: RecurringService | None) -> list[dict[str, Any]]:
    field = f"services.{n}."
    rule = row.recurrence if row else Weekly(1, ())
    weekly = rule if isinstance(rule, Weekly) else None
    monthly = rule if isinstance(rule, Monthly) else None
    months = monthly.months if monthly and len(monthly.months) < len(MONTHS) else ()
    day = "" if monthly is None else ("last" if monthly.day == LAST_DAY else str(monthly.day))
    blocks = [
        views.section(f"*Service {n}*" if row else "*A new service*"),
        views.select(
            field + "job",
            "Job / task",
            jobs,
            initial=f"{row.job_template_id}:{row.task_template_id}" if row else None,
            optional=True,
        ),
        views.select(
            field + "kind",
            "Repeats",
            [("weekly", "Weekly"), ("monthly", "Monthly")],
            initial="monthly" if monthly else "weekly",
        ),
        views.checkboxes(
            field + "weekdays",
            "On (weekly)",
            [(d, d.capitalize()) for d in WEEKDAYS],
            initial=[WEEKDAYS[d] for d in weekly.weekdays] if weekly else [],
        ),
        views.text_input(
            field + "interval",
            "Every N weeks",
            initial=str(weekly.interval) if weekly else "1",
            optional=True,
        ),
        views.text_input(
            field + "day", "Day of the month (monthly: 1 to 31, or last)", initial=day, optional=True
        ),
        views.multi_select(
            field + "months",
            "In the months (monthly)",
            [(m, m.capitalize()) for m in MONTHS],
            initial=[MONTHS[m - 1] for m in months],
            hint="None chosen: every month.",
        ),
        views.text_input(
            field + "at",
            "Time of day",
            initial=(row.at if row else plans.DEFAULT_AT).strftime("%H:%M"),
            optional=True,
        ),
    ]
    if row:
        blocks.append(views.checkboxes(field + "remove", "Remove", [("yes", "Remove this service")]))
    return blocks


# Submitting


def step_submitted(
    deps: Deps, team: str, user: str, callback_id: PlanStep, view: dict[str, Any]
) -> dict[str, Any] | None:
    """The step's fields read; core checks the plan so far (the change is made and rolled back)
    before the next step opens, and saves it after the last."""
    values = views.values(view)
    draft: dict[str, Any] = {
        k: _unpacked(v) if isinstance(v, dict) else v for k, v in views.metadata(view).items()
    }
    if callback_id == PlanStep.DETAILS:
        draft = {"plan": draft.get("plan"), "details": values, "steps": values.get("steps", [])}
    elif callback_id == PlanStep.CREDITS:
        draft["credits"] = values
    elif callback_id == PlanStep.DISCOUNTS:
        draft["discounts"] = values
    elif callback_id == PlanStep.LOCATIONS:
        draft["locations"] = values
    else:
        draft["services"] = values
    edit, discounts, locations = _edit(draft)
    plan_id = int(draft["plan"]) if draft.get("plan") else None
    remaining = [s for s in draft.get("steps", []) if s not in draft.get("done", [])]
    if not remaining:
        deps.write(team, user, flows.save_plan_with_discounts, plan_id, edit, discounts, locations)
        return {"response_action": "clear"}
    checked = deps.rehearse(team, user, flows.check_plan_with_discounts, plan_id, edit, discounts, locations)
    step = checked.step
    draft["done"] = [*draft.get("done", []), remaining[0]]
    # Slack holds three views at most: the first step is pushed onto the details, each next one
    # takes its place.
    action = "push" if callback_id == PlanStep.DETAILS else "update"
    carried = _carried(draft)
    if remaining[0] == "credits":
        view = credits_view(step, carried)
    elif remaining[0] == "discounts":
        view = discounts_view(step.currency, checked.discounts, carried)
    elif remaining[0] == "locations":
        view = locations_view(checked, carried)
    else:
        view = service_view(step, carried)
    return {"response_action": action, "view": view}


def _edit(
    draft: dict[str, Any],
) -> tuple[flows.PlanEdit, tuple[flows.DiscountLine, ...] | None, tuple[flows.LocationLine, ...] | None]:
    """The plan as the form gives it (see flows.PlanEdit: core keeps what the form does not carry),
    its discounts and its locations' terms (None: the step was not filled, the plan keeps its own)."""
    d = draft["details"]
    errors = Errors()
    terms = PlanTerms(
        name=d.get("name", ""),
        price=_decimal(errors, "price", d.get("price", ""), "The price"),
        billing_type=_billing(errors, d),
        description=d.get("description", ""),
        setup_fee=_decimal(errors, "setup_fee", d.get("setup_fee") or "0", "The setup fee"),
        term_months=_term(errors, d),
        freeze_fee=_decimal(errors, "freeze_fee", d.get("freeze_fee") or "0", "The freeze fee"),
        lock_in_months=_whole(errors, "lock_in_months", d.get("lock_in_months") or "0", "The lock-in"),
        prorate_first_period="yes" in d.get("prorate_first_period", []),
    )
    credits = _credits_step(errors, draft["credits"]) if "credits" in draft else None
    services = _services(errors, draft["services"]) if "services" in draft else None
    discounts = _discount_lines(errors, draft["discounts"]) if "discounts" in draft else None
    locations = _location_lines(errors, draft["locations"]) if "locations" in draft else None
    errors.raise_if_any()
    edit = flows.PlanEdit(
        terms,
        kept=frozenset(name for name in plans.SOLD_TERMS if name not in d),
        credits=credits,
        services=services,
        replaced=int(draft.get("replaced") or 0),
        code=str(d.get("code") or "").strip() or None,
        sold_at=_sold_at(draft["locations"]) if "locations" in draft else None,
    )
    return edit, discounts, locations


def _sold_at(raw: dict[str, Any]) -> flows.SoldAt | None:
    """Everywhere, or the locations ticked among those shown (None: the step showed no choice)."""
    if raw.get("locations") not in (EVERYWHERE, TICKED):
        return None
    if raw["locations"] == EVERYWHERE:
        return flows.SoldAt(None)
    ids = {
        int(k.split(".")[1]): bool(v)
        for k, v in raw.items()
        if k.endswith(".sold") and k.split(".")[1].isdigit()
    }
    return flows.SoldAt(tuple(i for i, sold in ids.items() if sold), tuple(ids))


def _location_lines(errors: Errors, raw: dict[str, Any]) -> tuple[flows.LocationLine, ...]:
    """By location id, from the block ids `locations.<id>.<field>`."""
    keys = [key.split(".") for key in raw if key.startswith("locations.")]
    lines = []
    for lid in sorted({int(k[1]) for k in keys if len(k) == 3 and k[1].isdigit()}):
        field = f"locations.{lid}."
        price, fee, split = (
            str(raw.get(field + name) or "").strip() for name in ("price", "setup_fee", "split")
        )
        shares = None
        if split:
            parts = [p.strip().rstrip("%") for p in split.split("/")]
            if len(parts) != 3:
                errors.add(
                    field + "split",
                    f"Give IRR / MRR / SCR as three percentages such as 20 / 80 / 0, not “{split}”.",
                )
            else:
                a, b, c = (_decimal(errors, field + "split", p, "Each part of the split") for p in parts)
                shares = (a, b, c)
        lines.append(
            flows.LocationLine(
                lid,
                _decimal(errors, field + "price", price, "The price") if price else None,
                _decimal(errors, field + "setup_fee", fee, "The setup fee") if fee else None,
                shares,
            )
        )
    return tuple(lines)


def _discount_lines(errors: Errors, raw: dict[str, Any]) -> tuple[flows.DiscountLine, ...]:
    lines = []
    for n in range(1, DISCOUNT_ROWS + 1):
        field = f"discounts.{n}."
        text = str(raw.get(field + "value") or "").strip().rstrip("%")
        value = _decimal(errors, field + "value", text, "The discount") if text else None
        names = tuple(name.strip() for name in str(raw.get(field + "names") or "").split(",") if name.strip())
        applies_to = ItemKind.PRODUCT if raw.get(field + "applies_to") == "product" else ItemKind.SERVICE
        kind = DiscountKind.FLAT if raw.get(field + "kind") == "flat" else DiscountKind.PERCENT
        lines.append(flows.DiscountLine(applies_to, kind, value, names))
    return tuple(lines)


def _billing(errors: Errors, d: dict[str, Any]) -> BillingType:
    if "billing_type" not in d:
        return BillingType.MONTHLY  # a sold plan's form has none: core keeps its billing type
    try:
        return BillingType(d["billing_type"])
    except ValueError:
        errors.add("billing_type", "Choose how the plan is billed.")
        return BillingType.MONTHLY


def _term(errors: Errors, d: dict[str, Any]) -> int | None:
    if "term_months" not in d:
        return 12  # a sold plan's form has none: core keeps its term
    if not d["term_months"]:
        return None  # no end: runs until cancelled
    return _whole(errors, "term_months", d["term_months"], "The term")


def _credits_step(errors: Errors, raw: dict[str, Any]) -> flows.CreditsStep:
    """The credit terms typed, and the fields the step showed (a sold plan's: only those that may
    still change); "no credits" makes the plan unlimited."""
    if raw.get("kind") == NO_CREDITS:
        return flows.CreditsStep(None)
    e = Errors("credits.")

    def amount(name: str, label: str) -> Decimal:
        return _decimal(e, name, str(raw.get(name) or "0"), label)

    def days(name: str, label: str, default: str) -> int:
        return _whole(e, name, str(raw.get(name) or default), label)

    cap = str(raw.get("max_per_redemption") or "")
    template = str(raw.get("equality_template") or "")
    terms = CreditTerms(
        kind=CreditKind(raw.get("kind") or "service"),
        per_period=amount("per_period", "The amount granted"),
        frequency=Frequency(raw.get("frequency") or Frequency.BILLING_PERIOD.value),
        every_days=days("every_days", "N days", "30"),
        expiry=Expiry(raw.get("expiry") or Expiry.NEVER.value),
        expiry_days=days("expiry_days", "The days until expiry", "0"),
        initial=amount("initial", "The amount at sign-up"),
        equality_template_id=int(template) if _digits(template) else None,
        for_services=amount("for_services", "The share for services"),
        for_products=amount("for_products", "The share for products"),
        points_per_unit=amount("points_per_unit", "The points per unit paid"),
        point_value=amount("point_value", "The value of a point"),
        wait_days=days("wait_days", "The days between redemptions", "0"),
        max_per_redemption=_decimal(e, "max_per_redemption", cap, "The maximum per invoice") if cap else None,
        ends_when_used_up=bool(raw.get("ends_when_used_up")),
        transferable=bool(raw.get("transferable")),
        anniversary_amount=amount("anniversary_amount", "The anniversary credit"),
    )
    errors.extend(e.items)
    shown = frozenset(name for key in raw for name in CREDIT_BLOCKS.get(key, (key,)))
    good_for = tuple(n.strip() for n in str(raw.get("services") or "").split(",") if n.strip())
    return flows.CreditsStep(terms, shown & flows.CREDIT_FIELDS, good_for)


def _services(errors: Errors, raw: dict[str, Any]) -> tuple[RecurringService, ...]:
    """The rows `services.<n>.<field>` in order: a row without a job, or ticked Remove, is none."""
    keys = [key.split(".") for key in raw if key.startswith("services.")]
    rows = sorted({int(k[1]) for k in keys if len(k) == 3 and k[1].isdigit()})
    found = []
    for n in rows:
        field = f"services.{n}."
        row = {key.removeprefix(field): value for key, value in raw.items() if key.startswith(field)}
        if row.get("job") and not row.get("remove"):
            service = _service(errors, field, row)
            if service is not None:
                found.append(service)
    return tuple(found)


def _service(errors: Errors, field: str, raw: dict[str, Any]) -> RecurringService | None:
    e = Errors(field)
    job, _, task = str(raw.get("job", "")).partition(":")
    if not (_digits(job) and _digits(task)):
        e.add("job", "Choose the job and task to repeat.")
    rule: Recurrence
    if raw.get("kind") == "monthly":
        day_text = str(raw.get("day", "")).lower()
        day = (
            LAST_DAY
            if day_text == "last"
            else (int(day_text) if day_text.isascii() and day_text.isdigit() else 0)
        )
        if day == 0:
            e.add("day", f"“{day_text}” is not a day of the month: use 1 to 31 or last.")
        months = tuple(MONTHS.index(m) + 1 for m in raw.get("months") or [] if m in MONTHS)
        rule = Monthly(day, months or tuple(range(1, len(MONTHS) + 1)))
    else:
        weekdays = tuple(WEEKDAYS.index(d) for d in raw.get("weekdays") or [] if d in WEEKDAYS)
        rule = Weekly(_whole(e, "interval", str(raw.get("interval") or "1"), "The interval"), weekdays)
    if not e:  # the rule's own checks (core/kernel/recurrence.py), each under its field
        e.extend(recurrence.validate(rule))
    at = _time(e, str(raw.get("at") or "09:00"))
    errors.extend(e.items)
    if e:
        return None
    return RecurringService(int(job), int(task), rule, at)


def _time(errors: Errors, text: str) -> time:
    try:
        return time.fromisoformat(text if len(text) > 2 else f"{int(text):02d}:00")
    except ValueError:
        errors.add("at", f"“{text}” is not a time of day such as 09:30.")
        return time(9)


def _carried(draft: dict[str, Any]) -> dict[str, Any]:
    """private_metadata holds at most 3,000 characters: what the next steps need, each step's
    values with their ids' shared beginnings written once (`locations.4.price` under
    `locations.` and `4.`). A field left empty stays: it says the step cleared it."""
    return {
        k: _packed(v) if isinstance(v, dict) else v for k, v in draft.items() if v not in (None, [], {}, "")
    }


def _packed(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        head, dot, rest = key.partition(".")
        if dot:
            groups.setdefault(head, {})[rest] = value
        else:
            out[key] = value
    out.update({f"{head}.": _packed(group) for head, group in groups.items()})
    return out


def _unpacked(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key.endswith(".") and isinstance(value, dict):
            out.update({key + k: v for k, v in _unpacked(value).items()})
        else:
            out[key] = value
    return out


def _decimal(errors: Errors, field: str, text: str, label: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        errors.add(field, f"{label} must be an amount such as 49.00, not “{text}”.")
        return Decimal(0)
    if not value.is_finite() or value < 0:
        errors.add(field, f"{label} must be an amount of zero or more, not “{text}”.")
        return Decimal(0)
    return value


def _digits(text: str) -> bool:
    """ASCII digits only: "²" and "٣" are digits to `str.isdigit`, and int() refuses the first."""
    return text.isascii() and text.isdigit()


def _whole(errors: Errors, field: str, text: str, label: str) -> int:
    text = text.strip()
    if not _digits(text):
        errors.add(field, f"{label} must be a whole number, not “{text}”.")
        return 0
    return int(text)


def _amount(value: Decimal) -> str:
    return f"{value:f}"
