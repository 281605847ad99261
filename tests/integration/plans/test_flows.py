"""Plans' flows over storage: a plan named by what was typed (never a guess), and the plan form's
edit — what the form does not carry the plan keeps, and a step is checked before the next opens."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import pytest

from core.catalog import locations as catalog
from core.credits.terms import CreditKind, CreditTerms
from core.kernel.errors import ImmutableField, PermissionDenied
from core.kernel.recurrence import Weekly
from core.plans import flows
from core.plans import service as plans
from core.plans.flows import PlanEdit, Unmatched
from core.plans.service import PlanTerms, RecurringService
from core.plans.terms import BillingType
from tests.conftest import ADMIN, NOBODY, STAFF, Shop
from tests.integration.credit_helpers import member
from tests.integration.helpers import plan_by_name, templates


def test_a_plan_is_named_by_its_name_or_code_or_the_only_match_and_never_guessed(shop: Shop) -> None:
    with shop.tx(ADMIN, write=False) as ctx:
        gold, plat = flows.plan_to_edit(ctx, "gold"), flows.plan_to_edit(ctx, "plat")
        assert isinstance(gold, plans.PlanView) and gold.code == "GOLD"  # its name
        assert isinstance(plat, plans.PlanView) and plat.name == "Platinum"  # the only match
        assert flows.plan_to_edit(ctx, "l") == Unmatched("l", ["Gold", "Platinum", "Silver"])
        assert flows.plan_to_edit(ctx, "bronze") == Unmatched("bronze", [])


def test_cloning_and_disabling_are_for_those_who_manage_plans(shop: Shop) -> None:
    with shop.tx(ADMIN) as ctx:
        cloned = flows.clone_plan(ctx, "gold", "")
        assert isinstance(cloned, flows.Cloned)
        assert (cloned.copy.name, cloned.source.name) == ("Gold (copy)", "Gold")
        assert flows.clone_plan(ctx, "nothing", "Other") == Unmatched("nothing", [])
        disabled = flows.enable_plan(ctx, "silver", False)
        assert isinstance(disabled, plans.PlanView) and not disabled.enabled
    for work, args in ((flows.clone_plan, ("gold", "Mine")), (flows.enable_plan, ("gold", False))):
        with shop.tx(STAFF) as ctx, pytest.raises(PermissionDenied):
            work(ctx, *args)
    with shop.tx(NOBODY, write=False) as ctx, pytest.raises(PermissionDenied):
        flows.plan_list(ctx)
    with shop.tx(STAFF, write=False) as ctx:
        listed = flows.plan_list(ctx)
    assert listed.currency == "USD" and [p.name for p in listed.plans][:2] == ["Gold", "Gold (copy)"]


def test_a_new_plan_is_the_form_with_the_services_added(shop: Shop) -> None:
    with shop.tx() as ctx:
        job, filters, _ = templates(ctx)
    weekly = RecurringService(job, filters, Weekly(1, (1,)), time(9))
    edit = PlanEdit(PlanTerms(name="Bronze", price=Decimal(19), term_months=None), services=(weekly,))
    with shop.tx(ADMIN) as ctx:
        step = flows.check_plan(ctx, None, edit)
        assert [(s.job, s.task) for s in step.services] == [("HVAC maintenance", "Filter change")]
        assert [j.name for j in step.jobs] == ["HVAC maintenance"] and step.currency == "USD"
        made = flows.save_plan(ctx, None, replace(edit, terms=replace(edit.terms, name="Bronze 2")))
    assert made.terms.services == (weekly,) and made.terms.term_months is None


def test_editing_keeps_what_the_form_does_not_carry(shop: Shop) -> None:
    with shop.tx() as ctx:
        job, filters, tune_up = templates(ctx)
        north = catalog.add_location(ctx, "North")
        gold = plan_by_name(ctx, "Gold")
        kept_service = RecurringService(job, filters, Weekly(1, (1,)), time(9))
        credits = CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(4), categories=("hvac",))
        plans.update_plan(
            ctx,
            gold.id,
            replace(
                gold.terms,
                billing_type=BillingType.QUARTERLY,
                prorate_first_period=True,
                services=(kept_service,),
                credits=credits,
            ),
        )
    member(shop, gold.id, date(2025, 1, 15))
    with shop.tx() as ctx:
        plans.update_plan(ctx, gold.id, replace(plans.get_plan(ctx, gold.id).terms, location_ids=(north,)))
    typed = PlanTerms(name="Gold", price=Decimal(55))
    # A sold plan's credits step shows only what may still change (CHANGEABLE_AFTER_SALE).
    transfers = flows.CreditsStep(
        CreditTerms(kind=CreditKind.MONETARY, transferable=True), frozenset({"transferable"})
    )
    added = RecurringService(job, tune_up, Weekly(2, (3,)), time(14))
    sold = frozenset(plans.SOLD_TERMS)
    edit = PlanEdit(typed, kept=sold, credits=transfers, services=(added,), replaced=0)
    with shop.tx(ADMIN) as ctx:
        saved = flows.save_plan(ctx, gold.id, edit).terms
    assert (saved.price, saved.billing_type, saved.prorate_first_period) == (
        Decimal(55),
        BillingType.QUARTERLY,
        True,
    )
    assert saved.location_ids == (north,) and saved.services == (
        added,
        kept_service,
    )  # the row added, then those not shown
    assert saved.credits is not None and saved.credits.categories == ("hvac",)  # not shown: kept
    assert saved.credits.kind is CreditKind.SERVICE and saved.credits.per_period == 4
    assert saved.credits.transferable  # a form field, changeable after a sale
    with shop.tx(ADMIN) as ctx, pytest.raises(ImmutableField):  # the form showed a sold term
        flows.check_plan(ctx, gold.id, PlanEdit(typed, kept=sold - {"billing_type"}))
    with shop.tx(ADMIN) as ctx, pytest.raises(ImmutableField):  # a credit term fixed once sold
        flows.check_plan(
            ctx, gold.id, replace(edit, credits=replace(transfers, fields=frozenset({"per_period"})))
        )
