"""A multi-step form: the new-plan form pushes its credits step onto the stack, and saving the
last step clears the stack and creates the plan."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.sandbox.conftest import command


def test_a_new_plan_in_two_steps(page: Page) -> None:
    page.goto("/")  # as the admin
    command(page, "/plans new")
    modal = page.locator(".modal")
    expect(modal).to_contain_text("New plan")
    modal.locator("input[name=name]").fill("Bronze")
    modal.locator("input[name=price]").fill("19")
    modal.locator("input[name=steps][value=credits]").check()
    modal.locator("[data-submit]").click()
    expect(modal).to_contain_text("Plan credits")  # pushed: the second view of the stack
    expect(modal.locator(".depth")).to_contain_text("2 of 2")
    modal.locator("input[name=per_period]").fill("3")
    modal.locator("[data-submit]").click()
    expect(page.locator(".modal")).to_have_count(0)  # cleared
    command(page, "/plans")
    expect(page.locator("article.ephemeral").last).to_contain_text("Bronze")
