"""A laptop-width page with a long unbroken value (a token name, a job, a URL): the row wraps, its actions stay in view.

A browser does not break a word without spaces, so without help such a
value makes its cell as wide as the word and pushes the row's last cell (its
actions) past the right edge of the table's scroll box and of the screen.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Locator, Page, expect

from ghee.core.tokens import create_token
from ghee.core.users import find_user
from ghee.db.database import opened
from tests.support.browser import DESKTOP, Credentials
from tests.support.servers import Server
from tests.support.services import run_async

LONG_NAME = f"nightly-{uuid.uuid4().hex[:8]}-" + "unbroken" * 22
"""A token name as long as one may be (200 characters), without a space: 1,500 px and more in one word."""


def _token_of(server: Server, owner: Credentials, name: str) -> str:
    """A read token of ``owner`` named ``name``, made in the server's database: its public id."""

    async def made() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            user = await find_user(work, owner.email)
            assert user is not None
            token, _ = await create_token(work, name=name, scope="read", user_id=user.id)
            return token.public_id

    return run_async(made)


def _fully_in_view(page: Page, action: Locator) -> None:
    """``action`` whole inside the screen and inside its table's scroll box, which has nothing to scroll."""
    expect(action).to_be_visible()
    box = action.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= DESKTOP["width"], box
    scroller = action.locator("xpath=ancestor::div[contains(@class, 'table-scroll')]")
    frame = scroller.bounding_box()
    assert frame is not None
    assert box["x"] + box["width"] <= frame["x"] + frame["width"], (box, frame)
    assert scroller.evaluate("box => box.scrollWidth <= box.clientWidth"), "the table scrolls sideways"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


def test_a_long_unbroken_token_name_leaves_the_revoke_button_in_view(
    signed_in_page: Page, dash_server: Server, admin: Credentials
) -> None:
    token_id = _token_of(dash_server, admin, LONG_NAME)
    page = signed_in_page
    assert page.viewport_size == DESKTOP

    page.goto("/profile/tokens")
    row = page.locator(f'tr[data-token="{token_id}"]')
    expect(row).to_contain_text(LONG_NAME[:40])
    _fully_in_view(page, row.get_by_role("link", name=f"Revoke {LONG_NAME}"))

    page.goto("/tokens")  # every token, the admin's list: the name is the row's header cell
    row = page.locator(f'tr[data-token="{token_id}"]')
    _fully_in_view(page, row.get_by_role("link", name=f"Revoke {LONG_NAME}", exact=False))
