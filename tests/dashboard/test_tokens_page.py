"""My Profile → Access tokens: create a token in the browser, use it on the API, revoke it."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from ghee.clock import utcnow
from ghee.core.projects import Project, create_project
from ghee.db.database import opened
from ghee.db.tables import tokens
from tests.support.browser import add_user, session_client, shoot, sign_in
from tests.support.servers import Server
from tests.support.services import run_async


def api_status(server: Server, secret: str) -> int:
    response = httpx.get(server.base_url + "/v1/projects", headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    return response.status_code


def test_token_made_in_the_browser_works_on_the_api_until_revoked(signed_in_page: Page, dash_server: Server) -> None:
    page = signed_in_page
    page.get_by_role("link", name="Profile").click()
    expect(page).to_have_url(re.compile(r"/profile/tokens$"))
    page.get_by_label("Name").fill("build agent")
    page.get_by_label("Scope").select_option("write")
    page.get_by_role("button", name="Create token").click()

    secret = page.get_by_label("Token secret").input_value()
    assert secret.startswith("ghee_")
    row = page.locator("tr", has_text="build agent")
    expect(row).to_contain_text(secret[:12])
    expect(row).to_contain_text("write")
    shoot(page, "profile-tokens")
    assert api_status(dash_server, secret) == 200

    page.goto("/profile/tokens")  # shown once: not on the next visit
    assert secret not in page.content()
    expect(page.locator("tr", has_text="build agent")).not_to_contain_text("never")  # used just now

    page.get_by_role("link", name="Revoke build agent").click()  # asks first, changes nothing yet
    expect(page.get_by_role("heading", name="Revoke the token “build agent”?")).to_be_visible()
    assert api_status(dash_server, secret) == 200
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("tr", has_text="build agent")).not_to_contain_text("revoked")

    page.get_by_role("link", name="Revoke build agent").click()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_role("status")).to_contain_text("Token “build agent” revoked")
    expect(page.locator("tr", has_text="build agent")).to_contain_text("revoked")
    assert api_status(dash_server, secret) == 401


def test_reloading_after_making_a_token_neither_makes_another_nor_shows_the_secret(signed_in_page: Page) -> None:
    page = signed_in_page
    page.goto("/profile/tokens")
    page.get_by_label("Name").fill("reload check")
    page.get_by_role("button", name="Create token").click()
    expect(page).to_have_url(re.compile(r"/profile/tokens$"))  # redirected: the page is a GET
    secret = page.get_by_label("Token secret").input_value()
    assert secret.startswith("ghee_")

    page.reload()
    expect(page.locator("tr", has_text="reload check")).to_have_count(1)
    expect(page.get_by_label("Token secret")).to_have_count(0)
    assert secret not in page.content()
    assert not [c for c in page.context.cookies() if c["name"] == "ghee_flash"]


def test_a_blank_name_is_refused_inline(signed_in_page: Page) -> None:
    page = signed_in_page
    page.goto("/profile/tokens")
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("alert")).to_contain_text("name must not be blank")


def test_a_non_admin_cannot_make_an_admin_token(page: Page, dash_server: Server) -> None:
    who = add_user(dash_server, "artist@example.com", "paint it black, twice", is_admin=False)
    sign_in(page, who, "/profile/tokens")
    assert page.get_by_label("Scope").locator("option").all_inner_texts() == ["read", "write"]
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    with session_client(page, dash_server) as client:
        forced = client.post("/profile/tokens", data={"name": "sneaky", "scope": "admin", "_csrf": csrf})
    assert forced.status_code == 400
    assert "Scope must be one of read, write." in forced.text
    page.reload()
    expect(page.locator("tbody")).to_have_count(0)


def test_a_user_cannot_revoke_someone_elses_token(page: Page, dash_server: Server) -> None:
    owner = add_user(dash_server, "owner@example.com", "owner's long password", is_admin=False)
    other = add_user(dash_server, "other@example.com", "other's long password", is_admin=False)
    sign_in(page, owner, "/profile/tokens")
    page.get_by_label("Name").fill("mine")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Token secret").input_value()
    token_id = page.locator("tr", has_text="mine").get_attribute("data-token")
    page.context.clear_cookies()
    sign_in(page, other, "/profile/tokens")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    with session_client(page, dash_server) as client:
        refused = client.post(f"/profile/tokens/{token_id}/revoke", data={"_csrf": csrf})
        not_asked = client.get(f"/profile/tokens/{token_id}/revoke")
    assert refused.status_code == 404
    assert not_asked.status_code == 404
    assert "mine" not in not_asked.text
    assert api_status(dash_server, secret) == 200


def test_a_captured_flash_cookie_shows_nothing_in_another_session(page: Page, dash_server: Server) -> None:
    owner = add_user(dash_server, "flash-owner@example.com", "owner's long password", is_admin=False)
    other = add_user(dash_server, "flash-other@example.com", "other's long password", is_admin=False)
    sign_in(page, owner, "/profile/tokens")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    with session_client(page, dash_server) as client:
        made = client.post("/profile/tokens", data={"name": "captured", "scope": "read", "_csrf": csrf})
    assert made.status_code == 303
    assert made.headers["location"] == "/profile/tokens"
    flash = made.cookies["ghee_flash"]
    assert "ghee_" not in flash  # sealed, not the secret in clear

    page.context.clear_cookies()
    sign_in(page, other, "/profile/tokens")
    with session_client(page, dash_server) as client:
        client.cookies.set("ghee_flash", flash)
        shown = client.get("/profile/tokens")
    assert shown.status_code == 200
    assert 'id="new-secret"' not in shown.text
    assert "captured" not in shown.text


def two_projects(server: Server) -> tuple[Project, Project]:
    suffix = uuid.uuid4().hex[:8]

    async def run() -> tuple[Project, Project]:
        async with opened(server.database_url) as db, db.write() as work:
            return (
                await create_project(work, f"Bound {suffix}", "godot"),
                await create_project(work, f"Other {suffix}", "unity"),
            )

    return run_async(run)


def make_token(page: Page, name: str, *, project: str = "", expires: str = "") -> str:
    page.goto("/profile/tokens")
    page.get_by_label("Name").fill(name)
    if project:
        page.get_by_label("Project").select_option(label=project)
    if expires:
        page.get_by_label("Expires").select_option(label=expires)
    page.get_by_role("button", name="Create token").click()
    return page.get_by_label("Token secret").input_value()


def test_a_token_bound_to_a_project_and_an_expiry_says_so_and_reaches_only_that_project(
    signed_in_page: Page, dash_server: Server
) -> None:
    bound, other = two_projects(dash_server)
    page = signed_in_page
    secret = make_token(page, "bound agent", project=bound.name, expires="in 7 days")
    row = page.locator("tr", has_text="bound agent")
    expect(row).to_contain_text(bound.name)
    week = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%d")
    expect(row).to_contain_text(week)
    expect(row).not_to_contain_text("expired")

    bearer = {"Authorization": f"Bearer {secret}"}
    listed = httpx.get(dash_server.base_url + "/v1/projects", headers=bearer, timeout=30)
    assert [p["id"] for p in listed.json()["projects"]] == [bound.public_id]
    elsewhere = httpx.get(f"{dash_server.base_url}/v1/projects/{other.public_id}", headers=bearer, timeout=30)
    assert elsewhere.status_code == 404


def test_an_expired_token_answers_401_invalid_authorization_token(signed_in_page: Page, dash_server: Server) -> None:
    page = signed_in_page
    secret = make_token(page, f"soon gone {uuid.uuid4().hex[:6]}", expires="in 30 days")
    assert api_status(dash_server, secret) == 200

    async def expire() -> None:
        async with opened(dash_server.database_url) as db, db.write() as work:
            past = utcnow() - timedelta(minutes=1)
            await work.execute(sa.update(tokens).where(tokens.c.prefix == secret[:12]).values(expires_at=past))

    run_async(expire)
    bearer = {"Authorization": f"Bearer {secret}"}
    refused = httpx.get(dash_server.base_url + "/v1/projects", headers=bearer, timeout=30)
    assert refused.status_code == 401
    assert "Invalid authorization token" in refused.text
    assert secret not in refused.text
    page.goto("/profile/tokens")
    expect(page.locator("tr", has_text="soon gone")).to_contain_text("expired")
