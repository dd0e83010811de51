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
VIEWPORTS = [(DESKTOP, "desktop"), (PHONE, "phone")]
# axe-core, vendored from npm (static/vendor/axe-core/); only the tests load it, never a page.
AXE_URL = "/static/vendor/axe-core/axe.min.js"
# Every CSP violation is reported to the test, whatever the browser prints about it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


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
    """A page of a fresh browser context that records console errors and CSP violations.

    `javascript=False` gives a browser with JavaScript off (the site must work without it).
    """

    def __init__(self, browser, base_url: str, viewport: dict, *, javascript: bool = True):
        self.context = browser.new_context(
            base_url=base_url, viewport=viewport, java_script_enabled=javascript
        )
        self.context.set_default_timeout(10_000)
        self.base_url = base_url
        self.javascript = javascript
        self.errors: list[str] = []
        # Pages that are expected to answer with an error status (e.g. the 404 page of a post
        # one may not see): the browser logs "Failed to load resource" for them, which is fine.
        self.expected_error_urls: set[str] = set()
        self.context.expose_function("__cspViolation", self._csp_violation)
        self.context.add_init_script(CSP_LISTENER)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "")
        if location in self.expected_error_urls and "Failed to load resource" in message.text:
            return
        self.errors.append(f"console error: {message.text} ({location})")

    def _csp_violation(self, text: str) -> None:
        self.errors.append(f"CSP violation: {text}")

    def expect_error_status(self, path: str) -> None:
        """Going to `path` answers an error status on purpose (a 404 page is the test)."""
        self.expected_error_urls.add(self.base_url + path)

    def screenshot(self, name: str, *, folder: Path = ARTIFACTS, full_page: bool = True) -> Path:
        """A PNG of the page (the whole page unless `full_page=False`), with its lazy images
        loaded: a full-page capture does not scroll, so they would stay blank otherwise."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        if self.javascript:
            # decode(): loaded and decoded, ready to paint (a lazy image not yet requested
            # counts as `complete`, so waiting for "load" only when incomplete missed some).
            self.page.evaluate(
                """() => Promise.all([...document.images].map(img => {
                  img.loading = "eager";
                  return img.decode().catch(() => null);
                }))"""
            )
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the viewport (0 = no horizontal scrolling)."""
        return self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )

    def axe_violations(self, impacts=("serious", "critical")) -> list[str]:
        """axe-core's violations of the given impacts on the current page, one line each.

        axe is added as a <script src> from the site's own static files, so the page's CSP
        (script-src 'self') stays exactly as in production.
        """
        self.page.add_script_tag(url=AXE_URL)
        results = self.page.evaluate(
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
        )
        return [
            f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
            for v in results
            if v["impact"] in impacts
        ]

    def compose(self):
        """The feed's compose box, open: on a phone, or without script, it is folded behind
        "Share something" (a <details>), which is opened here as a person would."""
        region = self.page.get_by_role("region", name="Share something")
        fold = region.locator("details.compose-fold")
        if not fold.evaluate("details => details.open"):
            fold.locator("summary.compose-summary").click()
        return region

    def log_in(self, login: str, password: str) -> None:
        """Log in through the allauth form; lands on the feed."""
        self.page.goto("/accounts/login/")
        self.page.get_by_label("Login").fill(login)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in", exact=True).click()
        self.page.wait_for_url("**/feed/")


@pytest.fixture
def page_factory(browser, live_server):
    """`page_factory(viewport=DESKTOP, javascript=True)` → BrowserPage; fails the test on any
    console error or CSP violation."""
    pages: list[BrowserPage] = []

    def make(viewport: dict = DESKTOP, *, javascript: bool = True) -> BrowserPage:
        page = BrowserPage(browser, live_server.url, viewport, javascript=javascript)
        pages.append(page)
        return page

    yield make
    errors = [error for page in pages for error in page.errors]
    for page in pages:
        page.context.close()
    assert not errors, f"browser console errors or CSP violations: {errors}"
