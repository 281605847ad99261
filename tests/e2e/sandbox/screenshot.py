"""Takes the README's picture of the sandbox: `python -m tests.e2e.sandbox.screenshot docs/sandbox.png`.
A fresh sandbox, a balance asked for, a sale sent for approval, and the composer's command hints."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.e2e.sandbox.conftest import CHROMIUM, CHROMIUM_ARGS, be, command, running_sandbox
from tests.e2e.sandbox.test_channel import sell


def main(target: Path) -> None:
    with running_sandbox(Path(tempfile.mkdtemp()) / "sandbox.sqlite") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(base_url=url, viewport={"width": 1280, "height": 760}).new_page()
        page.goto("/")
        be(page, "Sam Carter")
        command(page, "/credits Café Müller")
        expect(page.locator("article.ephemeral")).to_contain_text("credits available")
        sell(page, "Golden Gate Pilates", "Gold")
        page.fill("#composer", "/")  # the commands with their usage hints
        page.screenshot(path=str(target))
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/sandbox.png"))
