"""`memberbot membership discounts`: a membership's discounts listed with their ids, an amount set
with a reason, and a missing reason or a malformed amount refused with nothing written."""

from __future__ import annotations

from decimal import Decimal

from cli.app import App
from core.plans import service as plans
from storage.tables.checkout import PlanDiscount
from tests.integration.cli.conftest import Run


def gold_with_a_discount(run: Run) -> int:
    """The demo's M-1 is on Gold, sold already; its version is given 10% off products as if it
    had been sold with it (a sold version's discounts cannot be added: the row is written here)."""
    assert run("demo").exit_code == 0
    with App("TCLI").tx() as ctx:
        gold = next(p for p in plans.list_plans(ctx) if p.name == "Gold")
        rule = PlanDiscount(
            tenant_id=ctx.uow.tenant_id,
            plan_version_id=gold.version_id,
            position=1,
            applies_to="product",
            kind="percent",
            value=Decimal(10),
            services=[],
            categories=[],
            products=[],
        )
        ctx.uow.add(rule)
        ctx.uow.flush()
        return rule.id or 0


def test_list_set_and_refuse(run: Run) -> None:
    discount = gold_with_a_discount(run)
    listed = run("membership", "discounts", "M-1")
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip() == f"#{discount}: 10% off every product"
    missing = run("membership", "discounts", "M-1", "--set", f"{discount}=15")
    assert missing.exit_code == 2 and "reason" in missing.output.lower()
    malformed = run("membership", "discounts", "M-1", "--set", "fifteen", "--reason", "x")
    assert malformed.exit_code != 0 and "ID=AMOUNT" in malformed.output
    done = run("membership", "discounts", "1", "--set", f"{discount}=15", "--reason", "loyal customer")
    assert done.exit_code == 0, done.output
    assert f"#{discount}: 15% off every product" in done.output
    assert run("membership", "discounts", "M-1").output.strip() == f"#{discount}: 15% off every product"
