"""Pages in a real browser: headless Chromium (Debian's) driven by Playwright.

Playwright is launched with the executable path of the system's Chromium, so
nothing downloads a browser. The product runs in pytest-django's live server
on the test database; Celery tasks run in-process (eager), so a certificate or
a label is ready when the page that caused it answers.

Every test saves screenshots of the pages it visits to
``$SCREENSHOT_DIR`` (default ``var/screenshots``): CI keeps them as artefacts.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR", str(settings.BASE_DIR / "var" / "screenshots"))
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Screen:
    """One browser context (its own cookies) on the live server."""

    def __init__(self, browser, base_url: str, name: str, locale: str):
        self.context = browser.new_context(
            locale=locale, viewport={"width": 1366, "height": 900}
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.name = name
        self.shots = 0

    def go(self, path: str):
        return self.page.goto(self.base_url + path)

    def sign_in(self, username: str, password: str):
        self.go("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def shot(self, label: str) -> Path:
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def screen(browser, live_server, request):
    """``screen(locale="en")`` opens a fresh browser context."""
    opened = []

    def open_screen(locale: str = "en", name: str | None = None) -> Screen:
        label = name or request.node.name.replace("test_", "")
        one = Screen(browser, live_server.url, f"{label}-{len(opened)}", locale)
        opened.append(one)
        return one

    yield open_screen
    for one in opened:
        one.close()


from tests.inspection.factories import qc  # noqa: E402, F401 - a fixture
