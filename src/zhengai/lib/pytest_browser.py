"""The browser test harness, loaded as a pytest plugin by the root conftest.py.

Debian's chromium through Playwright against the live test server: any request to a host other than
the test server fails the test (campus intranets have no internet), as does a JavaScript error or
an asset that does not load. Browser tests take the `tab` fixture (or `browser` for pages of their
own) and mark themselves `browser` and `needs_chromium`; screenshots go to ARTIFACTS
(test-artifacts/ by default).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

CHROMIUM = os.environ.get("ZHENGAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("ZHENGAI_TEST_ARTIFACTS", Path(__file__).resolve().parents[3] / "test-artifacts"))
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

# In a browser module's pytestmark: its tests are skipped where this machine has no chromium.
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}")


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are
    # still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Tab:
    """A browser page that records requests to other hosts and JavaScript errors."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.external: list[str] = []
        self.errors: list[str] = []
        self.broken_assets: list[str] = []
        self.context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        # A failed load is reported with its URL by `_response`; pages answer 403/404 on purpose.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.broken_assets.append(f"{response.status} {response.url}")

    def _guard(self, route):
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, username: str, password: str) -> None:
        self.goto(reverse("accounts:login"))
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        assert urlsplit(self.page.url).path == reverse("home"), f"{username} did not land on the cockpit"

    def heading(self) -> str:
        return self.page.locator("h2.page-title").inner_text().strip()

    def nav_links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            "#sidebar-menu a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        return [h for h in hrefs if h.startswith("/")]

    def close(self) -> None:
        self.context.close()


def settle(page) -> None:
    page.wait_for_timeout(700)  # let the charts' entry animation finish before a screenshot


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def fits(page) -> bool:
    """Nothing on the page is wider than the window (no sideways scrolling on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def screenshots(page, name: str) -> None:
    """Full-page screenshots at 1366 and 390 px into ARTIFACTS/<name>-<width>.png, checking the phone fit."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    page.screenshot(path=ARTIFACTS / f"{name}-1366.png", full_page=True)
    page.set_viewport_size(PHONE)
    settle(page)
    assert fits(page), f"{name} is wider than a phone"
    page.screenshot(path=ARTIFACTS / f"{name}-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def tab(browser, live_server):
    opened = Tab(browser, live_server.url)
    yield opened
    opened.close()
    assert opened.external == [], f"requests left the server: {opened.external}"
    assert opened.broken_assets == []
    assert opened.errors == []
