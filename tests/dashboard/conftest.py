"""The dashboard in a real browser: a `ghee serve` per backend, an admin user, Debian's Chromium via Playwright.

Page tests take ``signed_in_page`` (a 1280x800 page signed in as the admin)
and call ``shoot(page, name)`` where the README's screenshot of that page is
taken: ``make screenshots`` (``GHEE_SCREENSHOTS=1``) writes
docs/screenshots/<name>.png, an ordinary run only renders it, so a test run
never rewrites a tracked file. Playwright's own browser downloads are never
used: ``/usr/bin/chromium`` comes from Debian (``make test`` installs it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from ghee.dashboard.web import SESSION_COOKIE
from tests.support.browser import (
    DESKTOP,
    Credentials,
    add_user,
    launched_chromium,
    open_session_for,
)
from tests.support.servers import Server, kept, shared_server


@pytest.fixture(scope="session")
def dash_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A real ``ghee serve`` for the dashboard tests; sign-in limits high enough for a test session."""
    return shared_server(backend, tmp_path_factory, "dashboard", GHEE_LOGIN_RATE_LIMIT="10000/minute")


@pytest.fixture(scope="session")
def admin(dash_server: Server) -> Credentials:
    """The admin user of ``dash_server``."""
    return kept(
        ("admin", dash_server.base_url),
        lambda: add_user(dash_server, "admin@example.com", "correct horse battery staple", is_admin=True),
    )


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the dashboard's tests; stopped when they end."""
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, dash_server: Server) -> Iterator[Page]:
    """A fresh browser context (no cookies) at laptop size, its URLs relative to ``dash_server``."""
    context = browser.new_context(viewport=DESKTOP, base_url=dash_server.base_url)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def signed_in_page(page: Page, admin: Credentials, dash_server: Server) -> Page:
    """``page``, signed in as the admin (a session of its own) and showing the overview.

    The session is opened in the database rather than through the form, which
    ``test_sign_in`` drives: a browser page load or two fewer per test.
    """
    cookie = open_session_for(dash_server, admin)
    page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": cookie, "url": dash_server.base_url, "httpOnly": True, "sameSite": "Lax"}]
    )
    page.goto("/")
    return page
