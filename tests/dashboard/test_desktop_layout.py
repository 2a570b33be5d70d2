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
from tests.support.api import Api
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


def test_a_short_word_in_a_narrow_card_stays_whole(signed_in_page: Page, dash_server: Server) -> None:
    """A cell may break a long word, not a short one: a build's ``#12`` in an overview card keeps to one line."""
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name=f"Narrow {uuid.uuid4().hex[:6]}", engine="unreal")
    build = api.finished_build(project["id"], "success")
    api.http.close()

    page = signed_in_page
    page.goto("/")
    number = page.get_by_role("region", name=project["name"]).get_by_role(
        "link", name=f"{project['name']} build {build['number']}"
    )
    badge = page.get_by_role("region", name=project["name"]).locator(".status").first
    expect(number).to_be_visible()
    lines = number.evaluate("link => link.getClientRects().length")
    assert lines == 1, f"#{build['number']} is broken over {lines} lines"
    assert badge.evaluate("badge => badge.getClientRects().length") == 1
