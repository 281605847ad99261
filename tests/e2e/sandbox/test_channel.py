"""In the channel, as the page's users: a balance asked for with /credits, a membership sold in
the form and approved by the manager, a staff member's Approve refused, a date error shown under
its field."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from tests.e2e.sandbox.conftest import be, command, today


def fill_sale(page: Page, customer: str, plan: str) -> Locator:
    """Open the sell form from the composer, find the customer as one types, choose the plan."""
    command(page, "/membership assign")
    modal = page.locator(".modal")
    expect(modal).to_contain_text("Sell a membership")
    modal.locator(".bk-search").fill(customer[:6])
    modal.locator(".bk-options li", has_text=customer).click()
    options = modal.locator("select[name=plan] option").all_inner_texts()
    modal.locator("select[name=plan]").select_option(label=next(o for o in options if o.startswith(plan)))
    expect(modal).to_contain_text("Term:")  # the form updated in place with what the plan includes
    expect(modal.locator(".bk-search")).to_have_value(re.compile(re.escape(customer)))
    return modal


def sell(page: Page, customer: str, plan: str) -> None:
    fill_sale(page, customer, plan).locator("[data-submit]").click()
    expect(page.locator(".modal")).to_have_count(0)


def request_for(page: Page, customer: str) -> Locator:
    """The approval request of the customer's latest sale, by its ts: it is edited in place."""
    asked = page.locator("article", has_text=f"for {customer}").filter(has_text="New membership").last
    return page.locator(f"article[data-key='{asked.get_attribute('data-key')}']")


def sold_by_sam(page: Page, customer: str, plan: str) -> Locator:
    """Sam Carter (staff) sells the plan to the customer in the form; the approval request it posts."""
    page.goto("/")
    be(page, "Sam Carter")
    sell(page, customer, plan)
    return request_for(page, customer)


def test_credits_shows_a_customers_balance(page: Page) -> None:
    page.goto("/")
    command(page, "/credits Café Müller")
    reply = page.locator("article.ephemeral", has_text="Café Müller (Anna Müller)")
    expect(reply).to_contain_text("6 credits available")  # one went on a class booked
    expect(reply).to_contain_text("Only visible to you")


def test_a_sale_in_the_form_asks_for_approval_and_the_manager_approves(page: Page) -> None:
    request = sold_by_sam(page, "Golden Gate Pilates", "Gold")
    expect(request).to_contain_text("sold by @Sam Carter")
    expect(request.locator("button", has_text="Approve")).to_be_visible()
    expect(page.locator("article.ephemeral").last).to_contain_text("waiting for approval")
    be(page, "Morgan Reyes")
    request.locator("button", has_text="Approve").click()
    expect(request).to_contain_text("Approved by @Morgan Reyes")
    expect(request.locator("button", has_text="Approve")).to_have_count(0)


def test_a_staff_member_may_not_approve(page: Page) -> None:
    request = sold_by_sam(page, "Seaside Barbers", "Silver")
    be(page, "Taylor Kim")
    request.locator("button", has_text="Approve").click()
    refusal = page.locator("article.ephemeral", has_text="admin or manager")
    expect(refusal).to_contain_text("Only visible to you")
    expect(request.locator("button", has_text="Approve")).to_be_visible()  # still waiting


def test_an_end_before_the_start_is_shown_under_the_end_date(page: Page) -> None:
    page.goto("/")
    modal = fill_sale(page, "Harbour Gym", "Platinum")
    modal.locator("input[name=end]").fill((today(page) - timedelta(days=1)).isoformat())
    modal.locator("[data-submit]").click()
    error = page.locator(".bk-input[data-block=end] .bk-error")
    expect(error).to_contain_text("is before the start date")
    expect(modal).to_contain_text("Sell a membership")  # still open, as typed
    expect(modal.locator(".bk-search")).to_have_value("Harbour Gym (Hana Sato)")
    modal.locator("footer [data-close]").click()  # Cancel
    expect(page.locator(".modal")).to_have_count(0)


def test_a_redemption_previewed_then_confirmed_replaces_the_preview(page: Page) -> None:
    page.goto("/")
    be(page, "Taylor Kim")
    command(page, "/credits redeem Northwind Traders 1")
    preview = page.locator("article.ephemeral").last
    expect(preview.locator("button")).to_have_count(1)  # confirm
    key = preview.get_attribute("data-key")
    preview.locator("button").first.click()
    confirmed = page.locator(f"article[data-key='{key}']")  # the same message, replaced
    expect(confirmed).to_contain_text("Redeemed 1 credit from Northwind Traders")
    expect(confirmed.locator("button")).to_have_count(0)


def test_the_credit_report_comes_in_a_dm_and_downloads(page: Page) -> None:
    page.goto("/")
    command(page, "/credits export Blue Fin Spa")
    expect(page.locator("article.ephemeral").last).to_contain_text("in your direct messages")
    page.goto("/dm")  # a report holds customers' data: it goes to whoever asked, not the channel
    link = page.locator("main a.file").last
    expect(link).to_contain_text(".xlsx")
    downloaded = page.request.get(str(link.get_attribute("href")))
    assert downloaded.ok
    assert downloaded.body()[:2] == b"PK"  # an Excel workbook is a zip


def test_a_command_the_app_does_not_have_is_refused_by_the_page(page: Page) -> None:
    page.goto("/")
    command(page, "/refund Café Müller")
    expect(page.locator(".flash")).to_contain_text("/refund is not a command here")


def test_the_manager_rejects_with_a_reason_given_in_a_modal(page: Page) -> None:
    request = sold_by_sam(page, "Maple Street Clinic", "Gold")
    be(page, "Morgan Reyes")
    request.locator("button", has_text="Reject").click()
    modal = page.locator(".modal")
    expect(modal).to_contain_text("Why is it rejected?")
    modal.locator("textarea[name=reason]").fill("Already on Silver")
    modal.locator("[data-submit]").click()
    expect(page.locator(".modal")).to_have_count(0)
    expect(request).to_contain_text("Already on Silver")
    expect(request.locator("button")).to_have_count(0)


def test_the_home_tab_is_each_persons_own_and_the_manager_approves_from_it(page: Page) -> None:
    page.goto("/home")
    be(page, "Morgan Reyes")
    home = page.locator("main .home")
    expect(home).to_contain_text("Waiting for your approval")
    expect(home).to_contain_text("Summit Climbing")
    waiting = home.locator(".bk-section", has_text="Summit Climbing")
    buttons = waiting.locator("xpath=following-sibling::div[contains(@class, 'bk-actions')][1]")
    buttons.locator("button", has_text="Approve").click()  # decided from the Home: it leaves it
    expect(home).not_to_contain_text("Summit Climbing")
    be(page, "Sam Carter")
    expect(home).to_contain_text("Credits expiring in the next 7 days")
    expect(home).not_to_contain_text("Waiting for your approval")
    home.locator("button", has_text="Sell a membership").click()
    expect(page.locator(".modal")).to_contain_text("Sell a membership")


def test_the_specialist_is_alerted_of_account_credit_and_snoozes_it(page: Page) -> None:
    page.goto("/dm")
    be(page, "Priya Nair")
    alert = page.locator("main article", has_text="Seaside Barbers").first
    expect(alert).to_contain_text("150")  # delivered by the bot's scheduler soon after the start
    alert.locator("button", has_text="Snooze").click()
    expect(page.locator("article.ephemeral", has_text="Snoozed until")).to_contain_text("Seaside Barbers")
    be(page, "Sam Carter")
    expect(page.locator("main")).not_to_contain_text("Seaside Barbers")  # it was Priya's alone
