"""ButterCMS content fields and collections (seed 004): keys, collection filters, test mode, locales, writes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.api import Api
from tests.support.content import events_about, new_collection, new_items, unique, write
from tests.support.servers import Server

TEAM_FIELDS = [{"key": "name", "type": "text", "required": True}, {"key": "role", "type": "text"}]


@pytest.fixture
def reader(server: Server) -> Iterator[Api]:
    """A client with a read token."""
    client = Api(server, server.token("read"))
    yield client
    client.http.close()


def put_field(api: Api, key: str, value: object, **extra: object) -> None:
    write(api, "PUT", f"/v2/content/{key}/", {"value": value, **extra})


def test_retrieve_content_fields_answers_the_seed_example(api: Api, reader: Api) -> None:
    title, headline = unique("homepage_title"), unique("homepage_headline")
    put_field(api, title, "ButterCMS")
    put_field(api, headline, "API-first CMS and blogging platform built for developers")
    body = reader.ok("GET", "/v2/content/", params={"keys": f"{headline},{title}"})
    assert body == {"data": {title: "ButterCMS", headline: "API-first CMS and blogging platform built for developers"}}


def test_content_fields_hold_any_json_value(api: Api) -> None:
    key = unique("menu")
    put_field(api, key, [{"label": "Home", "url": "/"}])
    assert api.ok("GET", f"/v2/content/?keys={key}")["data"][key] == [{"label": "Home", "url": "/"}]


def test_a_collection_filtered_by_a_property(api: Api) -> None:
    key = new_collection(api, [{"key": "slug", "type": "text"}, {"key": "headline", "type": "text"}])
    new_items(api, key, [{"slug": "my-landing-page-url-slug", "headline": "Hi"}, {"slug": "other", "headline": "Yo"}])
    everything = api.ok("GET", "/v2/content/", params={"keys": key})["data"][key]
    assert [item["slug"] for item in everything] == ["my-landing-page-url-slug", "other"]
    assert all(isinstance(item["meta"]["id"], int) for item in everything)
    one = api.ok("GET", "/v2/content/", params={"keys": f"{key}[slug=my-landing-page-url-slug]"})["data"][key]
    assert one == [everything[0]]


def test_several_filters_on_one_collection_return_each_match(api: Api) -> None:
    key = new_collection(api, TEAM_FIELDS)
    new_items(api, key, [{"name": "Elon Musk"}, {"name": "Ada Lovelace"}, {"name": "Steve Jobs"}])
    body = api.ok("GET", "/v2/content/", params={"keys": f"{key}[name=Elon Musk],{key}[name=Steve Jobs]"})
    assert [item["name"] for item in body["data"][key]] == ["Elon Musk", "Steve Jobs"]
    body = api.ok("GET", "/v2/content/", params={"keys": f"{key}[name=Elon Musk],{key}"})
    assert len(body["data"][key]) == 3  # asked for whole as well: every item
    assert api.ok("GET", "/v2/content/", params={"keys": f"{key}[name=Nobody]"})["data"] == {key: []}


def test_content_fields_and_collections_in_one_request(api: Api) -> None:
    field, coll = unique("headline"), new_collection(api, TEAM_FIELDS)
    put_field(api, field, "Hi")
    new_items(api, coll, [{"name": "A"}])
    data = api.ok("GET", "/v2/content/", params={"keys": f"{field},{coll}"})["data"]
    assert data[field] == "Hi"
    assert [item["name"] for item in data[coll]] == ["A"]


def test_test_mode_shows_draft_content(api: Api, reader: Api) -> None:
    headline = unique("headline")
    put_field(api, headline, "Coming soon", status="draft")
    assert reader.get(f"/v2/content/?keys={headline}").status_code == 404
    assert reader.ok("GET", f"/v2/content/?keys={headline}&test=1")["data"] == {headline: "Coming soon"}
    coll = new_collection(api, TEAM_FIELDS)
    new_items(api, coll, [{"name": "Live"}])
    new_items(api, coll, [{"name": "Draft"}], status="draft")
    assert [i["name"] for i in reader.ok("GET", f"/v2/content/?keys={coll}")["data"][coll]] == ["Live"]
    assert [i["name"] for i in reader.ok("GET", f"/v2/content/?keys={coll}&test=1")["data"][coll]] == ["Live", "Draft"]
    assert len(reader.ok("GET", f"/v2/content/{coll}/?preview=1")["data"][coll]) == 2
    assert len(reader.ok("GET", f"/v2/content/{coll}/?test=1")["data"][coll]) == 2
    assert len(reader.ok("GET", f"/v2/content/{coll}/")["data"][coll]) == 1


def test_localized_content_falls_back_to_the_default_locale(api: Api) -> None:
    headline, untranslated = unique("headline"), unique("footer")
    put_field(api, headline, "Hello")
    put_field(api, headline, "Bonjour", locale="fr")
    put_field(api, untranslated, "Footer")
    data = api.ok("GET", "/v2/content/", params={"keys": f"{headline},{untranslated}", "locale": "fr"})["data"]
    assert data == {headline: "Bonjour", untranslated: "Footer"}
    assert api.ok("GET", "/v2/content/", params={"keys": headline, "locale": "en"})["data"] == {headline: "Hello"}
    assert api.ok("GET", "/v2/content/", params={"keys": headline})["data"] == {headline: "Hello"}


def test_collection_items_are_translated_field_by_field(api: Api) -> None:
    coll = new_collection(api, TEAM_FIELDS)
    [item_id] = new_items(api, coll, [{"name": "Ada", "role": "Engineer"}])
    write(api, "PATCH", f"/v2/content/{coll}/{item_id}/", {"locale": "fr", "fields": {"role": "Ingénieure"}})
    [item] = api.ok("GET", f"/v2/content/{coll}/", params={"locale": "fr"})["data"][coll]
    assert item == {"meta": {"id": item_id}, "name": "Ada", "role": "Ingénieure"}
    [item] = api.ok("GET", f"/v2/content/?keys={coll}&locale=fr")["data"][coll]
    assert item["role"] == "Ingénieure"
    [item] = api.ok("GET", f"/v2/content/{coll}/")["data"][coll]
    assert item["role"] == "Engineer"


def test_list_a_collection_paged_filtered_and_ordered(api: Api) -> None:
    coll = new_collection(api, [{"key": "name", "type": "text"}, {"key": "age", "type": "number"}])
    new_items(api, coll, [{"name": n, "age": a} for n, a in [("c", 30), ("a", 5), ("b", 30), ("d", 12)]])
    body = api.ok("GET", f"/v2/content/{coll}/", params={"page_size": 3})
    assert set(body) == {"meta", "data"}
    assert body["meta"] == {"count": 4, "next_page": 2, "previous_page": None}
    assert [item["name"] for item in body["data"][coll]] == ["c", "a", "b"]
    body = api.ok("GET", f"/v2/content/{coll}/", params={"page_size": 3, "page": 2})
    assert body["meta"] == {"count": 4, "next_page": None, "previous_page": 1}
    body = api.ok("GET", f"/v2/content/{coll}/", params={"fields.age": "30", "order": "-name"})
    assert [item["name"] for item in body["data"][coll]] == ["c", "b"]
    body = api.ok("GET", f"/v2/content/{coll}/", params={"order": "age"})
    assert [item["age"] for item in body["data"][coll]] == [5, 12, 30, 30]


def test_unknown_keys_and_collections_are_404(api: Api) -> None:
    assert api.get("/v2/content/", params={"keys": unique("nothing")}).json() == {"detail": "Not found."}
    response = api.get(f"/v2/content/{unique('nothing')}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert api.get("/v2/collections/nothing_here/").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "keys"),
        ({"keys": ""}, "keys"),
        ({"keys": "a,,b"}, "keys"),
        ({"keys": "a[b"}, "keys"),
        ({"keys": "a[b=c]x"}, "keys"),
        ({"keys": "bad key!"}, "keys"),
        ({"keys": "a", "test": 5}, "test"),
        ({"keys": "a", "locale": "x" * 30}, "locale"),
        ({"keys": "a", "levels": 0}, "levels"),
    ],
)
def test_bad_content_queries_are_field_keyed_400(api: Api, params: dict[str, object], field: str) -> None:
    response = api.get("/v2/content/", params=params)
    assert response.status_code == 400, response.text
    assert list(response.json()) == [field]


def test_a_content_field_cannot_be_filtered(api: Api) -> None:
    key = unique("headline")
    put_field(api, key, "Hi")
    response = api.get("/v2/content/", params={"keys": f"{key}[a=b]"})
    assert response.status_code == 400
    assert list(response.json()) == ["keys"]


def test_content_needs_a_token(anonymous: Api) -> None:
    assert anonymous.get("/v2/content/?keys=a").status_code == 401
    assert anonymous.get("/v2/content/a/").status_code == 401


def test_read_token_cannot_write_content(reader: Api) -> None:
    assert reader.http.put("/v2/content/x/", json={"value": 1}).status_code == 403
    assert reader.post("/v2/content/", json={"key": "x", "fields": {}}).status_code == 403
    assert reader.http.delete("/v2/content/x/1/").status_code == 403
    assert reader.post("/v2/collections/", json={"key": "x", "name": "X"}).status_code == 403


def test_item_writes_round_trip_and_record_events(api: Api, server: Server) -> None:
    coll = new_collection(api, TEAM_FIELDS)
    write(api, "POST", "/v2/content/", {"key": coll, "status": "published", "fields": {"name": "One"}})
    [item_id] = [item["meta"]["id"] for item in api.ok("GET", f"/v2/content/{coll}/")["data"][coll]]
    write(api, "PATCH", f"/v2/content/{coll}/{item_id}/", {"fields": {"role": "CEO"}})
    assert api.ok("GET", f"/v2/content/{coll}/")["data"][coll][0] == {
        "meta": {"id": item_id},
        "name": "One",
        "role": "CEO",
    }
    # A draft of a live item keeps the live version answering; preview shows the draft.
    write(api, "PUT", f"/v2/content/{coll}/{item_id}/", {"fields": {"name": "Uno"}, "status": "draft"})
    assert api.ok("GET", f"/v2/content/{coll}/")["data"][coll][0] == {
        "meta": {"id": item_id},
        "name": "One",
        "role": "CEO",
    }
    assert api.ok("GET", f"/v2/content/{coll}/?preview=1")["data"][coll][0] == {"meta": {"id": item_id}, "name": "Uno"}
    write(api, "PATCH", f"/v2/content/{coll}/{item_id}/", {"status": "published"})
    assert api.ok("GET", f"/v2/content/{coll}/")["data"][coll][0] == {"meta": {"id": item_id}, "name": "Uno"}
    response = api.http.delete(f"/v2/content/{coll}/{item_id}/")
    assert response.status_code == 204
    assert api.ok("GET", f"/v2/content/{coll}/?preview=1")["data"][coll] == []
    assert api.http.delete(f"/v2/content/{coll}/{item_id}/").status_code == 404
    mine = [
        (kind, rid) for kind, rid, payload in events_about(server, "collectionitem") if payload["collection"] == coll
    ]
    assert mine == [
        ("collectionitem.create", str(item_id)),
        ("collectionitem.update", str(item_id)),
        ("draft.saved", str(item_id)),
        ("collectionitem.update", str(item_id)),
        ("collectionitem.delete", str(item_id)),
    ]
    assert [kind for kind, rid, _ in events_about(server, "collection") if rid == coll] == ["collection.create"]


def test_content_field_writes_record_contentfield_update(api: Api, server: Server) -> None:
    key = unique("headline")
    put_field(api, key, "One")
    put_field(api, key, "Deux", locale="fr")
    recorded = [(kind, payload) for kind, rid, payload in events_about(server, "contentfield") if rid == key]
    assert recorded == [
        ("contentfield.update", {"id": key, "status": "published", "locale": None}),
        ("contentfield.update", {"id": key, "status": "published", "locale": "fr"}),
    ]


def test_item_writes_check_the_schema_and_name_fields(api: Api) -> None:
    coll = new_collection(api, TEAM_FIELDS)
    cases = [
        ({"key": coll, "fields": {"role": "x"}}, {"fields": ["name: is required"]}),
        ({"key": coll, "fields": {"name": 1}}, {"fields": ["name: must be a string"]}),
        ({"key": coll, "fields": []}, {"fields": ["must hold 1 to 100 items"]}),
        ({"key": "no_such_coll", "fields": {"name": "x"}}, {"key": ["no such collection"]}),
        ({"key": coll, "fields": {"name": "x"}, "status": "gone"}, None),
    ]
    for body, expected in cases:
        response = api.post("/v2/content/", json=body)
        assert response.status_code == 400, (body, response.text)
        if expected is not None:
            assert response.json() == expected
    assert api.http.patch(f"/v2/content/{coll}/999999/", json={"status": "draft"}).status_code == 404
    assert api.http.patch(f"/v2/content/{coll}/0/", json={"status": "draft"}).status_code == 400
    assert api.http.patch(f"/v2/content/{coll}/x/", json={"status": "draft"}).status_code == 404


def test_a_content_field_key_cannot_name_a_collection(api: Api) -> None:
    coll = new_collection(api, TEAM_FIELDS)
    response = api.http.put(f"/v2/content/{coll}/", json={"value": "x"})
    assert response.status_code == 400
    assert list(response.json()) == ["key"]
    response = api.http.put(f"/v2/content/{unique('f')}/", json={"value": "x", "locale": "fr"})
    assert list(response.json()) == ["locale"]
    response = api.http.put(f"/v2/content/{unique('f')}/", json={"value": None})
    assert list(response.json()) == ["value"]


def test_collections_round_trip(api: Api, server: Server) -> None:
    coll = new_collection(api, TEAM_FIELDS)
    write(api, "PUT", f"/v2/collections/{coll}/", {"fields": [{"key": "title", "type": "text"}]})
    shown = api.ok("GET", f"/v2/collections/{coll}/")["data"]
    assert shown["key"] == coll
    assert [f["key"] for f in shown["fields"]] == ["title"]
    assert [kind for kind, rid, _ in events_about(server, "collection") if rid == coll] == [
        "collection.create",
        "collection.update",
    ]


def test_content_field_values_may_not_nest_without_end(api: Api) -> None:
    deep: object = 1
    for _ in range(40):
        deep = {"x": deep}
    response = api.http.put(f"/v2/content/{unique('deep')}/", json={"value": deep})
    assert response.status_code == 400
    assert response.json() == {"value": ["must not nest deeper than 32 levels"]}


def test_twenty_parallel_first_writes_of_a_new_field_all_land(server: Server, reader: Api) -> None:
    """Each writer either sets the field (created by whichever came first) or hears 409: never a 400."""
    key = unique("launch_banner")
    token = server.token("write")

    def put(n: int) -> int:
        response = httpx.put(
            f"{server.base_url}/v2/content/{key}/",
            json={"value": f"banner {n}"},
            headers={"Authorization": f"Token {token}"},
            timeout=30,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(put, range(20)))
    assert set(statuses) <= {202, 409}, statuses
    assert statuses.count(202) >= 1
    value = reader.ok("GET", "/v2/content/", params={"keys": key})["data"][key]
    assert value in {f"banner {n}" for n in range(20)}


def test_a_new_item_never_takes_a_deleted_items_id_or_its_history(api: Api, server: Server) -> None:
    coll = new_collection(api, TEAM_FIELDS)
    write(api, "POST", "/v2/content/", {"key": coll, "status": "published", "fields": {"name": "Gone"}})
    [gone] = [item["meta"]["id"] for item in api.ok("GET", f"/v2/content/{coll}/")["data"][coll]]
    assert api.http.delete(f"/v2/content/{coll}/{gone}/").status_code == 204
    write(api, "POST", "/v2/content/", {"key": coll, "status": "published", "fields": {"name": "New"}})
    [made] = [item["meta"]["id"] for item in api.ok("GET", f"/v2/content/{coll}/")["data"][coll]]
    assert made != gone
    history = [kind for kind, rid, _ in events_about(server, "collectionitem") if rid == str(made)]
    assert history == ["collectionitem.create"]
