"""The dashboard in a real browser: a `ghee serve` per backend, an admin user, Debian's Chromium via Playwright.

Page tests take ``signed_in_page`` (a 1280x800 page signed in as the admin)
and call ``shoot(page, name)`` where the README's screenshot of that page is
taken: ``make screenshots`` (``GHEE_SCREENSHOTS=1``) writes
docs/screenshots/<name>.png, an ordinary run only renders it, so a test run
never rewrites a tracked file. Playwright's own browser downloads are never
used: ``/usr/bin/chromium`` comes from Debian (``make test`` installs it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ghee.core.sessions import open_session
from ghee.core.users import create_user, find_user
from ghee.dashboard.web import SESSION_COOKIE
from ghee.db.database import opened
from tests.support.servers import Server, kept, shared_server
from tests.support.services import ROOT, run_async

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def add_user(server: Server, email: str, password: str, *, is_admin: bool) -> Credentials:
    """Create a user straight in the server's database."""

    async def run() -> None:
        async with opened(server.database_url) as db, db.write() as work:
            await create_user(work, email=email, password=password, is_admin=is_admin)

    run_async(run)
    return Credentials(email, password)


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
    """Debian's Chromium, headless, for the dashboard's tests.

    Stopped when they end: Playwright's sync API keeps an event loop running
    on the test thread, where other suites' ``asyncio.run`` would be refused.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, dash_server: Server) -> Iterator[Page]:
    """A fresh browser context (no cookies) at laptop size, its URLs relative to ``dash_server``."""
    context = browser.new_context(viewport=DESKTOP, base_url=dash_server.base_url)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, who: Credentials, next_path: str = "/") -> None:
    """Fill in the sign-in form and wait for the page it leads to."""
    page.goto(f"/login?next={next_path}")
    page.get_by_label("E-mail").fill(who.email)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def open_session_for(server: Server, who: Credentials) -> str:
    """A new session of ``who`` made straight in the server's database; returns its cookie value."""

    async def run() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            user = await find_user(work, who.email)
            assert user is not None
            return (await open_session(work, user))[1]

    return run_async(run)


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


def session_client(page: Page, server: Server) -> httpx.Client:
    """An HTTP client carrying the browser's session cookie (for requests a browser would not send)."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies() if c["name"] == "ghee_session"}
    return httpx.Client(base_url=server.base_url, cookies=cookies, timeout=30, follow_redirects=False)


def next_event(lines: Iterator[str]) -> tuple[str, dict[str, object]]:
    """The id and data of the next event of an SSE stream (heartbeat comments skipped)."""
    event_id = ""
    for line in lines:
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            return event_id, json.loads(line[6:])
    raise AssertionError("the stream ended")


def shoot(page: Page, name: str) -> None:
    """Render the page as the README's screenshot ``name``; written to docs/screenshots/ by ``make screenshots``."""
    image = page.screenshot()
    assert image.startswith(b"\x89PNG")
    if os.environ.get("GHEE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(image)
