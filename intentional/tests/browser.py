"""A real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for the
end-to-end tests. Its fixtures are loaded by the root conftest (`pytest_plugins`)."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield chromium
        chromium.close()


class BrowserPage:
    """A page of a fresh browser context that records console errors and CSP violations."""

    def __init__(self, browser, base_url: str, viewport: dict):
        self.context = browser.new_context(base_url=base_url, viewport=viewport)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console", lambda message: message.type == "error" and self.errors.append(message.text)
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the viewport (0 = no horizontal scrolling)."""
        return self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )


@pytest.fixture
def page_factory(browser, live_server):
    """`page_factory(viewport=DESKTOP)` → BrowserPage; fails the test on any console error."""
    pages: list[BrowserPage] = []

    def make(viewport: dict = DESKTOP) -> BrowserPage:
        page = BrowserPage(browser, live_server.url, viewport)
        pages.append(page)
        return page

    yield make
    errors = [error for page in pages for error in page.errors]
    for page in pages:
        page.context.close()
    assert not errors, f"browser console errors or CSP violations: {errors}"
