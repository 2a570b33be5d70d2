"""Changing one's password in the dashboard: the current one first, every session ends, tokens revoked if asked."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import Page, expect

from ghee.core.tokens import create_token
from ghee.core.users import find_user
from ghee.db.database import opened
from tests.support.browser import add_user, sign_in
from tests.support.servers import Server
from tests.support.services import run_async


def _token_of(server: Server, email: str) -> str:
    async def run() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            user = await find_user(work, email)
            assert user is not None
            return (await create_token(work, name="laptop", scope="read", user_id=user.id))[1]

    return run_async(run)


def _works(server: Server, token: str) -> bool:
    return httpx.get(f"{server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_user_changes_their_password_and_revokes_their_tokens(page: Page, dash_server: Server) -> None:
    who = add_user(dash_server, f"pw-{uuid.uuid4().hex[:8]}@example.com", "the old password", is_admin=False)
    token = _token_of(dash_server, who.email)
    sign_in(page, who, "/profile/tokens")
    page.get_by_role("link", name="Change your password").click()

    def change(current: str, new: str, confirm: str, *, revoke: bool = False) -> None:
        page.get_by_label("Current password").fill(current)
        page.get_by_label("New password", exact=True).fill(new)
        page.get_by_label("New password again").fill(confirm)
        if revoke:
            page.get_by_label("Also revoke all my access tokens").check()
        page.get_by_role("button", name="Change password").click()

    change("not my password", "a brand new password", "a brand new password")
    expect(page.get_by_role("alert")).to_have_text("The current password is not right.")
    change("the old password", "a brand new password", "a different one")
    expect(page.get_by_role("alert")).to_contain_text("differ")
    assert _works(dash_server, token)

    change("the old password", "a brand new password", "a brand new password", revoke=True)
    expect(page.get_by_role("status")).to_contain_text("1 token(s) revoked")
    assert not _works(dash_server, token)
    # This session ended with the others: the profile asks for a sign-in, which the new password passes.
    page.goto("/profile/tokens")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to ghee")
    page.get_by_label("E-mail").fill(who.email)
    page.get_by_label("Password").fill("a brand new password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access tokens")
