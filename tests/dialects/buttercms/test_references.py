"""Reference fields expanded ``levels`` deep, on pages and collections."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.content import new_collection, new_items, new_page, new_page_type, unique, write


def chain(api: Api) -> tuple[str, str, int]:
    """Page type whose pages point at a page and a collection item; pages a -> b -> c; returns (type, coll, item)."""
    coll = new_collection(api, [{"key": "name", "type": "text"}])
    [item] = new_items(api, coll, [{"name": "Ada"}])
    page_type = unique("pt")
    fields: list[dict[str, Any]] = [
        {"key": "title", "type": "text"},
        {"key": "next", "type": "reference", "to": f"page_type:{page_type}"},
        {"key": "people", "type": "reference", "to": f"collection:{coll}", "many": True},
    ]
    new_page_type(api, fields, key=page_type)
    new_page(api, page_type, "c", {"title": "C", "people": [item]})
    new_page(api, page_type, "b", {"title": "B", "next": "c"})
    new_page(api, page_type, "a", {"title": "A", "next": "b"})
    return page_type, coll, item


def test_levels_one_leaves_references_as_stored(api: Api) -> None:
    page_type, _, _ = chain(api)
    assert api.ok("GET", f"/v2/pages/{page_type}/a/?levels=1")["data"]["fields"] == {"title": "A", "next": "b"}


def test_default_levels_expand_one_reference_deep(api: Api) -> None:
    page_type, _, _ = chain(api)
    fields = api.ok("GET", f"/v2/pages/{page_type}/a/")["data"]["fields"]
    assert fields["next"]["slug"] == "b"
    assert fields["next"]["page_type"] == page_type
    assert fields["next"]["fields"] == {"title": "B", "next": "c"}


def test_deeper_levels_expand_further_into_collection_items(api: Api) -> None:
    page_type, _, item = chain(api)
    fields = api.ok("GET", f"/v2/pages/{page_type}/a/?levels=4")["data"]["fields"]
    assert fields["next"]["fields"]["next"]["fields"]["people"] == [{"meta": {"id": item}, "name": "Ada"}]
    fields = api.ok("GET", f"/v2/pages/{page_type}/a/?levels=3")["data"]["fields"]
    assert fields["next"]["fields"]["next"]["fields"]["people"] == [item]
    listed = api.ok("GET", f"/v2/pages/{page_type}/", params={"levels": 2, "fields.title": "C"})["data"]
    assert listed[0]["fields"]["people"] == [{"meta": {"id": item}, "name": "Ada"}]


def test_references_to_missing_or_draft_entries_expand_to_null(api: Api) -> None:
    page_type, _, _ = chain(api)
    new_page(api, page_type, "hidden", {"title": "Hidden"}, status="draft")
    new_page(api, page_type, "dangling", {"title": "D", "next": "nowhere"})
    new_page(api, page_type, "to-draft", {"title": "E", "next": "hidden"})
    assert api.ok("GET", f"/v2/pages/{page_type}/dangling/")["data"]["fields"]["next"] is None
    assert api.ok("GET", f"/v2/pages/{page_type}/to-draft/")["data"]["fields"]["next"] is None
    previewed = api.ok("GET", f"/v2/pages/{page_type}/to-draft/?preview=1")["data"]["fields"]["next"]
    assert previewed["slug"] == "hidden"


def test_collection_items_expand_their_references_and_repeaters(api: Api) -> None:
    people = new_collection(api, [{"key": "name", "type": "text"}])
    [ada] = new_items(api, people, [{"name": "Ada"}])
    teams = new_collection(
        api,
        [
            {"key": "team", "type": "text"},
            {
                "key": "members",
                "type": "repeater",
                "fields": [{"key": "who", "type": "reference", "to": f"collection:{people}"}],
            },
        ],
    )
    new_items(api, teams, [{"team": "Core", "members": [{"who": ada}]}])
    [item] = api.ok("GET", f"/v2/content/{teams}/")["data"][teams]
    assert item["members"] == [{"who": {"meta": {"id": ada}, "name": "Ada"}}]
    [item] = api.ok("GET", f"/v2/content/?keys={teams}&levels=1")["data"][teams]
    assert item["members"] == [{"who": ada}]
    [item] = api.ok("GET", f"/v2/content/?keys={teams}")["data"][teams]
    assert item["members"][0]["who"]["name"] == "Ada"


def test_references_follow_the_locale(api: Api) -> None:
    page_type, coll, item = chain(api)
    write(api, "PATCH", f"/v2/content/{coll}/{item}/", {"locale": "fr", "fields": {"name": "Ada (fr)"}})
    fields = api.ok("GET", f"/v2/pages/{page_type}/c/?locale=fr")["data"]["fields"]
    assert fields["people"] == [{"meta": {"id": item}, "name": "Ada (fr)"}]


def test_reference_values_are_checked(api: Api) -> None:
    page_type, _, _ = chain(api)
    body = {"title": "X", "slug": "x", "page_type": page_type, "fields": {"people": "not-a-list"}}
    response = api.post("/v2/pages/", json=body)
    assert response.json() == {"fields": ["people: must be a list of page slugs or collection item ids"]}
    body["fields"] = {"next": {"slug": "b"}}
    assert api.post("/v2/pages/", json=body).json() == {"fields": ["next: must be page slugs or collection item ids"]}
