"""The schema editor: page types and collections made and changed in the dashboard, and references chosen by name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.accessibility import _PAIRS_SCRIPT as PAIRS_SCRIPT
from tests.support.accessibility import contrast
from tests.support.api import Api
from tests.support.browser import DESKTOP, PHONE, session_client, width_on_a_phone
from tests.support.content import new_collection, new_items, new_page, new_page_type, unique
from tests.support.servers import Server


@pytest.fixture
def api(dash_server: Server) -> Iterator[Api]:
    """An admin token's API client on the dashboard's server."""
    client = Api(dash_server, dash_server.token("admin"))
    yield client
    client.http.close()


def _row(page: Page, number: str) -> Locator:
    return page.get_by_role("group", name=f"Field {number}", exact=True)


def _schema_key(page: Page) -> Locator:
    return page.get_by_label(re.compile(r"^Key \("))


def _fill_row(page: Page, number: str, key: str, kind: str = "text", *, required: bool = False) -> Locator:
    row = _row(page, number)
    row.get_by_label("Key", exact=True).fill(key)
    row.get_by_label("Type", exact=True).select_option(kind)
    if required:
        row.get_by_label("Required").check()
    return row


def _schema(api: Api, path: str) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = api.ok("GET", path)["data"]["fields"]
    return fields


def _fits_the_phone(page: Page) -> None:
    assert width_on_a_phone(page) <= PHONE["width"]


def test_build_a_collection_and_a_page_type_then_link_a_page_to_an_item_by_its_name(
    signed_in_page: Page, api: Api
) -> None:
    page = signed_in_page
    heroes, landing = unique("heroes"), unique("heroes_page")

    page.get_by_role("link", name="Collections", exact=True).click()
    page.get_by_role("link", name="New collection").click()
    page.get_by_label("Name").fill("Heroes")
    _schema_key(page).fill(heroes)
    _fill_row(page, "1", "name", required=True)
    _fill_row(page, "2", "power", "number")
    page.get_by_role("button", name="Save collection").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    assert _schema(api, f"/v2/collections/{heroes}/") == [
        {"key": "name", "type": "text", "required": True, "to": None, "many": False, "fields": []},
        {"key": "power", "type": "number", "required": False, "to": None, "many": False, "fields": []},
    ]

    page.get_by_role("link", name="Its items").click()
    page.get_by_role("link", name="Add item").click()
    page.get_by_label("name").fill("Ada the Brave")
    page.get_by_label("power").fill("9")
    page.get_by_role("button", name="Add item").click()
    expect(page.locator("tbody")).to_contain_text("Ada the Brave")
    new_items(api, heroes, [{"name": "Bob the Bold"}])
    listed = api.ok("GET", f"/v2/content/{heroes}/")["data"][heroes]
    ada = next(item["meta"]["id"] for item in listed if item["name"] == "Ada the Brave")

    page.get_by_role("navigation", name="Content").get_by_role("link", name="Pages").click()
    page.get_by_role("link", name="New page type").click()
    page.get_by_label("Name").fill("Hero pages")
    _schema_key(page).fill(landing)
    _fill_row(page, "1", "headline", required=True)
    _fill_row(page, "2", "body", "rich_text")
    hero = _fill_row(page, "3", "hero", "reference")
    hero.get_by_label("Points at").select_option(label=f"Heroes ({heroes})")
    hero.get_by_role("button", name="Move up").click()  # hero before body
    expect(_row(page, "2").get_by_label("Key", exact=True)).to_have_value("hero")
    page.get_by_role("button", name="Save page type").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    assert [(f["key"], f["type"], f["required"], f["to"]) for f in _schema(api, f"/v2/page_types/{landing}/")] == [
        ("headline", "text", True, None),
        ("hero", "reference", False, f"collection:{heroes}"),
        ("body", "rich_text", False, None),
    ]

    page.get_by_role("link", name="Its pages").click()
    page.get_by_role("link", name="New page").click()
    page.get_by_label("Title", exact=True).fill("Meet Ada")
    page.get_by_label("headline").fill("The bravest")
    page.get_by_label("body").fill("<p>Since 1815.</p>")
    expect(page.get_by_label("hero").locator("option")).to_have_text(["(none)", "Ada the Brave", "Bob the Bold"])
    page.get_by_label("hero").select_option(label="Ada the Brave")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published.")
    expect(page.get_by_label("hero").locator("option:checked")).to_have_text("Ada the Brave")

    stored = api.ok("GET", f"/v2/pages/{landing}/meet-ada/", params={"preview": 1, "levels": 1})["data"]["fields"]
    assert stored == {"headline": "The bravest", "hero": ada, "body": "<p>Since 1815.</p>"}
    expanded = api.ok("GET", f"/v2/pages/{landing}/meet-ada/", params={"preview": 1})["data"]["fields"]
    assert expanded["hero"]["name"] == "Ada the Brave"
    _fits_the_phone(page)


def test_a_bad_key_or_a_field_defined_twice_is_shown_inline_and_what_was_typed_stays(
    signed_in_page: Page, api: Api
) -> None:
    page = signed_in_page
    page.goto("/content/page-types/new")
    page.get_by_label("Name").fill("Guides")
    _schema_key(page).fill("bad key!")
    _fill_row(page, "1", "title", required=True)
    page.get_by_role("button", name="Save page type").click()
    expect(page.get_by_role("alert")).to_contain_text("Key must be 1 to 100 letters, digits")
    expect(_schema_key(page)).to_have_value("bad key!")
    expect(_schema_key(page)).to_have_attribute("aria-invalid", "true")
    expect(_row(page, "1").get_by_label("Key", exact=True)).to_have_value("title")
    expect(_row(page, "1").get_by_label("Required")).to_be_checked()

    key = unique("guides")
    _schema_key(page).fill(key)
    _fill_row(page, "2", "title", "rich_text")
    page.get_by_role("button", name="Save page type").click()
    expect(page.get_by_role("alert")).to_contain_text("'title': defined twice")
    expect(_row(page, "2").get_by_label("Type", exact=True)).to_have_value("rich_text")
    assert api.get(f"/v2/page_types/{key}/").status_code == 404  # nothing was written

    _row(page, "2").get_by_label("Key", exact=True).fill("summary")
    page.get_by_role("button", name="Save page type").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    assert [field["key"] for field in _schema(api, f"/v2/page_types/{key}/")] == ["title", "summary"]
    _fits_the_phone(page)


def test_edit_a_collection_adding_a_repeater_and_removing_a_field(signed_in_page: Page, api: Api) -> None:
    page = signed_in_page
    key = new_collection(api, [{"key": "name", "type": "text"}, {"key": "old", "type": "number"}])
    events_before = len(api.ok("GET", "/v1/events", params={"type": "collection.update", "resource": key})["events"])

    page.goto(f"/collections/{key}")
    page.get_by_role("link", name="Edit fields").click()
    expect(_row(page, "1").get_by_label("Key", exact=True)).to_have_value("name")
    page.get_by_label("Name").fill("Quests")
    _row(page, "2").get_by_label("Remove").check()
    faq = _fill_row(page, "3", "faq", "repeater")
    faq.get_by_role("button", name="Add a field to field 3").click()
    _fill_row(page, "3.1", "question", required=True)
    faq.get_by_role("button", name="Add a field to field 3").click()
    _fill_row(page, "3.2", "answer", "rich_text")
    page.get_by_role("button", name="Save collection").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quests: fields")

    shown = api.ok("GET", f"/v2/collections/{key}/")["data"]
    assert shown["name"] == "Quests"
    assert [(f["key"], f["type"]) for f in shown["fields"]] == [("name", "text"), ("faq", "repeater")]
    assert [(f["key"], f["type"], f["required"]) for f in shown["fields"][1]["fields"]] == [
        ("question", "text", True),
        ("answer", "rich_text", False),
    ]
    updates = api.ok("GET", "/v1/events", params={"type": "collection.update", "resource": key})["events"]
    assert len(updates) == events_before + 1  # the API's event, sent once
    expect(_row(page, "2.1").get_by_label("Key", exact=True)).to_have_value("question")  # nested, one level down


def test_without_javascript_rows_save_in_their_positions_and_unused_inputs_are_ignored(
    signed_in_page: Page, dash_server: Server, api: Api
) -> None:
    page = signed_in_page
    page.goto("/content/page-types/new")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    key = unique("plain")
    form = {
        "_csrf": csrf,
        "name": "Plain",
        "key": key,
        "fields[0][key]": "body",
        "fields[0][type]": "rich_text",
        "fields[0][to]": "collection:whatever",  # a leftover of another type: ignored
        "fields[0][order]": "2",
        "fields[1][key]": "title",
        "fields[1][type]": "text",
        "fields[1][required]": "true",
        "fields[1][order]": "1",
        "fields[2][key]": "gone",
        "fields[2][type]": "text",
        "fields[2][remove]": "true",
        "fields[3][key]": "",
        "fields[3][type]": "number",
    }
    with session_client(page, dash_server) as client:
        saved = client.post("/content/page-types/new", data=form)
        assert (saved.status_code, saved.headers["location"]) == (303, f"/content/page-types/{key}/edit?saved=1")
        again = client.post("/content/page-types/new", data=form)
    assert again.status_code == 400
    assert "a page type with this key already exists" in again.text
    assert [(f["key"], f["type"], f["required"], f["to"]) for f in _schema(api, f"/v2/page_types/{key}/")] == [
        ("title", "text", True, None),
        ("body", "rich_text", False, None),
    ]


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


def test_schema_pages_have_labels_contrast_and_one_h1(signed_in_page: Page, api: Api) -> None:
    page = signed_in_page
    heroes = new_collection(api, [{"key": "name", "type": "text"}])
    new_items(api, heroes, [{"name": "Ada"}])
    fields = [
        {"key": "hero", "type": "reference", "to": f"collection:{heroes}"},
        {"key": "party", "type": "reference", "to": f"collection:{heroes}", "many": True},
        {"key": "faq", "type": "repeater", "fields": [{"key": "q", "type": "text"}]},
    ]
    page_type = new_page_type(api, fields)
    paths = [
        "/content/page-types/new",
        f"/content/page-types/{page_type}/edit",
        "/content/collections/new",
        f"/content/collections/{heroes}/edit",
        f"/content/pages/{page_type}/new",
        f"/collections/{heroes}",
    ]
    for path in paths:
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        unlabelled = page.eval_on_selector_all(
            "input:not([type=hidden]), select, textarea",
            "els => els.filter(el => el.labels.length === 0).map(el => el.id)",
        )
        assert unlabelled == [], path
        low = [pair for pair in page.evaluate(PAIRS_SCRIPT) if contrast(pair[1], pair[2]) < 4.5]
        assert low == [], path
        _fits_the_phone(page)
        page.set_viewport_size(DESKTOP)
