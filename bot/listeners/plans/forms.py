"""The plan modal: details and billing first, then — pushed only when asked for — the credit
program, the member discounts and a recurring service. Each step is checked by core before the
next one opens (the change is made and rolled back), so an error shows under the field that caused
it. Terms already sold (billing type, term, credits, a discount's type) are shown but not
editable, or refused by core."""

from __future__ import annotations

import asyncio
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import views
from bot.deps import Deps
from bot.listeners.plans.ids import PlanStep
from bot.listeners.replies import submission
from bot.mrkdwn import escape
from core.catalog.locations import JobView
from core.checkout.benefits import DiscountKind, ItemKind
from core.credits.terms import CreditKind, CreditTerms, Expiry, Frequency
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
    ("services", "Add a recurring service"),
)
LOCATION_ROWS = 10  # locations the step shows (4 blocks each, within a modal's 100)
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
                f"Sold {sold} time(s): billing {t.billing_type.value}"
                f"{' (first period prorated)' if t.prorate_first_period else ' (not prorated)'}, term "
                f"{f'{t.term_months} months' if t.term_months else 'without end'} and the credits are fixed. "
                "Clone the plan to sell different terms."
            )
        )
    else:
        blocks[3:3] = [
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
    steps = [s for s in STEPS if not (sold and s[0] == "credits")]
    blocks.append(views.checkboxes("steps", "Next", steps))
    title = "Edit plan" if plan_id else "New plan"
    return views.modal(PlanStep.DETAILS, title, blocks, submit="Save", metadata={"plan": plan_id})


def credits_view(currency: str, current: CreditTerms | None, draft: dict[str, Any]) -> dict[str, Any]:
    """Opens with the plan's credit terms (an edited plan's, or none yet), so that saving the step
    unchanged changes nothing."""
    c = current or CreditTerms(kind=CreditKind.SERVICE)
    blocks = [
        views.select(
            "kind",
            "Kind of credit",
            [
                ("service", "Service credits"),
                ("monetary", f"Monetary credit ({currency})"),
                ("points", "Points"),
            ],
            initial=c.kind.value,
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
        views.checkboxes(
            "transferable",
            "Rules",
            [("yes", "Credits may be transferred to another customer")],
            initial=["yes"] if c.transferable else [],
        ),
    ]
    return views.modal(PlanStep.CREDITS, "Plan credits", blocks, submit="Save", metadata=draft)


def discounts_view(
    currency: str, lines: tuple[flows.DiscountLine, ...], draft: dict[str, Any]
) -> dict[str, Any]:
    """One line per discount: on services or products, percent or an amount off, and the services,
    service categories or product codes it is limited to (none: all of them)."""
    blocks: list[dict[str, Any]] = [
        views.context(
            "A line without an amount gives no discount. Once the plan is sold a discount's type stays; "
            "its amount can change."
        )
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


def locations_view(
    currency: str, locations: tuple[flows.LocationTerms, ...], draft: dict[str, Any]
) -> dict[str, Any]:
    """Per location: its own price and setup fee (empty: the plan's) and how the price divides
    into IRR / MRR / SCR, in percent."""
    blocks: list[dict[str, Any]] = []
    if not locations:
        blocks = [views.section("There are no locations yet: they come with `memberbot plans import`.")]
    for loc in locations[:LOCATION_ROWS]:
        field = f"locations.{loc.location_id}."
        split = " / ".join(f"{p.normalize():f}" for p in loc.split) if loc.split else None
        blocks += [
            views.section(f"*{escape(loc.name)}*"),
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


def service_view(templates: list[JobView], draft: dict[str, Any]) -> dict[str, Any]:
    jobs = [(f"{job.id}:{task.id}", f"{job.name} / {task.name}") for job in templates for task in job.tasks]
    if not jobs:
        blocks = [views.section("There are no job templates yet: add them with `memberbot plans import`.")]
        return views.modal(PlanStep.SERVICE, "Recurring service", blocks, submit=None)
    blocks = [
        views.section(
            "The plan's services now: "
            + (", ".join(escape(s) for s in draft.get("service_names", [])) or "none")
        ),
        views.select("job", "Job / task", jobs),
        views.select("kind", "Repeats", [("weekly", "Weekly"), ("monthly", "Monthly")], initial="weekly"),
        views.checkboxes("weekdays", "On (weekly)", [(d, d.capitalize()) for d in WEEKDAYS]),
        views.text_input("interval", "Every N weeks", initial="1", optional=True),
        views.text_input("day", "Day of the month (monthly: 1 to 31, or last)", optional=True),
        views.text_input("at", "Time of day", initial="09:00", optional=True),
    ]
    return views.modal(PlanStep.SERVICE, "Recurring service", blocks, submit="Add", metadata=draft)


# Submitting


def step_submitted(
    deps: Deps, team: str, user: str, callback_id: PlanStep, view: dict[str, Any]
) -> dict[str, Any] | None:
    """The step's fields read; core checks the plan so far (the change is made and rolled back)
    before the next step opens, and saves it after the last."""
    values = views.values(view)
    draft = views.metadata(view)
    if callback_id == PlanStep.DETAILS:
        draft = {"plan": draft.get("plan"), "details": values, "steps": values.get("steps", [])}
    elif callback_id == PlanStep.CREDITS:
        draft["credits"] = values
    elif callback_id == PlanStep.DISCOUNTS:
        draft["discounts"] = values
    elif callback_id == PlanStep.LOCATIONS:
        draft["locations"] = values
    else:
        draft.setdefault("services", []).append(values)
    edit, discounts, locations = _edit(draft)
    plan_id = int(draft["plan"]) if draft.get("plan") else None
    remaining = [s for s in draft.get("steps", []) if s not in draft.get("done", [])]
    if not remaining:
        deps.write(team, user, flows.save_plan_with_discounts, plan_id, edit, discounts, locations)
        return {"response_action": "clear"}
    checked = deps.rehearse(team, user, flows.check_plan_with_discounts, plan_id, edit, discounts, locations)
    step = checked.step
    draft["done"] = [*draft.get("done", []), remaining[0]]
    if remaining[0] == "credits":
        return {"response_action": "push", "view": credits_view(step.currency, step.credits, draft)}
    if remaining[0] == "discounts":
        return {"response_action": "push", "view": discounts_view(step.currency, checked.discounts, draft)}
    if remaining[0] == "locations":
        return {"response_action": "push", "view": locations_view(step.currency, checked.locations, draft)}
    draft["service_names"] = [f"{s.job} / {s.task}" for s in step.services]
    return {"response_action": "push", "view": service_view(step.jobs, _slim(draft))}


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
        credits=_credit_terms(errors, draft["credits"]) if "credits" in draft else None,
        prorate_first_period="yes" in d.get("prorate_first_period", []),
    )
    added = tuple(
        service for raw in draft.get("services", []) if (service := _service(errors, raw)) is not None
    )
    discounts = _discount_lines(errors, draft["discounts"]) if "discounts" in draft else None
    locations = _location_lines(errors, draft["locations"]) if "locations" in draft else None
    errors.raise_if_any()
    edit = flows.PlanEdit(
        terms, kept=frozenset(name for name in plans.SOLD_TERMS if name not in d), added=added
    )
    return edit, discounts, locations


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


def _credit_terms(errors: Errors, raw: dict[str, Any]) -> CreditTerms:
    e = Errors("credits.")
    terms = CreditTerms(
        kind=CreditKind(raw.get("kind") or "service"),
        per_period=_decimal(e, "per_period", raw.get("per_period") or "0", "The amount granted"),
        frequency=Frequency(raw.get("frequency") or Frequency.BILLING_PERIOD.value),
        every_days=_whole(e, "every_days", raw.get("every_days") or "30", "N days"),
        expiry=Expiry(raw.get("expiry") or Expiry.NEVER.value),
        expiry_days=_whole(e, "expiry_days", raw.get("expiry_days") or "0", "The days until expiry"),
        initial=_decimal(e, "initial", raw.get("initial") or "0", "The amount at sign-up"),
        transferable=bool(raw.get("transferable")),
    )
    errors.extend(e.items)
    return terms


def _service(errors: Errors, raw: dict[str, Any]) -> RecurringService | None:
    e = Errors("services.")
    job, _, task = str(raw.get("job", "")).partition(":")
    if not (job.isdigit() and task.isdigit()):
        e.add("job", "Choose the job and task to repeat.")
    rule: Recurrence
    if raw.get("kind") == "monthly":
        day_text = str(raw.get("day", "")).lower()
        day = -1 if day_text == "last" else (int(day_text) if day_text.isdigit() else 0)
        if not (day == -1 or 1 <= day <= 31):
            e.add("day", f"“{day_text}” is not a day of the month: use 1 to 31 or last.")
        rule = Monthly(day if day != -1 else LAST_DAY, tuple(range(1, len(MONTHS) + 1)))
    else:
        weekdays = tuple(WEEKDAYS.index(d) for d in raw.get("weekdays", []) if d in WEEKDAYS)
        if not weekdays:
            e.add("weekdays", "Choose at least one day of the week.")
        rule = Weekly(
            _whole(e, "interval", raw.get("interval") or "1", "The interval") or 1, weekdays or (0,)
        )
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


def _slim(draft: dict[str, Any]) -> dict[str, Any]:
    """private_metadata holds at most 3,000 characters: keep what the next step needs."""
    return {k: v for k, v in draft.items() if v not in (None, [], {}, "")}


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


def _whole(errors: Errors, field: str, text: str, label: str) -> int:
    if not text.strip().isdigit():
        errors.add(field, f"{label} must be a whole number, not “{text}”.")
        return 0
    return int(text)


def _amount(value: Decimal) -> str:
    return f"{value:f}"
