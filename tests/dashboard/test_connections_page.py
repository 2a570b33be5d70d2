"""The connections page: Jenkins refuses a wrong token (shown inline, nothing saved), a right one connects; delete."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.support.accessibility import assert_accessible
from tests.support.api import Api
from tests.support.browser import PHONE, add_user, session_client, shoot, sign_in
from tests.support.fake_jenkins import FakeJenkins
from tests.support.servers import Server


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    """The fake Jenkins of the integration tests, on a real local socket."""
    fake = FakeJenkins().start()
    yield fake
    fake.stop()


def _fill(page: Page, name: str, url: str, user: str, token: str) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("Jenkins URL").fill(url)
    page.get_by_label("User", exact=True).fill(user)
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Check and add").click()


def test_add_connection_wrong_then_right_token(signed_in_page: Page, dash_server: Server, jenkins: FakeJenkins) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    page = signed_in_page
    page.get_by_role("link", name="Connections").click()
    expect(page.locator("h1")).to_have_text("Connections")
    before = api.ok("GET", "/api/v1/connections")["meta"]["total"]

    # A wrong token: Jenkins answers 401, the form says so next to the field, and nothing is stored.
    _fill(page, "Studio Jenkins", jenkins.url, jenkins.user, "not-the-token")
    expect(page.get_by_role("alert")).to_contain_text("rejected the user name or API token (HTTP 401")
    token_field = page.get_by_label("API token")
    expect(token_field).to_have_attribute("aria-invalid", "true")
    expect(token_field).to_have_value("")  # a token is never sent back
    expect(page.get_by_label("Name")).to_have_value("Studio Jenkins")
    assert api.ok("GET", "/api/v1/connections")["meta"]["total"] == before
    assert_accessible(page)
    shoot(page, "connections-error")

    # A URL that is not http(s) is refused before anything is asked.
    _fill(page, "Studio Jenkins", "ftp://jenkins.example.com/", jenkins.user, jenkins.token)
    expect(page.get_by_role("alert")).to_contain_text("Jenkins URL: must be an absolute http:// or https:// URL")

    # The right token connects; the list shows it with its sync status.
    _fill(page, "Studio Jenkins", jenkins.url, jenkins.user, jenkins.token)
    expect(page.get_by_role("status")).to_contain_text("Connected Studio Jenkins")
    row = page.locator("tr", has_text="Studio Jenkins")
    expect(row).to_contain_text(jenkins.url)
    expect(row.locator(".status")).to_have_text(re.compile("^(new|ok)$"))
    listed = api.ok("GET", "/api/v1/connections")["data"]
    [made] = [c for c in listed if c["name"] == "Studio Jenkins"]
    assert made["url"] == jenkins.url
    assert_accessible(page)
    shoot(page, "connections")

    # The same name again is refused inline.
    _fill(page, "Studio Jenkins", jenkins.url, jenkins.user, jenkins.token)
    expect(page.get_by_role("alert")).to_contain_text("already exists")

    # Sync now makes the next pass due; delete asks first.
    page.goto("/connections")
    clicked = datetime.now(UTC).replace(microsecond=0)
    row.get_by_role("button", name="Sync Studio Jenkins now").click()
    expect(page.get_by_role("status")).to_contain_text("A sync of Studio Jenkins is due now")
    [due] = [c for c in api.ok("GET", "/api/v1/connections")["data"] if c["name"] == "Studio Jenkins"]
    # Due now, or already run by the worker inside `ghee serve` (SQLite) since the click.
    ran = due["lastSyncAt"] is not None and datetime.fromisoformat(due["lastSyncAt"]) >= clicked
    assert ran or datetime.fromisoformat(due["nextSyncAt"]) <= datetime.now(UTC)
    row.get_by_role("link", name="Delete Studio Jenkins").click()
    expect(page.locator("h1")).to_have_text("Delete Studio Jenkins?")
    page.get_by_role("button", name="Delete connection").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted Studio Jenkins.")
    expect(page.locator("tr", has_text="Studio Jenkins")).to_have_count(0)
    assert all(c["name"] != "Studio Jenkins" for c in api.ok("GET", "/api/v1/connections")["data"])
    api.http.close()

    page.set_viewport_size(PHONE)
    page.goto("/connections")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_connections_are_for_admins_only(page: Page, dash_server: Server) -> None:
    someone = add_user(dash_server, f"dev-{uuid.uuid4().hex[:8]}@example.com", "a long enough password", is_admin=False)
    sign_in(page, someone)
    expect(page.get_by_role("link", name="Connections")).to_have_count(0)
    with session_client(page, dash_server) as client:
        assert client.get("/connections").status_code == 403
        csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
        refused = client.post("/connections", data={"_csrf": csrf, "name": "x", "url": "http://x/", "token": "t"})
        assert refused.status_code == 403
