"""Reference fields expanded ``levels`` deep, on pages and collections."""

from __future__ import annotations

from typing import Any

from ghee.core.content.references import MAX_EXPANDED
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


def _shown(value: Any) -> int:
    """How many referenced entries an answer shows expanded."""
    if isinstance(value, list):
        return sum(_shown(item) for item in value)
    if not isinstance(value, dict):
        return 0
    if "slug" in value and "fields" in value:  # a page
        return 1 + _shown(value["fields"])
    if "meta" in value:  # a collection item
        return 1 + sum(_shown(item) for key, item in value.items() if key != "meta")
    return sum(_shown(item) for item in value.values())  # fields, or a repeater's row


def self_referencing(api: Api, times: int) -> str:
    """A page type whose page ``loop`` references itself ``times`` times; returns the type."""
    page_type = unique("pt")
    fields = [
        {"key": "title", "type": "text"},
        {"key": "again", "type": "reference", "to": f"page_type:{page_type}", "many": True},
    ]
    new_page_type(api, fields, key=page_type)
    new_page(api, page_type, "loop", {"title": "Loop", "again": ["loop"] * times})
    return page_type


def test_a_page_referencing_itself_20_times_at_levels_5_is_a_clear_400(api: Api) -> None:
    # 20 + 400 + 8,000 + 160,000 entries: it answered 47.7 MB.
    page_type = self_referencing(api, 20)
    response = api.get(f"/v2/pages/{page_type}/loop/?levels=5")
    assert response.status_code == 400
    [problem] = response.json()["levels"]
    assert problem.startswith(f"would expand more than {MAX_EXPANDED} referenced entries in one answer")
    listed = api.get(f"/v2/pages/{page_type}/", params={"levels": 4})
    assert listed.status_code == 400
    assert list(listed.json()) == ["levels"]


def test_within_the_cap_each_repeated_reference_is_expanded_in_full(api: Api) -> None:
    page_type = self_referencing(api, 20)
    page = api.ok("GET", f"/v2/pages/{page_type}/loop/?levels=3")["data"]
    assert _shown(page["fields"]) == 20 + 20 * 20
    [first, *others] = page["fields"]["again"]
    assert all(other == first for other in others)
    assert first["slug"] == "loop"
    assert first["fields"]["again"][0] == {**first, "fields": {"title": "Loop", "again": ["loop"] * 20}}
