"""Signing in and out, redirects to the sign-in form, CSRF refusals."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import PHONE, Credentials, add_user, session_client, shoot
from tests.support.servers import Server, serve_fresh


def test_wrong_password_shows_an_error_and_keeps_the_email(page: Page, admin: Credentials) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    expect(page.get_by_label("E-mail")).to_have_value(admin.email)
    shoot(page, "sign-in-error")


def test_a_page_sends_a_visitor_to_sign_in_and_back(page: Page, admin: Credentials) -> None:
    page.goto("/profile/tokens")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fprofile%2Ftokens$"))
    shoot(page, "sign-in")
    page.get_by_label("E-mail").fill(admin.email.upper())  # e-mails are matched without case
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/profile/tokens$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access tokens")


def test_sign_out_ends_the_session(signed_in_page: Page) -> None:
    page = signed_in_page
    cookie = next(c for c in page.context.cookies() if c["name"] == "ghee_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))


def test_next_must_be_a_path_on_this_site(page: Page, admin: Credentials) -> None:
    page.goto("/login?next=//evil.example/steal")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    assert page.url == page.context.pages[0].url
    assert "evil.example" not in page.url


def test_nav_shows_only_pages_that_exist(signed_in_page: Page, dash_server: Server) -> None:
    # Every page module registers its entry (ghee.dashboard.PAGES); each link must open a page.
    import ghee.dashboard  # noqa: F401, PLC0415 (registers the navigation of every page)
    from ghee.dashboard.nav import NAV  # noqa: PLC0415

    nav = signed_in_page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == [item.label for item in NAV]
    assert "Overview" in [item.label for item in NAV]
    with session_client(signed_in_page, dash_server) as client:
        for item in NAV:
            assert client.get(item.href, follow_redirects=True).status_code == 200, item.href


def test_post_without_csrf_token_is_refused(signed_in_page: Page, dash_server: Server) -> None:
    with session_client(signed_in_page, dash_server) as client:
        missing = client.post("/profile/tokens", data={"name": "forged", "scope": "read"})
        wrong = client.post("/profile/tokens", data={"name": "forged", "scope": "read", "_csrf": "guess"})
        header_wrong = client.post("/logout", headers={"X-CSRF-Token": "guess"})
        still_in = client.get("/profile/tokens")
    for refused in (missing, wrong, header_wrong):
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "security token" in refused.text
    assert still_in.status_code == 200
    assert "forged" not in still_in.text


def test_sign_in_form_without_its_csrf_cookie_is_refused(dash_server: Server, admin: Credentials) -> None:
    with httpx.Client(base_url=dash_server.base_url, timeout=30) as client:
        response = client.post("/login", data={"email": admin.email, "password": admin.password, "_csrf": "x"})
    assert response.status_code == 403
    assert "ghee_session" not in response.cookies


def test_api_routes_ignore_dashboard_sessions(signed_in_page: Page, dash_server: Server) -> None:
    with session_client(signed_in_page, dash_server) as client:
        response = client.get("/v1/projects")
    assert response.status_code == 401  # a session cookie is not an API credential


def test_overview_on_a_phone(signed_in_page: Page) -> None:
    signed_in_page.set_viewport_size(PHONE)
    signed_in_page.reload()
    expect(signed_in_page.get_by_role("heading", name="Overview")).to_be_visible()
    width = signed_in_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing sticks out sideways
    shoot(signed_in_page, "overview-phone")


def test_skip_link_is_first_and_focus_is_visible(page: Page) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


@pytest.fixture(scope="module")
def strict_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server allowing three sign-in attempts a day per address and e-mail.

    A day, not a minute: the sliding-window counter weighs the previous window's count down (and
    rounds it down), so attempts on both sides of a window's end may let one more through; over a
    minute that happened in one run out of six. Its e-mails are new each run, since Redis keeps the
    counts between runs.
    """
    yield from serve_fresh(backend, tmp_path_factory, "signin-limit", GHEE_LOGIN_RATE_LIMIT="3/day")


def _submit(page: Page, email: str, password: str) -> int:
    """Sign in through the form and wait for the server's answer; returns its status.

    Waiting for the response, not for an alert, matters: the previous attempt's alert is still
    on the page while the next one is in flight, and a click made before it is answered would
    cancel it.
    """
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as answer:
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return answer.value.status


def test_sign_in_attempts_are_rate_limited_per_address_and_email(page: Page, strict_server: Server) -> None:
    run = uuid.uuid4().hex[:8]
    who = add_user(strict_server, f"limited-{run}@example.com", "the right password", is_admin=False)
    page.goto(strict_server.base_url + "/login")
    for _ in range(3):
        assert _submit(page, who.email, "a wrong password") == 400
        expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    assert _submit(page, who.email, who.password) == 429
    expect(page.get_by_role("alert")).to_contain_text("Too many sign-in attempts")
    assert _submit(page, f"someone.else-{run}@example.com", "a wrong password") == 400  # its own budget
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")


@pytest.fixture(scope="module")
def busy_address_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server allowing five sign-in attempts a day per client address, a hundred per address and e-mail."""
    yield from serve_fresh(
        backend,
        tmp_path_factory,
        "signin-address-limit",
        GHEE_LOGIN_RATE_LIMIT="100/day",
        GHEE_LOGIN_CLIENT_RATE_LIMIT="5/day",
    )


def test_one_address_trying_many_e_mails_is_limited_too(page: Page, busy_address_server: Server) -> None:
    run = uuid.uuid4().hex[:8]
    page.goto(busy_address_server.base_url + "/login")
    for n in range(5):
        assert _submit(page, f"guess-{n}-{run}@example.com", "a wrong password") == 400
    assert _submit(page, f"guess-5-{run}@example.com", "a wrong password") == 429
    expect(page.get_by_role("alert")).to_contain_text("Too many sign-in attempts")


@pytest.fixture(scope="module")
def tls_proxied_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server told that TLS ends at a proxy in front of it (``GHEE_SECURE_COOKIES=1``)."""
    yield from serve_fresh(backend, tmp_path_factory, "secure-cookies", GHEE_SECURE_COOKIES="1")


def test_cookies_are_secure_behind_a_tls_proxy(tls_proxied_server: Server) -> None:
    who = add_user(tls_proxied_server, "secure@example.com", "a password for https", is_admin=False)
    with httpx.Client(base_url=tls_proxied_server.base_url, timeout=30) as client:
        form = client.get("/login")
        assert "secure" in form.headers["set-cookie"].lower()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        signed_in = client.post(
            "/login",
            data={"email": who.email, "password": who.password, "_csrf": csrf.group(1)},
            headers={"cookie": f"ghee_signin_csrf={csrf.group(1)}"},
        )
    assert signed_in.status_code == 303
    session_cookie = signed_in.headers["set-cookie"]
    assert session_cookie.startswith("ghee_session=")
    assert re.search(r";\s*secure", session_cookie, re.IGNORECASE)
    assert re.search(r";\s*httponly", session_cookie, re.IGNORECASE)
    assert re.search(r";\s*samesite=lax", session_cookie, re.IGNORECASE)


def test_ghee_fetch_sends_the_csrf_header_plain_fetch_does_not(signed_in_page: Page) -> None:
    page = signed_in_page
    plain = page.evaluate("async () => (await fetch('/logout', {method: 'POST'})).status")
    assert plain == 403
    page.goto("/")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()  # still signed in
    with_header = page.evaluate("async () => (await ghee.fetch('/logout', {method: 'POST'})).url")
    assert with_header.endswith("/login")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
