"""Users (admin): add a user, disable and enable, reset a password, delete; each asks first and says what it did."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Page, expect

from ghee.core.tokens import create_token
from ghee.core.users import find_user
from ghee.db.database import opened
from tests.support.browser import PHONE, Credentials, add_user, session_client, shoot, sign_in, signed_in_client
from tests.support.servers import Server
from tests.support.services import run_async

PASSWORD = "a long enough password"  # noqa: S105 (a test user's password)


def new_user(server: Server, *, is_admin: bool = False) -> Credentials:
    return add_user(server, f"a0-person-{uuid.uuid4().hex[:8]}@example.com", PASSWORD, is_admin=is_admin)


def token_of(server: Server, who: Credentials) -> str:
    """A read token made on ``who``'s behalf, straight in the server's database."""

    async def run() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            user = await find_user(work, who.email)
            assert user is not None
            return (await create_token(work, name="their ci", scope="read", user_id=user.id))[1]

    return run_async(run)


def api_status(server: Server, secret: str) -> int:
    response = httpx.get(server.base_url + "/v1/projects", headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    return response.status_code


def their_page_status(client: httpx.Client) -> int:
    return client.get("/profile/tokens").status_code


def test_an_added_users_generated_password_is_shown_once_and_signs_in(signed_in_page: Page) -> None:
    page = signed_in_page
    email = f"a0-new-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_role("link", name="Users").click()
    expect(page).to_have_url(re.compile(r"/users$"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Name").fill("New Person")
    page.get_by_role("button", name="Add user").click()

    expect(page.get_by_role("status")).to_contain_text(f"User {email} added")
    password = page.get_by_label("Password", exact=True).input_value()
    assert len(password) >= 20
    assert password not in page.url
    row = page.locator("tr", has_text=email)
    expect(row).to_contain_text("New Person")
    expect(row).to_contain_text("active")
    shoot(page, "users")

    page.reload()  # shown once
    assert password not in page.content()
    assert not [c for c in page.context.cookies() if c["name"] == "ghee_flash"]
    expect(page.locator("tr", has_text=email)).to_have_count(1)

    page.context.clear_cookies()
    sign_in(page, Credentials(email, password), "/profile/tokens")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)  # not an admin


def test_a_typed_password_and_admin_are_kept_and_a_taken_email_is_refused(signed_in_page: Page) -> None:
    page = signed_in_page
    email = f"a0-typed-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/users")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password (optional").fill("typed by the admin")
    page.get_by_role("checkbox", name="Admin", exact=True).check()
    page.get_by_role("button", name="Add user").click()
    assert page.get_by_label("Password", exact=True).input_value() == "typed by the admin"
    expect(page.locator("tr", has_text=email)).to_contain_text("admin")

    page.get_by_label("E-mail").fill(email.upper())
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("alert")).to_contain_text("already exists")


def test_disabling_asks_first_and_refuses_sign_in_sessions_and_tokens_until_enabled(
    signed_in_page: Page, dash_server: Server
) -> None:
    page = signed_in_page
    who = new_user(dash_server)
    secret = token_of(dash_server, who)
    their_session, _ = signed_in_client(dash_server, is_admin=False, who=who)
    assert their_page_status(their_session) == 200

    page.goto("/users")
    page.get_by_role("link", name=f"Disable {who.email}").click()
    expect(page.get_by_role("heading", name=f"Disable {who.email}?")).to_be_visible()
    assert api_status(dash_server, secret) == 200  # asking changes nothing
    page.get_by_role("button", name="Disable user").click()
    expect(page.get_by_role("status")).to_contain_text(f"{who.email} disabled")
    expect(page.locator("tr", has_text=who.email)).to_contain_text("disabled")

    assert their_page_status(their_session) in {302, 303}  # sent to sign in
    their_session.close()
    assert api_status(dash_server, secret) == 401

    page.get_by_role("button", name=f"Enable {who.email}").click()
    expect(page.get_by_role("status")).to_contain_text(f"{who.email} enabled")
    assert api_status(dash_server, secret) == 200
    page.context.clear_cookies()
    sign_in(page, who, "/profile/tokens")


def test_a_disabled_user_cannot_sign_in(signed_in_page: Page, dash_server: Server) -> None:
    page = signed_in_page
    who = new_user(dash_server)
    page.goto("/users")
    page.get_by_role("link", name=f"Disable {who.email}").click()
    page.get_by_role("button", name="Disable user").click()
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("E-mail").fill(who.email)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))


def test_deleting_a_user_says_their_tokens_go_and_refuses_them(signed_in_page: Page, dash_server: Server) -> None:
    page = signed_in_page
    who = new_user(dash_server)
    secret = token_of(dash_server, who)
    page.goto("/users")
    page.get_by_role("link", name=f"Delete {who.email}").click()
    expect(page.get_by_role("heading", name=f"Delete {who.email}?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("access tokens are revoked and deleted with them")
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("tr", has_text=who.email)).to_have_count(1)
    assert api_status(dash_server, secret) == 200

    page.get_by_role("link", name=f"Delete {who.email}").click()
    page.get_by_role("button", name="Delete user").click()
    expect(page.get_by_role("status")).to_contain_text(f"{who.email} deleted")
    expect(page.locator("tr", has_text=who.email)).to_have_count(0)
    assert api_status(dash_server, secret) == 401


def test_a_reset_password_is_shown_once_and_ends_their_sessions(signed_in_page: Page, dash_server: Server) -> None:
    page = signed_in_page
    who = new_user(dash_server)
    their_session, _ = signed_in_client(dash_server, is_admin=False, who=who)
    page.goto("/users")
    page.get_by_role("link", name=f"Reset the password of {who.email}").click()
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_role("status")).to_contain_text(f"{who.email} has a new password")
    password = page.get_by_label("Password", exact=True).input_value()
    assert password != who.password
    assert password not in page.url
    assert their_page_status(their_session) in {302, 303}
    their_session.close()
    page.reload()
    assert password not in page.content()
    page.context.clear_cookies()
    sign_in(page, Credentials(who.email, password), "/profile/tokens")


def test_an_admin_cannot_disable_delete_or_reset_themselves(signed_in_page: Page, dash_server: Server) -> None:
    page = signed_in_page
    page.goto("/users")
    own = page.locator("tr").filter(has=page.get_by_role("rowheader", name="admin@example.com", exact=True))
    expect(own).to_contain_text("you")
    expect(own.get_by_role("link")).to_have_count(0)
    own_id = own.get_attribute("data-user")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    with session_client(page, dash_server) as client:
        for action, said in [("disable", "disable"), ("delete", "delete"), ("reset-password", "reset the password of")]:
            refused = client.post(f"/users/{own_id}/{action}", data={"_csrf": csrf})
            assert refused.status_code == 409, action
            assert f"You cannot {said} your own account." in refused.text
    page.goto("/users")
    expect(own).to_contain_text("active")


def test_users_pages_are_for_admins_only(page: Page, dash_server: Server) -> None:
    someone = new_user(dash_server)
    target = new_user(dash_server)
    sign_in(page, someone, "/profile/tokens")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    with session_client(page, dash_server) as client:
        assert client.get("/users").status_code == 403
        form = {"_csrf": csrf, "email": "sneaky@example.com", "password": PASSWORD, "is_admin": "1"}
        assert client.post("/users", data=form).status_code == 403
        target_id = "user_0000000000"
        for action in ("disable", "delete", "reset-password"):
            assert client.get(f"/users/{target_id}/{action}").status_code == 403, action
        for action in ("disable", "enable", "delete", "reset-password"):
            assert client.post(f"/users/{target_id}/{action}", data={"_csrf": csrf}).status_code == 403, action
    assert run_async(lambda: _exists(dash_server, "sneaky@example.com")) is False
    assert run_async(lambda: _exists(dash_server, target.email)) is True


async def _exists(server: Server, email: str) -> bool:
    async with opened(server.database_url) as db:
        return await find_user(db.read(), email) is not None


def test_the_users_page_fits_a_phone_and_its_actions_are_reachable(signed_in_page: Page, dash_server: Server) -> None:
    page = signed_in_page
    who = new_user(dash_server)
    page.set_viewport_size(PHONE)
    page.goto("/users")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    delete = page.get_by_role("link", name=f"Delete {who.email}")
    delete.scroll_into_view_if_needed()
    expect(delete).to_be_in_viewport()
    delete.click()
    expect(page.get_by_role("heading", name=f"Delete {who.email}?")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Delete user").click()
    expect(page.get_by_role("status")).to_contain_text(f"{who.email} deleted")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
