"""The plan form sets what the YAML catalogue sets: the credits step opens with the plan's credit
terms (saving it unchanged changes nothing), and every credit rule and recurring service the file
can hold is reachable from Slack, checked by core under its field with nothing written."""

from __future__ import annotations

from decimal import Decimal

from core.credits.terms import CreditKind, CreditTerms, Expiry, Frequency
from tests.bot.conftest import Slack
from tests.bot.plans.test_plan_modal import plan_named
from tests.conftest import ADMIN
from tests.integration.credit_helpers import credit_plan

RICH = CreditTerms(
    kind=CreditKind.SERVICE,
    per_period=Decimal(4),
    frequency=Frequency.EVERY_N_DAYS,
    every_days=30,
    expiry=Expiry.DAYS,
    expiry_days=45,
    initial=Decimal(2),
    wait_days=1,
    max_per_redemption=Decimal(2),
    transferable=True,
)


def test_the_credits_step_of_a_plan_with_credits_opens_with_them_and_saving_changes_nothing(
    slack: Slack,
) -> None:
    credit_plan(slack.shop, RICH, name="Gold")
    before = plan_named(slack, "Gold")
    assert before is not None and before.terms.credits is not None
    slack.open_modal("/plans", "edit gold", user=ADMIN, callback_id="plan_details")
    pushed = slack.driver.submit(ADMIN, {"steps": ["credits"]})
    assert pushed["response_action"] == "push" and pushed["view"]["callback_id"] == "plan_credits"
    assert slack.driver.submit(ADMIN, {}) == {"response_action": "clear"}  # saved as it opened
    after = plan_named(slack, "Gold")
    assert after is not None and after.terms.credits == before.terms.credits
