"""The test clock moved from the page: the days pass, and the reminders they bring arrive in the
direct messages of the staff member who sold the membership."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.sandbox.conftest import be, command, today


@pytest.fixture
def sandbox_url(fresh_sandbox: str) -> str:
    return fresh_sandbox  # the clock moves here: a sandbox of this module's own


def test_advancing_past_an_expiry_brings_the_reminder_and_expires_the_credits(page: Page) -> None:
    page.goto("/dm")
    be(page, "Sam Carter")
    page.fill("#clock-to", (today(page) + timedelta(days=5)).isoformat())
    page.click("text=Advance to date")
    moved = page.locator(".moved")
    expect(moved).to_contain_text("to Sam Carter (DM)")
    expect(moved).to_contain_text("Blue Fin Spa (Joao Pereira): 2 credits expire after")
    reminder = page.locator("main article", has_text="Blue Fin Spa (Joao Pereira): 2 credits expire after")
    expect(reminder).to_contain_text("(in 1 day)")
    expect(page.locator("#who option[value=USAM]")).to_contain_text("DMs")  # who got reminders
    command(page, "/credits Blue Fin Spa")
    expect(page.locator("article.ephemeral", has_text="Credits:").last).to_contain_text("6 expired")
