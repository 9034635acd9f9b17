"""A real Chromium against the real app served by a real WSGI server on loopback: the fixtures of
every browser test (``tests/browser/test_browser_*.py``).

Browser tests run only with the SQLite parameter (``sqlite`` marker): what they check is the pages,
cookies and forms, and tenant isolation on PostgreSQL is covered by the API tests. Without
/usr/bin/chromium they skip locally and fail when CI=true. Set RETAIN_BROWSER_ARTIFACTS=/some/dir to
keep screenshots of the pages there (:func:`screenshot`).
"""


from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import unavailable

try:
    from playwright.sync_api import expect as _expect, sync_playwright
except ImportError as _error:  # reported by the ``chromium`` fixture (a failure when CI=true)
    _expect = sync_playwright = None
    PLAYWRIGHT_MISSING = _error

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 10_000
ARTIFACTS = os.environ.get("RETAIN_BROWSER_ARTIFACTS")


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module (never downloaded: the system's binary only)."""
    if not CHROMIUM.exists():
        unavailable("Chromium", FileNotFoundError(f"{CHROMIUM} does not exist"))
    if sync_playwright is None:
        unavailable("Chromium (Playwright for Python)", PLAYWRIGHT_MISSING)
    _expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS, timeout=2 * TIMEOUT_MS)
        except Exception as error:  # noqa: BLE001 - a browser that does not start is "unavailable"
            unavailable("Chromium", error)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app behind werkzeug's threaded server on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="retain-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=TIMEOUT_MS / 1000)


@pytest.fixture
def problems():
    """What went wrong in the page: uncaught script errors and assets that did not load."""
    return []


@pytest.fixture
def page(chromium, live_server, problems):
    """A fresh browser context (no cookies) whose relative URLs resolve against the live server."""
    context = chromium.new_context(base_url=live_server, java_script_enabled=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}"))

    def on_response(response):
        if "/static/" in response.url and response.status >= 400:
            problems.append(f"{response.status}: {response.url}")

    page.on("response", on_response)
    try:
        yield page
    finally:
        context.close()


ENGLISH = {"locale": "en"}  # a workspace speaks Chinese unless told otherwise


def expect(target):
    return _expect(target)


def url(live_server: str, path: str):
    return re.compile("^" + re.escape(live_server + path) + r"(\?.*)?$")


def sign_in(page, email: str, password: str):
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation(wait_until="load"):  # the next page's style sheet too: a click while it
        page.get_by_role("button", name="Sign in").click()  # loads would abort it (a failed request)



def screenshot(page, name: str) -> None:
    """Keep a full-page screenshot as ``<name>.png`` when RETAIN_BROWSER_ARTIFACTS is set."""
    if ARTIFACTS:
        page.screenshot(path=str(Path(ARTIFACTS) / f"{name}.png"), full_page=True)
