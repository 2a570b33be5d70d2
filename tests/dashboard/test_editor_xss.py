"""Issue 15: HTML a ``write`` token stores in a post never runs in the editor of a signed-in user.

The API stores bodies cleaned; the editor also refuses to inject what it was
given as HTML (a row written before the fix, or by anything that skipped
core), and the page's Content-Security-Policy blocks inline handlers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Response, expect

from ghee.clock import utcnow
from ghee.db.engine import create_engine
from ghee.db.tables import blog_posts
from tests.support.api import Api
from tests.support.blog import new_post, unique
from tests.support.servers import Server
from tests.support.services import run_async

PAYLOAD = '<p>Hello</p><img src=x onerror="window.__xss=1"><svg onload="window.__xss=1"></svg>'


@pytest.fixture
def api(dash_server: Server) -> Iterator[Api]:
    """An admin token's API client on the dashboard's server."""
    client = Api(dash_server, dash_server.token("admin"))
    yield client
    client.http.close()


@pytest.fixture
def writer(dash_server: Server) -> Iterator[Api]:
    """A ``write`` token's API client: what the attacker of issue 15 held."""
    client = Api(dash_server, dash_server.token("write"))
    yield client
    client.http.close()


def _store_raw(server: Server, slug: str, body: str) -> None:
    """A post written straight into the database, past core's cleaning (as rows written before the fix were)."""

    async def run() -> None:
        engine = create_engine(server.database_url)
        try:
            async with engine.begin() as conn:
                now = utcnow()
                await conn.execute(
                    blog_posts.insert().values(
                        slug=slug,
                        status="draft",
                        title="Stored before the fix",
                        body=body,
                        summary="",
                        seo_title="",
                        meta_description="",
                        created_at=now,
                        updated_at=now,
                    )
                )
        finally:
            await engine.dispose()

    run_async(run)


def _open_editor(page: Page, slug: str) -> Response:
    response = page.goto(f"/content/posts/{slug}/edit")
    assert response is not None
    expect(page.get_by_role("textbox", name="Body")).to_contain_text("Hello")
    page.wait_for_load_state("networkidle")  # the broken image has failed to load by now
    return response


def _assert_nothing_ran(page: Page, response: Response) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy
    assert "object-src 'none'" in policy


def test_a_payload_stored_through_the_api_does_not_run_in_the_editor(
    signed_in_page: Page, writer: Api, api: Api
) -> None:
    slug = new_post(writer, body=PAYLOAD, status="draft")
    page = signed_in_page
    response = _open_editor(page, slug)
    _assert_nothing_ran(page, response)
    stored = api.ok("GET", f"/v2/posts/{slug}/", params={"preview": 1})["data"]["body"]
    assert "onerror" not in stored
    assert "onload" not in stored


def test_a_payload_stored_before_the_fix_does_not_run_in_the_editor(signed_in_page: Page, dash_server: Server) -> None:
    slug = unique("legacy")
    _store_raw(dash_server, slug, PAYLOAD)
    page = signed_in_page
    response = _open_editor(page, slug)
    _assert_nothing_ran(page, response)
    box = page.get_by_role("textbox", name="Body")
    assert box.locator("[onerror], [onload], svg, script").count() == 0


def test_the_editor_keeps_a_post_formatting_and_saves_what_is_typed(signed_in_page: Page, api: Api) -> None:
    slug = new_post(api, body='<p>Old <strong>bold</strong> <a href="https://example.com/">link</a></p>')
    page = signed_in_page
    page.goto(f"/content/posts/{slug}/edit")
    body = page.get_by_role("textbox", name="Body")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator('a[href="https://example.com/"]')).to_have_text("link")
    body.click()
    page.keyboard.press("End")
    page.keyboard.press("Control+End")
    body.press_sequentially(" and more")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_contain_text("Published.")
    stored = api.ok("GET", f"/v2/posts/{slug}/")["data"]["body"]
    assert "<strong>bold</strong>" in stored
    assert 'href="https://example.com/"' in stored
    assert "and more" in stored
    expect(page.get_by_role("textbox", name="Body")).to_contain_text("and more")
