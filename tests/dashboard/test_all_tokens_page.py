"""Access tokens (admin): every token, whoever made it, with its owner, project and expiry; revoke any."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from playwright.sync_api import Page, expect

from ghee.clock import utcnow
from ghee.core.projects import create_project
from ghee.core.tokens import create_token
from ghee.core.users import find_user
from ghee.db.database import opened
from ghee.db.tables import tokens
from tests.support.browser import PHONE, add_user, session_client, shoot, sign_in
from tests.support.servers import Server
from tests.support.services import run_async


def api_status(server: Server, secret: str) -> int:
    response = httpx.get(server.base_url + "/v1/projects", headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    return response.status_code


def make_tokens(server: Server, suffix: str) -> dict[str, str]:
    """A CLI token bound to a project, a user's token, and an expired one; their secrets by name."""

    async def run() -> dict[str, str]:
        async with opened(server.database_url) as db, db.write() as work:
            project = await create_project(work, f"Tokens {suffix}", "godot")
            owner = await find_user(work, "admin@example.com")
            assert owner is not None
            _, cli = await create_token(work, name=f"cli-{suffix}", scope="write", project_id=project.id)
            _, mine = await create_token(work, name=f"mine-{suffix}", scope="read", user_id=owner.id)
            old, stale = await create_token(
                work, name=f"old-{suffix}", scope="read", expires_at=utcnow() + timedelta(days=1)
            )
            past = utcnow() - timedelta(days=1)
            await work.execute(tokens.update().where(tokens.c.id == old.id).values(expires_at=past))
            return {"cli": cli, "mine": mine, "old": stale}

    return run_async(run)


def test_an_admin_sees_every_token_and_revokes_any(signed_in_page: Page, dash_server: Server) -> None:
    suffix = uuid.uuid4().hex[:8]
    secrets = make_tokens(dash_server, suffix)
    page = signed_in_page
    page.goto("/users")
    page.get_by_role("link", name="Every access token").click()

    cli = page.locator("tr", has_text=f"cli-{suffix}")
    expect(cli).to_contain_text("CLI")
    expect(cli).to_contain_text("write")
    expect(cli).to_contain_text(f"Tokens {suffix}")
    expect(cli).to_contain_text("no expiry")
    mine = page.locator("tr", has_text=f"mine-{suffix}")
    expect(mine).to_contain_text("admin@example.com")
    expect(mine).to_contain_text("all")  # every project
    expect(page.locator("tr", has_text=f"old-{suffix}")).to_contain_text("expired")
    shoot(page, "tokens")
    assert api_status(dash_server, secrets["cli"]) == 200

    page.get_by_role("link", name=f"Revoke cli-{suffix}").click()
    expect(page.get_by_role("heading", name=f"Revoke the token “cli-{suffix}”")).to_be_visible()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_role("status")).to_contain_text(f"Token “cli-{suffix}” revoked")
    expect(page.locator("tr", has_text=f"cli-{suffix}")).to_contain_text("revoked")
    assert api_status(dash_server, secrets["cli"]) == 401
    assert api_status(dash_server, secrets["mine"]) == 200

    page.set_viewport_size(PHONE)  # fits a phone; the table scrolls within its card
    page.goto("/tokens")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    revoke = page.get_by_role("link", name=f"Revoke mine-{suffix}")
    revoke.scroll_into_view_if_needed()
    expect(revoke).to_be_in_viewport()


def test_the_tokens_page_is_for_admins_only(page: Page, dash_server: Server) -> None:
    secrets = make_tokens(dash_server, uuid.uuid4().hex[:8])
    email = f"a0-tok-{uuid.uuid4().hex[:8]}@example.com"
    someone = add_user(dash_server, email, "a long enough password", is_admin=False)
    sign_in(page, someone, "/profile/tokens")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    with session_client(page, dash_server) as client:
        assert client.get("/tokens").status_code == 403
        assert client.get("/tokens/tok_00000000/revoke").status_code == 403
        assert client.post("/tokens/tok_00000000/revoke", data={"_csrf": csrf}).status_code == 403
    assert api_status(dash_server, secrets["cli"]) == 200
