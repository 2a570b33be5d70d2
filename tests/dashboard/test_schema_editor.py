"""The schema editor: page types and collections made and changed in the dashboard, and references chosen by name."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.api import Api
from tests.support.content import new_collection, new_items, new_page, new_page_type
from tests.support.servers import Server


@pytest.fixture
def api(dash_server: Server) -> Iterator[Api]:
    """An admin token's API client on the dashboard's server."""
    client = Api(dash_server, dash_server.token("admin"))
    yield client
    client.http.close()


def test_references_show_by_display_text_in_lists_and_editors(signed_in_page: Page, api: Api) -> None:
    page = signed_in_page
    heroes = new_collection(api, [{"key": "level", "type": "number"}, {"key": "name", "type": "text"}])
    ada, bob = new_items(api, heroes, [{"level": 3, "name": "Ada"}, {"level": 5, "name": "Bob"}])
    guides = new_page_type(api, [{"key": "title", "type": "text"}])
    new_page(api, guides, "intro", {"title": "Intro"}, title="Getting started")
    fields = [
        {"key": "title", "type": "text"},
        {"key": "leader", "type": "reference", "to": f"collection:{heroes}"},
        {"key": "party", "type": "reference", "to": f"collection:{heroes}", "many": True},
        {"key": "guide", "type": "reference", "to": f"page_type:{guides}"},
    ]
    quests = new_collection(api, fields)
    new_items(api, quests, [{"title": "Dragon", "leader": ada, "party": [ada, bob], "guide": "intro"}])

    page.goto(f"/collections/{quests}")
    cells = page.locator("tbody tr").first.locator("td")
    expect(cells.nth(2)).to_have_text("Ada")
    expect(cells.nth(3)).to_have_text("Ada, Bob")
    expect(cells.nth(4)).to_have_text("Getting started")

    page.locator("tbody tr").first.get_by_role("link").first.click()
    expect(page.get_by_label("leader").locator("option:checked")).to_have_text("Ada")
    party = page.get_by_role("group", name=re.compile("^party"))
    expect(party.get_by_label("Ada")).to_be_checked()
    party.get_by_label("Ada").uncheck()
    page.get_by_label("guide").select_option(label="(none)")
    page.get_by_role("button", name="Save item").click()
    expect(page.locator("tbody tr").first.locator("td").nth(3)).to_have_text("Bob")

    item = api.ok("GET", f"/v2/content/{quests}/", params={"levels": 1})["data"][quests][0]
    assert (item["leader"], item["party"], item.get("guide")) == (ada, [bob], None)
