"""GET /v2/pages/search/: a case-insensitive match over page slugs, names and text values."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.content import new_page, new_page_type, unique, write


def test_search_finds_pages_by_any_text_field_case_insensitively(api: Api) -> None:
    word = unique("Zebra")
    page_type = new_page_type(api, [{"key": "title", "type": "text"}, {"key": "body", "type": "rich_text"}])
    new_page(api, page_type, "one", {"title": "Nothing", "body": f"<p>{word.upper()} crossing</p>"})
    new_page(api, page_type, "two", {"title": "Other"})
    body = api.ok("GET", "/v2/pages/search/", params={"query": word.lower()})
    assert body["meta"] == {"count": 1, "next_page": None, "previous_page": None}
    assert [page["slug"] for page in body["data"]] == ["one"]
    assert body["data"][0]["page_type"] == page_type


def test_search_within_a_page_type_and_paged(api: Api) -> None:
    word = unique("needle")
    first, second = (
        new_page_type(api, [{"key": "t", "type": "text"}]),
        new_page_type(api, [{"key": "t", "type": "text"}]),
    )
    for n in range(3):
        new_page(api, first, f"p{n}", {"t": word})
    new_page(api, second, "elsewhere", {"t": word})
    body = api.ok("GET", "/v2/pages/search/", params={"query": word, "page_type": first, "page_size": 2})
    assert body["meta"] == {"count": 3, "next_page": 2, "previous_page": None}
    assert api.ok("GET", "/v2/pages/search/", params={"query": word})["meta"]["count"] == 4
    assert api.get("/v2/pages/search/", params={"query": word, "page_type": "no_such"}).status_code == 404


def test_search_uses_the_locale_and_hides_drafts(api: Api) -> None:
    word = unique("Fromage")
    page_type = new_page_type(api, [{"key": "t", "type": "text"}])
    new_page(api, page_type, "cheese", {"t": "Cheese"})
    write(api, "PATCH", f"/v2/pages/{page_type}/cheese/", {"locale": "fr", "fields": {"t": word}})
    new_page(api, page_type, "draft", {"t": word}, status="draft")
    assert api.ok("GET", "/v2/pages/search/", params={"query": word})["data"] == []
    found = api.ok("GET", "/v2/pages/search/", params={"query": word, "locale": "fr"})["data"]
    assert [(p["slug"], p["fields"]["t"]) for p in found] == [("cheese", word)]
    found = api.ok("GET", "/v2/pages/search/", params={"query": word, "locale": "fr", "preview": 1})["data"]
    assert [p["slug"] for p in found] == ["cheese", "draft"]


def test_search_needs_a_query(api: Api) -> None:
    for params in ({}, {"query": ""}, {"query": "x" * 201}):
        response = api.get("/v2/pages/search/", params=params)
        assert response.status_code == 400, response.text
        assert list(response.json()) == ["query"], response.text
