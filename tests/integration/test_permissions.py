"""Every write core offers holds its permission for every caller (Slack, the CLI, the scheduler,
the sandbox), because core checks it (`roles.require`), not the surfaces.

- `WRITES` names each write entry point and the permission it needs (core/workspace/roles.py):
  each role that lacks it, and someone with no role, is refused with PermissionDenied and nothing is
  written, even when the caller catches the refusal and commits; each role that has it gets past
  the check.
- Every public function of core's services and flows that takes `ctx` is in `WRITES`, `STEPS` (a
  part of a guarded write, or work only the system does) or `READS`, each with its reason: a new
  write nobody listed fails `test_every_function_of_core_is_listed`.
- The approval policy is core's too: a freeze, a cancellation inside the lock-in and a grant above
  the threshold are refused to a direct caller, whoever it is, while the policy holds them.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from core.approvals.flows import Held
from core.context import Ctx
from core.credits import ledger
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.clock import FixedClock
from core.kernel.errors import MemberbotError, PermissionDenied
from core.memberships import flows as membership_flows
from core.memberships import service as memberships
from core.plans import service as plans
from core.workspace import roles, tenants
from core.workspace.flows import ensure_tenant
from core.workspace.roles import _ALLOWED, Action
from storage.schema import metadata
from storage.uow import Database
from tests.conftest import ADMIN, MANAGER, NOBODY, SPECIALIST, STAFF, TZ, Shop, new_team
from tests.integration.credit_helpers import D, credit_plan, member

ROLE_OF = {ADMIN: "admin", MANAGER: "manager", STAFF: "staff", SPECIALIST: "specialist", NOBODY: ""}

# --- the table -----------------------------------------------------------------------------------

# Write entry points (module path under core, function) and the permission each needs.
WRITES: dict[str, Action] = {
    # approvals
    "approvals.flows.grant": Action.ADJUST_CREDITS,
    "approvals.service.decide": Action.APPROVE,
    "approvals.posts.record": Action.VIEW,  # where a request's message was posted (the bot, as the system)
    # billing
    "billing.flows.record_payment": Action.RECORD_PAYMENTS,
    "billing.service.pay": Action.RECORD_PAYMENTS,
    "billing.service.fail": Action.RECORD_PAYMENTS,
    "billing.service.update_billing_settings": Action.MANAGE_SETTINGS,
    "billing.service.set_location_price": Action.MANAGE_PLANS,
    "billing.service.mark_overdue": Action.RUN_JOBS,
    "billing.service.due_page": Action.RUN_JOBS,
    # catalog
    "catalog.flows.new_service": Action.MANAGE_PLANS,
    "catalog.flows.edit_service": Action.MANAGE_PLANS,
    "catalog.flows.enable_service": Action.MANAGE_PLANS,
    "catalog.flows.price_at": Action.MANAGE_PLANS,
    "catalog.flows.save_template": Action.MANAGE_PLANS,
    "catalog.locations.add_location": Action.MANAGE_PLANS,
    "catalog.locations.add_job_template": Action.MANAGE_PLANS,
    "catalog.locations.add_task_template": Action.MANAGE_PLANS,
    "catalog.services.add_service": Action.MANAGE_PLANS,
    "catalog.services.create_service": Action.MANAGE_PLANS,
    "catalog.services.update_service": Action.MANAGE_PLANS,
    "catalog.services.set_service_active": Action.MANAGE_PLANS,
    "catalog.services.set_location_price": Action.MANAGE_PLANS,
    "catalog.services.add_equality_template": Action.MANAGE_PLANS,
    "catalog.services.update_equality_template": Action.MANAGE_PLANS,
    # checkout
    "checkout.benefit_terms.set_discounts": Action.MANAGE_PLANS,
    "checkout.benefit_terms.set_member_values": Action.CHANGE_STATE,  # ASSIGN once approved
    "checkout.benefit_terms.set_benefit_order": Action.MANAGE_SETTINGS,
    "checkout.flows.post": Action.REDEEM,
    "checkout.flows.remove_discount": Action.REDEEM,
    "checkout.flows.void": Action.VOID_INVOICES,
    "checkout.flows.convert_points": Action.REDEEM,
    "checkout.flows.set_order": Action.MANAGE_SETTINGS,
    "checkout.service.post": Action.REDEEM,
    "checkout.service.remove_discount": Action.REDEEM,
    "checkout.service.void": Action.VOID_INVOICES,
    "checkout.service.convert_points": Action.REDEEM,
    # classes
    "classes.flows.set_up_class": Action.MANAGE_CLASSES,
    "classes.flows.book_class": Action.BOOK_CLASSES,
    "classes.flows.cancel_booking": Action.BOOK_CLASSES,
    "classes.flows.mark_attendance": Action.BOOK_CLASSES,
    "classes.flows.set_class_plans": Action.MANAGE_CLASSES,
    "classes.flows.join_waitlist": Action.BOOK_CLASSES,
    "classes.flows.leave_waitlist": Action.BOOK_CLASSES,
    "classes.flows.set_capacity": Action.MANAGE_CLASSES,
    "classes.service.join_waitlist": Action.BOOK_CLASSES,
    "classes.service.leave_waitlist": Action.BOOK_CLASSES,
    "classes.service.set_capacity": Action.MANAGE_CLASSES,
    "workspace.tenants.update_mail_settings": Action.MANAGE_SETTINGS,
    "classes.service.create_series": Action.MANAGE_CLASSES,
    "classes.service.set_session_rules": Action.MANAGE_CLASSES,
    "classes.service.book": Action.BOOK_CLASSES,
    "classes.service.cancel_booking": Action.BOOK_CLASSES,
    "classes.service.record_attendance": Action.BOOK_CLASSES,
    "classes.service.release_bookings": Action.CHANGE_STATE,
    "classes.service.extend_horizons": Action.RUN_JOBS,
    # credits
    "credits.alerts.check": Action.RUN_JOBS,
    "credits.alerts.follow_up": Action.FOLLOW_UP,
    "credits.alerts.snooze": Action.FOLLOW_UP,
    "credits.flows.redeem": Action.REDEEM,
    "credits.flows.transfer": Action.REDEEM,
    "credits.grants.grant_due": Action.RUN_JOBS,
    "credits.grants.grant_due_page": Action.RUN_JOBS,
    "credits.grants.earn_points": Action.REDEEM,
    "credits.grants.convert_points": Action.REDEEM,
    "credits.ledger.adjust": Action.ADJUST_CREDITS,
    "credits.ledger.redeem": Action.REDEEM,
    "credits.ledger.reverse": Action.REDEEM,
    "credits.ledger.take_back": Action.REDEEM,
    "credits.ledger.redeem_lots": Action.REDEEM,
    "credits.ledger.transfer": Action.REDEEM,
    "credits.ledger.expire_due": Action.RUN_JOBS,
    "credits.ledger.expire_page": Action.RUN_JOBS,
    "credits.reminders.send": Action.RUN_JOBS,
    "credits.reminders.send_summary": Action.RUN_JOBS,
    # customers
    "customers.flows.edit_customer": Action.MANAGE_CUSTOMERS,
    "customers.merge.merge_customers": Action.MERGE_CUSTOMERS,
    "customers.service.add_customer": Action.MANAGE_CUSTOMERS,
    "customers.service.update_customer": Action.MANAGE_CUSTOMERS,
    "customers.service.import_csv": Action.MANAGE_CUSTOMERS,
    # the daily jobs as an operator runs them
    "daily.flows.run_due": Action.RUN_JOBS,
    # memberships
    "memberships.flows.sell": Action.ASSIGN,
    "memberships.flows.sell_typed": Action.ASSIGN,
    "memberships.flows.sell_named": Action.ASSIGN,
    "memberships.flows.renew": Action.ASSIGN,
    "memberships.flows.decide": Action.APPROVE,
    "memberships.flows.freeze": Action.CHANGE_STATE,
    "memberships.flows.unfreeze": Action.CHANGE_STATE,
    "memberships.flows.cancel": Action.CHANGE_STATE,
    "memberships.flows.edit": Action.ASSIGN,
    "memberships.flows.adjust_discounts": Action.ASSIGN,
    "memberships.service.assign": Action.ASSIGN,
    "memberships.service.approve": Action.APPROVE,
    "memberships.service.reject": Action.APPROVE,
    "memberships.service.freeze": Action.CHANGE_STATE,
    "memberships.service.unfreeze": Action.CHANGE_STATE,
    "memberships.service.cancel": Action.CHANGE_STATE,
    "memberships.service.reactivate": Action.CHANGE_STATE,
    "memberships.service.renew": Action.ASSIGN,
    "memberships.service.change_dates": Action.CHANGE_STATE,  # ASSIGN for a pending sale
    "memberships.service.edit": Action.CHANGE_STATE,  # moving a sold one's dates; else ASSIGN
    "memberships.service.delete": Action.DELETE,
    "memberships.service.apply_planned": Action.RUN_JOBS,
    "memberships.service.advance_by_date": Action.RUN_JOBS,
    "memberships.service.advance_page": Action.RUN_JOBS,
    # plans
    "plans.carry_over.revenue_splits": Action.MANAGE_PLANS,
    "plans.catalog_file.import_plans": Action.MANAGE_PLANS,
    "plans.flows.clone_plan": Action.MANAGE_PLANS,
    "plans.flows.enable_plan": Action.MANAGE_PLANS,
    "plans.flows.save_plan": Action.MANAGE_PLANS,
    "plans.flows.archive_plan": Action.MANAGE_PLANS,
    "plans.flows.save_plan_with_discounts": Action.MANAGE_PLANS,
    "plans.flows.set_plan_locations": Action.MANAGE_PLANS,
    "plans.service.create_plan": Action.MANAGE_PLANS,
    "plans.service.update_plan": Action.MANAGE_PLANS,
    "plans.service.clone_plan": Action.MANAGE_PLANS,
    "plans.service.set_enabled": Action.MANAGE_PLANS,
    "plans.service.archive_plan": Action.MANAGE_PLANS,
    # revenue
    "revenue.service.set_split": Action.MANAGE_PLANS,
    # visits
    "visits.service.complete": Action.WORK_VISITS,
    "visits.service.skip": Action.WORK_VISITS,
    "visits.service.reschedule": Action.WORK_VISITS,
    "visits.service.assign": Action.WORK_VISITS,
    "visits.service.extend_horizons": Action.RUN_JOBS,
    "visits.service.extend_page": Action.RUN_JOBS,
    # the workspace
    "workspace.flows.update_settings": Action.MANAGE_SETTINGS,
    "workspace.roles.grant": Action.MANAGE_ROLES,
    "workspace.roles.revoke": Action.MANAGE_ROLES,
    "workspace.tenants.update_settings": Action.MANAGE_SETTINGS,
}

# Writes with no check of their own: each is a part of a guarded write named here, or work only the
# system does (it holds every permission); no listener or CLI verb names one.
STEPS: dict[str, str] = {
    "approvals.flows.hold": "asks request_approval, which needs the change's own permission",
    "approvals.posts.queue_update": "part of approvals.decide and memberships.flows.decide",
    "approvals.service.request_approval": "needs the held change's permission (KINDS); through hold",
    "billing.service.raise_charges": "part of approve, freeze, cancel, edit… (their permissions)",
    "billing.service.delete_all": "part of memberships.delete (DELETE)",
    "checkout.benefit_terms.forget_member_values": "part of memberships.delete (DELETE)",
    "credits.grants.grant_initial": "part of memberships.approve (APPROVE)",
    "credits.grants.grant_due_for": "part of the daily grants, unfreeze and edit (their permissions)",
    "credits.grants.withdraw_frozen": "part of freeze (CHANGE_STATE) and the daily run",
    "credits.ledger.grant": "part of adjust (ADJUST_CREDITS), approve and the daily grants",
    "credits.ledger.merge_lots": "part of customers.merge (MERGE_CUSTOMERS)",
    "credits.ledger.postpone_expiry": "part of unfreeze (CHANGE_STATE) and the daily run",
    "demo.flows.seed": "writes the demo workspace, as the system (core/demo/flows.open_demo)",
    "memberships.contract_log.move": "part of every membership change (their permissions)",
    "memberships.contract_log.record": "part of every membership change (their permissions)",
    "outbox.enqueue": "part of the writes that notify someone (their permissions)",
    "outbox.lease": "the bot's delivery, as the system",
    "outbox.sent": "the bot's delivery, as the system",
    "outbox.failed": "the bot's delivery, as the system",
    "outbox.pause": "the bot's delivery, as the system",
    "outbox.skipped": "the bot's delivery, as the system",
    "outbox.enqueue_many": "part of the daily reminders (RUN_JOBS)",
    "credits.ledger.grant_many": "part of the daily grants (RUN_JOBS)",
    "classes.service.fill_from_waitlist": "part of cancelling, releasing and raising places",
    "mail.service.queue": "part of the writes that e-mail a member (their permissions)",
    "mail.service.queue_many": "part of the daily reminders (RUN_JOBS)",
    "plans.carry_over.location_prices": "part of plans.update_plan (MANAGE_PLANS)",
    "plans.carry_over.discounts": "part of plans.update_plan (MANAGE_PLANS)",
    "plans.service.create_default_plans": "part of setting a workspace up, as the system",
    "visits.service.materialize": "part of approve and the daily horizon (their permissions)",
    "visits.service.regenerate_future": "part of edit and unfreeze (their permissions)",
    "visits.service.regenerate_for_version": "part of plans.update_plan (MANAGE_PLANS)",
    "visits.service.cancel_future": "part of cancel and freeze (CHANGE_STATE)",
    "visits.service.restore_future": "part of reactivate and unfreeze (CHANGE_STATE)",
    "visits.service.delete_all": "part of memberships.delete (DELETE)",
    "workspace.roles.bootstrap_admins": "the operator's MEMBERBOT_ADMINS, as the system",
    "workspace.tenants.add_tenant": "setting a workspace up (workspace.flows.ensure_tenant), as the system",
}

# Functions that only read (most check VIEW or a finer permission themselves), answer a question of
# the policy, or prepare a form; none writes a row.
READS: set[str] = {
    "billing.service.frozen_days",
    "billing.service.pending_cancellations",
    "classes.flows.line",
    "classes.flows.plans_of_customer",
    "classes.flows.waitlist_of",
    "classes.service.waiting_of",
    "classes.service.waitlist",
    "credits.reminders.recipient",
    "mail.service.recipients",
    "mail.service.smtp_server",
    "outbox.queued",
    "workspace.tenants.mail_settings",
    "approvals.flows.waiting_for",
    "approvals.policy.edit_waits",
    "approvals.policy.discounts_wait",
    "approvals.policy.destination",
    "approvals.policy.require_decider",
    "approvals.policy.may_decide",
    "approvals.service.may_decide",
    "approvals.service.pending",
    "approvals.service.by_key",
    "approvals.service.get",
    "billing.flows.membership_charges",
    "billing.flows.customer_charges",
    "billing.service.overdue_charges",
    "billing.service.unpaid_memberships",
    "billing.service.require_paid_up",
    "billing.service.payment_overdue",
    "billing.service.billing_settings",
    "billing.service.pricing_of",
    "billing.service.location_prices",
    "billing.service.charges_of",
    "billing.service.get_charge",
    "billing.service.open_freeze",
    "billing.service.frozen_on",
    "billing.service.pending_cancellation",
    "billing.service.cancellation_preview",
    "billing.service.cancellation_date",
    "catalog.flows.catalog_list",
    "catalog.flows.service_to_edit",
    "catalog.flows.template_form",
    "catalog.locations.locations",
    "catalog.locations.find_location",
    "catalog.locations.location",
    "catalog.locations.job_templates",
    "catalog.locations.job_template",
    "catalog.locations.task_template",
    "catalog.locations.find_job",
    "catalog.locations.find_task",
    "catalog.services.list_services",
    "catalog.services.find_service",
    "catalog.services.get_service",
    "catalog.services.list_templates",
    "catalog.services.get_template",
    "catalog.services.find_template",
    "catalog.services.template_name",
    "catalog.services.template_costs",
    "checkout.benefit_terms.discounts_of",
    "checkout.benefit_terms.membership_discounts",
    "checkout.benefit_terms.member_values",
    "checkout.benefit_terms.benefit_order",
    "checkout.flows.items",
    "checkout.flows.first_sold",
    "checkout.flows.choose_location",
    "checkout.flows.preview",
    "checkout.flows.preview_at",
    "checkout.flows.show",
    "checkout.flows.points_worth",
    "checkout.flows.form_choices",
    "checkout.service.preview",
    "checkout.service.get_invoice",
    "classes.flows.timetable",
    "classes.flows.known_classes",
    "classes.flows.find_classes",
    "classes.flows.class_choices",
    "classes.flows.bookings_of",
    "classes.flows.roster_of",
    "classes.flows.roster",
    "classes.service.get_series",
    "classes.service.list_series",
    "classes.service.upcoming_sessions",
    "classes.service.get_session",
    "classes.service.session_on",
    "classes.service.bookings_of",
    "classes.service.roster",
    "context.rolled_back",  # a savepoint always rolled back
    "credits.alerts.follow_up_report",
    "credits.alerts.follow_ups",
    "credits.flows.balance_for",
    "credits.flows.preview_redemption",
    "credits.flows.preview_redemption_for",
    "credits.flows.preview_transfer",
    "credits.flows.preview_transfer_between",
    "credits.flows.grantee",
    "credits.flows.history",
    "credits.flows.statement",
    "credits.flows.report",
    "credits.flows.alert_report",
    "credits.flows.redeem_form",
    "credits.ledger.grant_waits",
    "credits.ledger.preview",
    "credits.ledger.preview_transfer",
    "credits.ledger.transferable",
    "credits.ledger.balance",
    "credits.ledger.expiring_soon",
    "credits.ledger.history",
    "credits.ledger.lots_of",
    "credits.ledger.granted_lots",
    "credits.ledger.expiry_of",
    "credits.reminders.lead_days",
    "credits.reminders.collect",  # gathers the day's reminders; send queues them
    "credits.reminders.services_tomorrow",
    "credits.reminders.weekly_digest",
    "credits.reminders.expiry_reminders",
    "credits.reminders.renewal_reminders",
    "credits.reports.customer_report",
    "credits.reports.liability_report",
    "customers.flows.new_customer_locations",
    "customers.flows.customer_to_edit",  # the edit form's customer, for those who may edit
    "customers.flows.customers_found",
    "customers.lookup.find_customer",
    "customers.lookup.the_customer",
    "customers.lookup.named_in",
    "customers.merge.merge_preview",
    "customers.service.get_customer",
    "customers.service.search_customers",
    "customers.service.customers_mentioned",
    "customers.service.customer_row",
    "daily.jobs.run_time",
    "demo.flows.tour",
    "memberships.contract_log.membership",
    "memberships.flows.sale_form",
    "memberships.flows.memberships_of",
    "memberships.flows.reports",
    "memberships.flows.to_delete",
    "memberships.flows.cancel_preview",  # the cancellation made and rolled back
    "memberships.flows.edit_form",
    "memberships.flows.preview_edit",  # the edit made and rolled back
    "memberships.flows.discount_form",
    "memberships.service.may_decide",
    "memberships.service.freeze_waits",
    "memberships.service.cancel_waits",
    "memberships.service.get",
    "memberships.service.terms_of",
    "memberships.service.memberships_of",
    "memberships.service.pending_approval",
    "memberships.service.history",
    "memberships.service.recent_activity",
    "memberships.service.report",
    "outbox.customer_name",
    "outbox.customer_names",
    "outbox.due",
    "outbox.pending",
    "plans.carry_over.carry_over",
    "plans.carry_over.revenue_split",
    "plans.catalog_file.export_plans",
    "plans.flows.plan_list",
    "plans.flows.plan_to_edit",
    "plans.flows.one_plan",
    "plans.flows.plan_form",
    "plans.flows.check_plan",  # the plan checked, nothing saved
    "plans.flows.plan_list_with_discounts",
    "plans.flows.plan_discounts",
    "plans.flows.check_plan_with_discounts",
    "plans.flows.plan_locations",
    "plans.service.get_plan",
    "plans.service.list_plans",
    "plans.service.find_plans",
    "plans.service.version_terms",
    "plans.service.plan_of_version",
    "plans.service.services_of",
    "plans.service.service_views",
    "revenue.flows.membership_statement",
    "revenue.service.split_for",
    "revenue.service.membership_revenue",
    "revenue.service.deferred_report",
    "visits.flows.workspace_today",
    "visits.flows.visit_list",
    "visits.service.horizon",
    "visits.service.get",
    "visits.service.visits_of",
    "visits.service.upcoming",
    "workspace.flows.workspace_settings",
    "workspace.home.home",
    "workspace.roles.roles_of",
    "workspace.roles.allowed",
    "workspace.roles.can",
    "workspace.roles.require",
    "workspace.tenants.settings",
}

# Pure rules take no ctx; the kernel is below every domain.
PURE = (
    "kernel",
    "billing/schedule.py",
    "checkout/benefits.py",
    "classes/rules.py",
    "credits/calendar.py",
    "credits/lending.py",
    "credits/lots.py",
    "credits/terms.py",
    "customers/search.py",
    "memberships/lifecycle.py",
    "plans/terms.py",
    "revenue/recognition.py",
)
CORE = Path(__file__).resolve().parents[2] / "core"
WRITING = re.compile(r"uow\.add|uow\.delete|\.flush\(\)|insert_if_absent|insert_ignoring|\bupdate\(")


def public_ctx_functions() -> dict[str, str]:
    """Every public function of core (outside the pure rules) whose first parameter is `ctx`, by
    its name under core, with its source."""
    found: dict[str, str] = {}
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE).as_posix()
        if relative.startswith(PURE):
            continue
        module = relative.removesuffix(".py").replace("/", ".")
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            if node.args.args and node.args.args[0].arg == "ctx":
                found[f"{module}.{node.name}"] = ast.get_source_segment(path.read_text(), node) or ""
    return found


def test_every_function_of_core_is_listed() -> None:
    """A new public function of core that takes ctx must be named here: in WRITES with its
    permission (and is then tested below), in STEPS with the guarded write it is part of, or in
    READS. Nothing is listed twice, and nothing listed is gone."""
    found = public_ctx_functions()
    listed = [*WRITES, *STEPS, *READS]
    assert len(listed) == len(set(listed)), "listed twice"
    unlisted = sorted(set(found) - set(listed))
    assert not unlisted, f"core functions that take ctx and are in no list: {unlisted}"
    assert not sorted(set(listed) - set(found)), "listed but no longer in core"


def test_what_reads_writes_no_row_itself() -> None:
    """A function listed as reading does not add, delete or flush rows itself."""
    found = public_ctx_functions()
    writing = sorted(n for n in READS if WRITING.search(found[n]) and n != "context.rolled_back")
    assert not writing, f"listed as reads but write: {writing}"


# --- the world each call is made in --------------------------------------------------------------


@dataclass
class World:
    shop: Shop
    customer: int
    other: int
    plan: int
    membership: int


def build_world(shop: Shop) -> World:
    plan = credit_plan(shop, CreditTerms(kind=CreditKind.SERVICE, per_period=D(4)))
    customer, membership = member(shop, plan, shop.clock.now().date())
    other, _ = member(shop, plan, shop.clock.now().date())
    return World(shop, customer, other, plan, membership)


@pytest.fixture
def world(shop: Shop) -> World:
    return build_world(shop)


@pytest.fixture(scope="module")
def shared(db: Database) -> World:
    """One world for the table's calls, which change nothing in it: a refused call writes nothing
    (which the test checks) and an allowed one is rolled back."""
    clock = FixedClock(datetime(2025, 1, 15, 15, 0, tzinfo=UTC))
    shop = Shop(db, clock, new_team())
    ensure_tenant(db, clock, shop.team, name="Shared", timezone=TZ, currency="USD", admins=[ADMIN])
    with shop.tx() as ctx:
        for user, role in ROLE_OF.items():
            if role and user != ADMIN:
                roles.grant(ctx, user, role)
    return build_world(shop)


def function(name: str) -> Callable[..., Any]:
    module, _, attribute = name.rpartition(".")
    return cast(Callable[..., Any], getattr(importlib.import_module(f"core.{module}"), attribute))


def arguments(fn: Callable[..., Any], world: World) -> tuple[list[Any], dict[str, Any]]:
    """Arguments the function accepts: the world's rows for the ids it names, plain values for the
    rest (a refusal comes before anything reads them)."""
    hints = typing.get_type_hints(fn)
    by_name = {
        "customer_id": world.customer,
        "giver_id": world.customer,
        "receiver_id": world.other,
        "survivor_id": world.other,
        "contract_id": world.membership,
        "plan_id": world.plan,
    }
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, parameter in list(inspect.signature(fn).parameters.items())[1:]:
        if parameter.default is not inspect.Parameter.empty:
            continue
        value = by_name.get(name, _plain(hints.get(name)))
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


def _plain(hint: object) -> object:
    for kind, value in ((bool, False), (int, 1), (Decimal, Decimal(1)), (str, "x"), (Unit, Unit.CREDIT)):
        if hint is kind or (isinstance(hint, type) and issubclass(hint, kind)):
            return value
    if hint is date:
        return date(2025, 1, 15)
    if hint is datetime:
        return datetime(2025, 1, 15, 15, 0)
    return None


def rows(ctx: Ctx) -> dict[str, int]:
    """How many rows of this workspace each table holds (what a write would change)."""
    counts = {}
    for table in metadata.sorted_tables:
        if "tenant_id" in table.c:
            query = select(func.count()).select_from(table).where(table.c.tenant_id == ctx.uow.tenant_id)
            counts[table.name] = ctx.uow.session.execute(query).scalar_one()
    return counts


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_is_refused_to_every_role_without_its_permission_and_writes_nothing(
    shared: World, name: str
) -> None:
    world = shared
    fn, needed = function(name), WRITES[name]
    shop = world.shop
    with shop.tx(write=False) as ctx:
        before = rows(ctx)
    for user, role in ROLE_OF.items():
        if role and role in {r.value for r in _ALLOWED[needed]}:
            continue
        args, kwargs = arguments(fn, world)
        with shop.tx(user) as ctx:  # committed although refused: the refusal came before any write
            with pytest.raises(PermissionDenied):
                fn(ctx, *args, **kwargs)
            assert rows(ctx) == before, f"{name} wrote before refusing {role or 'no role'}"
    with shop.tx(write=False) as ctx:
        assert rows(ctx) == before


class RolledBack(Exception):
    pass


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_lets_every_role_with_its_permission_past_the_check(shared: World, name: str) -> None:
    """The permission is the one the table names, not a finer one: each role holding it gets past
    the check (to the change, or to the first mistake in the placeholder arguments)."""
    world, (fn, needed) = shared, (function(name), WRITES[name])
    for user, role in ROLE_OF.items():
        if not role or role not in {r.value for r in _ALLOWED[needed]}:
            continue
        args, kwargs = arguments(fn, world)
        try:
            with world.shop.tx(user) as ctx:
                fn(ctx, *args, **kwargs)
                raise RolledBack
        except (RolledBack, MemberbotError, TypeError, AttributeError, ValueError) as exc:
            assert not isinstance(exc, PermissionDenied), f"{name} refused {role}: {exc}"


# --- real calls: the known gaps and the approval policy ------------------------------------------


def ledger_rows(shop: Shop) -> dict[str, int]:
    with shop.tx(write=False) as ctx:
        return rows(ctx)


@pytest.mark.parametrize(
    ("change", "refused", "allowed"),
    [
        ("adjust", (MANAGER, STAFF, SPECIALIST, NOBODY), ADMIN),
        ("freeze", (STAFF, SPECIALIST, NOBODY), MANAGER),
        ("cancel", (STAFF, SPECIALIST, NOBODY), MANAGER),
    ],
)
def test_adjust_freeze_and_cancel_refuse_the_roles_without_them_and_are_made_by_one_with(
    world: World, change: str, refused: tuple[str, ...], allowed: str
) -> None:
    def make(ctx: Ctx) -> object:
        if change == "adjust":
            return ledger.adjust(ctx, world.customer, D(2), "goodwill", key=f"k-{ctx.actor}")
        if change == "freeze":
            return memberships.freeze(ctx, world.membership, "travel")
        return memberships.cancel(ctx, world.membership, "moving away")

    shop = world.shop
    before = ledger_rows(shop)
    for user in refused:
        with shop.tx(user) as ctx, pytest.raises(PermissionDenied):
            make(ctx)
    assert ledger_rows(shop) == before
    with shop.tx(allowed) as ctx:
        make(ctx)
    assert ledger_rows(shop) != before  # the count sees a change: the checks above can fail


@pytest.mark.parametrize("change", ["adjust", "freeze", "cancel"])
def test_a_change_the_policy_holds_is_refused_to_a_direct_caller_and_made_once_approved(
    shop: Shop, change: str
) -> None:
    """The flows hold these for a manager's decision; the services refuse them to anyone calling
    them directly (the CLI, a crafted listener, an admin) while the policy holds them."""
    terms = CreditTerms(kind=CreditKind.SERVICE, per_period=D(4))
    with shop.tx() as ctx:
        plan = plans.get_plan(ctx, credit_plan(shop, terms))
        plans.update_plan(ctx, plan.id, replace(plan.terms, lock_in_months=6))
    customer, membership = member(shop, plan.id, shop.clock.now().date())
    with shop.tx() as ctx:
        tenants.update_settings(
            ctx, approve_grants_above=D(1), approve_freezes=True, approve_lock_in_cancels=True
        )
        assert memberships.cancel_waits(ctx, membership)  # inside the six months' lock-in

    def make(ctx: Ctx, *, approved: bool) -> object:
        if change == "adjust":
            return ledger.adjust(ctx, customer, D(5), "goodwill", key="big", approved=approved)
        if change == "freeze":
            return memberships.freeze(ctx, membership, "travel", approved=approved)
        return memberships.cancel(ctx, membership, "moving away", approved=approved)

    before = ledger_rows(shop)
    with shop.tx(ADMIN) as ctx, pytest.raises(PermissionDenied, match="approval"):
        make(ctx, approved=False)  # an admin holds every permission, and still waits
    assert ledger_rows(shop) == before
    with shop.tx(ADMIN) as ctx:
        make(ctx, approved=True)  # as core/approvals makes it once a manager agreed
    assert ledger_rows(shop) != before


def test_a_freeze_asked_through_the_flow_waits_for_another_manager(world: World) -> None:
    shop = world.shop
    with shop.tx() as ctx:
        tenants.update_settings(ctx, approve_freezes=True)
    before = ledger_rows(shop)
    with shop.tx(MANAGER) as ctx:
        held = membership_flows.freeze(ctx, world.membership, lambda today: (None, None, "travel"))
    assert isinstance(held, Held) and held.request.status == "pending"
    after = ledger_rows(shop)
    assert after.pop("approval_request") == before.pop("approval_request") + 1
    assert after == before  # nothing frozen yet


def test_every_permission_has_its_roles_and_admins_hold_every_one() -> None:
    """The CLI and the scheduler act as "system" (core/context.py), which holds every permission; no
    Slack user can be it (tests/bot/test_signed_requests.py: the bot refuses that user id)."""
    assert set(_ALLOWED) == set(Action)
    assert all(roles.Role.ADMIN in allowed for allowed in _ALLOWED.values())


@pytest.mark.parametrize(
    "read",
    [
        lambda ctx, w: function("revenue.service.deferred_report")(ctx, date(2025, 1, 1)),
        lambda ctx, w: function("revenue.service.membership_revenue")(ctx, w.membership, date(2025, 1, 1)),
        lambda ctx, w: function("revenue.flows.membership_statement")(ctx, f"M-{w.membership}", "2025-01"),
        lambda ctx, w: function("credits.reports.liability_report")(ctx),
    ],
    ids=["deferred revenue", "a membership's revenue", "a membership's statement", "liability"],
)
def test_staff_and_people_without_a_role_read_no_finances(world: World, read: Callable[..., object]) -> None:
    for user in (STAFF, NOBODY):
        with world.shop.tx(user, write=False) as ctx, pytest.raises(PermissionDenied):
            read(ctx, world)
    for user in (ADMIN, MANAGER, SPECIALIST):
        with world.shop.tx(user, write=False) as ctx:
            read(ctx, world)
