"""Browser tests: `memberbot sandbox` started as its own process on a free port, as a user
starts it, and driven in Debian's Chromium through Playwright. A missing browser fails the tests
with a message saying what to install: never a skip, in CI (CI=true) or anywhere else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.local_server import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("MEMBERBOT_SCREENSHOTS", "test-results/sandbox"))
STEP_MS = 10_000  # how long one step may take to show (a shared CI machine is slow at times)

try:
    from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
except ImportError as missing:  # the dev dependency group is not installed: say so when tests run
    PLAYWRIGHT_MISSING: str | None = (
        f"Playwright for Python is not installed ({missing}); run scripts/bootstrap."
    )
else:
    PLAYWRIGHT_MISSING = None


def missing_browser() -> str | None:
    if PLAYWRIGHT_MISSING:
        return PLAYWRIGHT_MISSING
    if not CHROMIUM.exists():
        where = "CI (CI=true)" if os.environ.get("CI") == "true" else "this machine"
        return (
            f"Chromium is missing on {where}: the browser tests need Debian's `chromium` package at "
            f"{CHROMIUM}. Install it with `apt-get install chromium` (scripts/bootstrap does, as root)."
        )
    return None


# Package scope, not session: Playwright's sync API keeps an event loop running in the main thread
# while it is open, and the end-to-end tests after this package call asyncio.run themselves.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    problem = missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@contextmanager
def running_sandbox(db: Path) -> Iterator[str]:
    """`memberbot sandbox` in its own process on a free port, as a user starts it; its URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "memberbot"),
            "sandbox",
            "--port",
            str(port),
            "--db",
            str(db),
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"memberbot sandbox exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{url}/favicon.ico", timeout=1).status_code == 204:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("memberbot sandbox did not answer within 90 s")
        time.sleep(0.1)
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A sandbox with the demo data, shared by tests that leave the clock alone (each works with
    customers of its own)."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite") as url:
        yield url


@pytest.fixture(scope="module")
def fresh_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A sandbox of its own, for a module that moves the clock."""
    with running_sandbox(tmp_path_factory.mktemp("fresh") / "sandbox.sqlite") as url:
        yield url


@pytest.fixture
def sandbox_url(sandbox: str) -> str:
    return sandbox


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context per test (its own cookies: the admin until it switches), on the
    module's `sandbox_url` fixture (the shared sandbox unless the module says otherwise)."""
    url = request.getfixturevalue("sandbox_url")
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(STEP_MS)
    opened = context.new_page()
    expect.set_options(timeout=STEP_MS)
    yield opened
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """A failed browser test leaves a screenshot of the page as it was."""
    outcome: Any = yield
    report = outcome.get_result()
    opened = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and opened is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{item.name}.png"
        try:
            opened.screenshot(path=str(path), full_page=True)
            report.sections.append(("screenshot", f"saved to {path}"))
        except Exception as exc:  # the page itself may be what broke
            report.sections.append(("screenshot", f"could not be taken: {exc}"))


# Steps shared by the tests, named as a user would say them.


def be(page: Page, name: str) -> None:
    """Switch user in the page's switcher, by name."""
    page.select_option(
        "#who", label=next(o for o in page.locator("#who option").all_inner_texts() if name in o)
    )
    expect(page.locator("#who option[selected]")).to_contain_text(name)


def command(page: Page, text: str) -> None:
    page.fill("#composer", text)
    page.press("#composer", "Enter")


def today(page: Page) -> date:
    return date.fromisoformat(str(page.input_value("#clock-to")))
