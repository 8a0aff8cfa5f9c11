"""Browser tests: Playwright's sync API driving Debian's chromium against ``live_server``.

Never ``playwright install``: the browser is the distribution's ``/usr/bin/chromium``.

Database: ``live_server`` serves from another thread, so tests need ``transactional_db``. Its flush
after each test would also delete the rows the data migrations loaded (regions, industries, the
rule set), so every test here is marked
``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``, which restores them
before the test; ``_migrated_data_present`` checks that they are there in every test.

Playwright's sync API marks its asyncio loop as running in the main thread between calls. Django's
``connections`` (an asgiref ``Local`` with ``thread_critical=True``) then switches from
thread-local to context-variable storage: once the browser runs, the test thread gets *new*
connection objects, which lack the ``_test_serialized_contents`` that ``setup_databases`` left on
the first ones, and ``serialized_rollback`` would silently restore nothing. The ``browser``
fixture carries that attribute over and closes those connections again at the end.
"""

import os
import re
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an asyncio event loop in this thread; Django's async-unsafe guard
# would then refuse ORM calls made by the test itself. Django documents this switch for tests.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import sync_playwright  # noqa: E402

from sibao.core.testing import PASSWORD  # noqa: E402

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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test in this folder drives a browser."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _serialized_contents() -> dict[str, str]:
    return {
        conn.alias: conn._test_serialized_contents
        for conn in connections.all()
        if hasattr(conn, "_test_serialized_contents")
    }


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium "
            "fonts-wqy-microhei); it is missing. Do not run `playwright install`.",
            pytrace=False,
        )
    serialized = _serialized_contents()  # on the thread-local connections, before the loop runs
    playwright = sync_playwright().start()
    for alias, contents in serialized.items():  # the connections seen from now on (see above)
        connections[alias]._test_serialized_contents = contents
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    connections.close_all()  # else PostgreSQL refuses to drop the test database at the end
    playwright.stop()


@pytest.fixture(scope="session")
def live_server(browser, live_server):
    """pytest-django's server, started after the browser. On SQLite the test database is a file
    (tests/conftest.py), so every request thread has its own connection, as on PostgreSQL."""
    return live_server


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _migrated_data_present(transactional_db):
    """The data migrations' rows survive the previous test's flush (serialized_rollback)."""
    from sibao.regions.models import IndustryDomain, Region

    assert Region.objects.filter(code__in=["410102", "410202"]).count() == 2, (
        "regions missing: is the test marked django_db(transaction=True, serialized_rollback=True)?"
    )
    assert IndustryDomain.objects.exists()


@pytest.fixture
def screenshot(request):
    """``screenshot(page)`` -> var/screenshots/<test-name>.png; ``screenshot(page, "x")`` adds -x."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for old in [SCREENSHOTS / f"{name}.png", *SCREENSHOTS.glob(f"{name}-*.png")]:
        old.unlink(missing_ok=True)  # a test that fails early leaves no stale picture behind

    def _screenshot(page, suffix: str = "") -> Path:
        path = SCREENSHOTS / (f"{name}-{suffix}.png" if suffix else f"{name}.png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot


@pytest.fixture
def browser_login(page, live_server):
    """``browser_login(user)`` signs in through the real login page and lands on the home page."""

    def _login(user, password: str = PASSWORD):
        for _attempt in range(3):
            page.goto(f"{live_server.url}/accounts/login/")
            if page.locator("#id_username").count():
                break
            # still signed in: a late response of the previous user's page (an HTMX fragment
            # refreshing the session) set its cookie again after the test cleared the cookies
            page.context.clear_cookies()
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.locator('[data-testid="login-form"] button[type="submit"]').click()
        assert "/accounts/login/" not in page.url, page.inner_text("body")[:500]
        return page

    return _login


@pytest.fixture
def browser_second_factor(page):
    """``browser_second_factor(user)``: a privileged user who has just signed in lands on the
    second-factor page; type the current code of the authenticator device it has set up."""
    from playwright.sync_api import expect

    from sibao.core.testing import current_totp

    def _pass(user):
        expect(page.locator("#id_token")).to_be_visible()
        page.fill("#id_token", current_totp(user))
        with page.expect_navigation():
            page.get_by_role("button", name="验证").click()
        assert "/accounts/two-factor/" not in page.url, page.inner_text("body")[:500]
        return page

    return _pass
