"""The dashboard in a real browser: Debian's Chromium, users, signing in, sessions, screenshots, event streams."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ghee.core.sessions import open_session
from ghee.core.users import create_user, find_user
from ghee.dashboard.web import CSRF_HEADER, SESSION_COOKIE
from ghee.db.database import opened
from tests.support.servers import Server
from tests.support.services import ROOT, run_async

CHROMIUM = "/usr/bin/chromium"


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright (never Playwright's own downloads); closed at the end.

    Keep it to a package's or module's tests: Playwright's sync API keeps an
    event loop running on the test thread, where other suites' ``asyncio.run``
    would be refused.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


SCREENSHOTS = ROOT / "docs" / "screenshots"


DESKTOP = {"width": 1280, "height": 800}


PHONE = {"width": 390, "height": 844}


def width_on_a_phone(page: Page) -> int:
    """The page's width at ``PHONE`` size, once its script has laid it out again (wide tables become cards).

    Waits up to 5 s for it to fit the screen, then answers the width it has (more than 390 if it never fits).
    """
    page.set_viewport_size(PHONE)
    fits = f"document.documentElement.scrollWidth <= {PHONE['width']}"
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(fits, timeout=5_000)
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


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


def signed_in_client(
    server: Server, *, is_admin: bool, who: Credentials | None = None
) -> tuple[httpx.Client, Credentials]:
    """An HTTP client signed in (session cookie, CSRF header) as ``who``, or a new user; no browser needed."""
    if who is None:
        email = f"user-{uuid.uuid4().hex[:8]}@example.com"
        who = add_user(server, email, "correct horse battery staple", is_admin=is_admin)

    async def run() -> tuple[str, str]:
        async with opened(server.database_url) as db, db.write() as work:
            user = await find_user(work, who.email)
            assert user is not None
            session, cookie = await open_session(work, user)
            return cookie, session.csrf_token

    cookie, csrf_token = run_async(run)
    client = httpx.Client(
        base_url=server.base_url,
        cookies={SESSION_COOKIE: cookie},
        headers={CSRF_HEADER: csrf_token},
        timeout=30,
        follow_redirects=False,
    )
    return client, who


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
