"""Shortcuts, mentions and DMs in the sandbox's page: a mention answered in its thread, a message
shortcut on a message someone wrote, a global shortcut's form, and the same words in the DM."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.sandbox.conftest import SCREENSHOTS, be, command


def as_sam(page: Page, path: str = "/") -> None:
    """Sam Carter (staff), with no form left open by an earlier test of the shared sandbox."""
    page.goto(path)
    be(page, "Sam Carter")
    while page.locator(".modal .modal-x").count():
        page.locator(".modal .modal-x").first.click()
        page.wait_for_load_state()


def test_a_mention_is_answered_in_its_thread(page: Page) -> None:
    as_sam(page)
    command(page, "@memberbot credits Café Müller")
    asked = page.locator("article", has_text="credits Café Müller").last
    expect(asked.locator(".reply.ephemeral")).to_contain_text("credits available")
    expect(asked.locator(".msg-meta b").first).to_have_text("Sam Carter")


def test_a_message_shortcut_finds_the_customer_a_message_names(page: Page) -> None:
    as_sam(page)
    command(page, "Anna from Café Müller asked about her credits")
    written = page.locator("article", has_text="Anna from Café Müller asked").last
    written.locator(".msg-shortcuts summary").click()
    written.locator("input[value='Credits of this customer']").click()
    reply = page.locator("article.ephemeral", has_text="Café Müller (Anna Müller)").last
    expect(reply).to_contain_text("credits available")
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / "message-shortcut.png"))


def test_a_global_shortcut_opens_its_commands_form(page: Page) -> None:
    as_sam(page)
    page.locator(".shortcuts button", has_text="Add a customer").click()
    expect(page.locator(".modal")).to_contain_text("Add a customer")


def test_the_same_words_in_the_dm_are_answered_there(page: Page) -> None:
    as_sam(page, "/dm")
    command(page, "credits Café Müller")
    asked = page.locator("article", has_text="credits Café Müller").last
    expect(asked.locator(".reply")).to_contain_text("credits available")
