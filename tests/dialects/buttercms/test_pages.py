"""ButterCMS pages (seed 004): list and retrieve by page type, single pages, filters, order, paging, locales, drafts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import Api
from tests.support.butterstack import at_once
from tests.support.content import (
    NEWS_FIELDS,
    SEED_NEWS_PAGE,
    events_about,
    new_page,
    new_page_type,
    unique,
    write,
)
from tests.support.servers import Server


@pytest.fixture
def reader(server: Server) -> Iterator[Api]:
    """A client with a read token."""
    client = Api(server, server.token("read"))
    yield client
    client.http.close()


@pytest.fixture
def news(api: Api) -> str:
    """A page type shaped like the seed's ``news``, holding the seed's example page."""
    page_type = new_page_type(api, NEWS_FIELDS)
    new_page(api, page_type, "example-news-page", SEED_NEWS_PAGE)
    return page_type


def test_list_pages_of_a_page_type_answers_the_seed_example(reader: Api, news: str) -> None:
    body = reader.ok("GET", f"/v2/pages/{news}/")
    assert body["meta"] == {"previous_page": None, "next_page": None, "count": 1}
    [page] = body["data"]
    assert page["slug"] == "example-news-page"
    assert page["fields"] == SEED_NEWS_PAGE
    assert page["page_type"] == news
    assert page["status"] == "published"
    assert page["published"].endswith("Z")


def test_retrieve_a_page_answers_the_seed_example(reader: Api, news: str) -> None:
    body = reader.ok("GET", f"/v2/pages/{news}/example-news-page/")
    assert set(body) == {"data"}
    assert body["data"]["slug"] == "example-news-page"
    assert body["data"]["fields"] == SEED_NEWS_PAGE


def test_paths_without_trailing_slash_and_auth_token_in_query_work(server: Server, news: str) -> None:
    token = server.token("read")
    plain = Api(server, None)
    try:
        body = plain.ok("GET", f"/v2/pages/{news}", params={"auth_token": token})
        assert body["meta"]["count"] == 1
    finally:
        plain.http.close()


def test_pages_need_a_valid_token(anonymous: Api, news: str, server: Server) -> None:
    response = anonymous.get(f"/v2/pages/{news}/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    response = anonymous.get(f"/v2/pages/{news}/", params={"auth_token": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_unknown_page_type_or_page_is_404(reader: Api, news: str) -> None:
    for path in ("/v2/pages/no_such_type/", f"/v2/pages/{news}/no-such-page/", "/v2/pages/no_such_type/x/"):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}


def test_odd_path_values_are_404_not_errors(reader: Api, news: str) -> None:
    for path in (f"/v2/pages/{news}/bad%00slug/", "/v2/pages/%C3%A9t%C3%A9/", f"/v2/pages/{news}/{'x' * 300}/"):
        assert reader.get(path).status_code == 404, path


def test_field_filters_combine(api: Api) -> None:
    page_type = new_page_type(api, [{"key": "category", "type": "text"}, {"key": "genre", "type": "text"}])
    new_page(api, page_type, "one", {"category": "news", "genre": "finance"})
    new_page(api, page_type, "two", {"category": "news", "genre": "sport"})
    new_page(api, page_type, "three", {"category": "blog", "genre": "finance"})
    body = api.ok("GET", f"/v2/pages/{page_type}/", params={"fields.category": "news", "fields.genre": "finance"})
    assert [page["slug"] for page in body["data"]] == ["one"]
    assert body["meta"]["count"] == 1
    body = api.ok("GET", f"/v2/pages/{page_type}/", params={"fields.category": "news"})
    assert [page["slug"] for page in body["data"]] == ["one", "two"]
    assert api.ok("GET", f"/v2/pages/{page_type}/", params={"fields.nope": "x"})["data"] == []


def test_filters_match_numbers_and_booleans_by_their_text(api: Api) -> None:
    page_type = new_page_type(api, [{"key": "rank", "type": "number"}, {"key": "featured", "type": "boolean"}])
    new_page(api, page_type, "a", {"rank": 1, "featured": True})
    new_page(api, page_type, "b", {"rank": 2, "featured": False})
    assert [p["slug"] for p in api.ok("GET", f"/v2/pages/{page_type}/?fields.rank=2")["data"]] == ["b"]
    assert [p["slug"] for p in api.ok("GET", f"/v2/pages/{page_type}/?fields.featured=true")["data"]] == ["a"]


def test_order_ascending_and_descending(api: Api) -> None:
    page_type = new_page_type(api, [{"key": "date_published", "type": "date"}, {"key": "rank", "type": "number"}])
    new_page(api, page_type, "mid", {"date_published": "2024-05-01", "rank": 10})
    new_page(api, page_type, "old", {"date_published": "2023-01-01", "rank": 9})
    new_page(api, page_type, "new", {"date_published": "2025-12-31", "rank": 100})
    slugs = [p["slug"] for p in api.ok("GET", f"/v2/pages/{page_type}/?order=-date_published")["data"]]
    assert slugs == ["new", "mid", "old"]
    slugs = [p["slug"] for p in api.ok("GET", f"/v2/pages/{page_type}/?order=rank")["data"]]
    assert slugs == ["old", "mid", "new"]  # numerically, not as text
    slugs = [p["slug"] for p in api.ok("GET", f"/v2/pages/{page_type}/?order=slug")["data"]]
    assert slugs == ["mid", "new", "old"]


def test_pagination_counts_and_links_neighbouring_pages(api: Api) -> None:
    page_type = new_page_type(api, [{"key": "n", "type": "number"}])
    for n in range(5):
        new_page(api, page_type, f"p{n}", {"n": n})
    first = api.ok("GET", f"/v2/pages/{page_type}/", params={"page": 1, "page_size": 2})
    assert first["meta"] == {"count": 5, "next_page": 2, "previous_page": None}
    assert [p["slug"] for p in first["data"]] == ["p0", "p1"]
    middle = api.ok("GET", f"/v2/pages/{page_type}/", params={"page": 2, "page_size": 2})
    assert middle["meta"] == {"count": 5, "next_page": 3, "previous_page": 1}
    last = api.ok("GET", f"/v2/pages/{page_type}/", params={"page": 3, "page_size": 2})
    assert last["meta"] == {"count": 5, "next_page": None, "previous_page": 2}
    assert [p["slug"] for p in last["data"]] == ["p4"]
    beyond = api.ok("GET", f"/v2/pages/{page_type}/", params={"page": 9, "page_size": 2})
    assert beyond["data"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": -1}, "page_size"),
        ({"levels": 6}, "levels"),
        ({"preview": 2}, "preview"),
        ({"locale": "bad locale!"}, "locale"),
        ({"page": "x"}, "page"),
    ],
)
def test_bad_query_parameters_are_field_keyed_400(api: Api, news: str, params: dict[str, object], field: str) -> None:
    response = api.get(f"/v2/pages/{news}/", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert list(body) == [field]
    assert isinstance(body[field], list)
    assert isinstance(body[field][0], str)


def test_drafts_show_only_with_preview(api: Api, reader: Api) -> None:
    page_type = new_page_type(api, [{"key": "title", "type": "text"}])
    new_page(api, page_type, "live", {"title": "Live"})
    new_page(api, page_type, "draft", {"title": "Draft"}, status="draft")
    assert [p["slug"] for p in reader.ok("GET", f"/v2/pages/{page_type}/")["data"]] == ["live"]
    previewed = reader.ok("GET", f"/v2/pages/{page_type}/", params={"preview": 1})["data"]
    assert [(p["slug"], p["status"]) for p in previewed] == [("live", "published"), ("draft", "draft")]
    assert previewed[1]["published"] is None
    assert reader.get(f"/v2/pages/{page_type}/draft/").status_code == 404
    assert reader.ok("GET", f"/v2/pages/{page_type}/draft/?preview=1")["data"]["fields"] == {"title": "Draft"}


def test_single_pages_have_the_page_type_star(api: Api) -> None:
    slug = unique("about")
    write(api, "POST", "/v2/pages/", {"title": "About", "slug": slug, "status": "published", "fields": {"any": [1]}})
    page = api.ok("GET", f"/v2/pages/*/{slug}/")["data"]
    assert page["page_type"] is None
    assert page["name"] == "About"
    assert page["fields"] == {"any": [1]}
    assert slug in [p["slug"] for p in api.ok("GET", "/v2/pages/*/", params={"page_size": 100})["data"]]


def test_locales_fall_back_field_by_field_to_the_default(api: Api) -> None:
    page_type = new_page_type(api, [{"key": "title", "type": "text"}, {"key": "body", "type": "rich_text"}])
    new_page(api, page_type, "home", {"title": "Hello", "body": "<p>Body</p>"})
    write(api, "PATCH", f"/v2/pages/{page_type}/home/", {"locale": "fr", "fields": {"title": "Bonjour"}})
    french = api.ok("GET", f"/v2/pages/{page_type}/home/", params={"locale": "fr"})["data"]["fields"]
    assert french == {"title": "Bonjour", "body": "<p>Body</p>"}
    default = api.ok("GET", f"/v2/pages/{page_type}/home/")["data"]["fields"]
    assert default == {"title": "Hello", "body": "<p>Body</p>"}
    german = api.ok("GET", f"/v2/pages/{page_type}/home/", params={"locale": "de"})["data"]["fields"]
    assert german == default  # no translation at all: the default locale's values
    listed = api.ok("GET", f"/v2/pages/{page_type}/", params={"locale": "fr", "fields.title": "Bonjour"})
    assert [p["slug"] for p in listed["data"]] == ["home"]


def test_read_token_cannot_write_pages(reader: Api, news: str) -> None:
    body = {"title": "X", "slug": "x", "page_type": news, "fields": {"title": "X"}}
    response = reader.post("/v2/pages/", json=body)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert reader.patch(f"/v2/pages/{news}/example-news-page/", json={"title": "Y"}).status_code == 403
    assert reader.post("/v2/page_types/", json={"key": "k", "name": "K"}).status_code == 403


def test_create_then_update_a_page_round_trips_and_records_events(api: Api, server: Server) -> None:
    page_type = new_page_type(
        api, [{"key": "title", "type": "text", "required": True}, {"key": "tags", "type": "text"}]
    )
    new_page(api, page_type, "launch", {"title": "Launch", "tags": "a"}, status="draft")
    write(api, "PATCH", f"/v2/pages/{page_type}/launch/", {"status": "published", "fields": {"tags": "b"}})
    page = api.ok("GET", f"/v2/pages/{page_type}/launch/")["data"]
    assert page["fields"] == {"title": "Launch", "tags": "b"}
    assert page["published"] is not None
    write(api, "PUT", f"/v2/pages/{page_type}/launch/", {"title": "Launch day", "fields": {"title": "Only"}})
    page = api.ok("GET", f"/v2/pages/{page_type}/launch/")["data"]
    assert page["fields"] == {"title": "Only"}
    assert page["name"] == "Launch day"
    mine = [(kind, payload) for kind, _, payload in events_about(server, "page") if payload["page_type"] == page_type]
    # A draft sends no page.* event; it goes live (page.create), then changes live (page.update).
    assert [kind for kind, _ in mine] == ["draft.saved", "page.create", "page.update"]
    assert mine[0][1] == {
        "type": "page",
        "id": "launch",
        "live": False,
        "scheduled": None,
        "page_type": page_type,
        "locale": None,
    }
    assert mine[1][1] == {"id": "launch", "page_type": page_type, "status": "published", "locale": None}
    types = [(kind, rid) for kind, rid, _ in events_about(server, "page_type") if rid == page_type]
    assert types == [("pagetype.create", page_type)]


def test_page_writes_check_fields_against_the_schema(api: Api) -> None:
    page_type = new_page_type(
        api,
        [
            {"key": "title", "type": "text", "required": True},
            {"key": "count", "type": "number"},
            {"key": "when", "type": "date"},
            {"key": "on", "type": "boolean"},
            {"key": "image", "type": "media"},
            {"key": "faq", "type": "repeater", "fields": [{"key": "q", "type": "text", "required": True}]},
        ],
    )
    cases = [
        ({"count": 1}, "title: is required"),
        ({"title": 3}, "title: must be a string"),
        ({"title": "t", "count": "3"}, "count: must be a number"),
        ({"title": "t", "count": True}, "count: must be a number"),
        ({"title": "t", "when": "yesterday"}, "when: must be an ISO 8601 date or date-time"),
        ({"title": "t", "on": "yes"}, "on: must be true or false"),
        ({"title": "t", "image": 5}, "image: must be a string"),
        ({"title": "t", "faq": [{"a": 1}]}, "faq[0].a: no such field"),
        ({"title": "t", "faq": [{}]}, "faq[0].q: is required"),
        ({"title": "t", "faq": "x"}, "faq: must be a list of objects"),
        ({"title": "t", "nope": 1}, "nope: no such field"),
    ]
    for fields, problem in cases:
        body = {"title": "T", "slug": unique("s"), "page_type": page_type, "fields": fields}
        response = api.post("/v2/pages/", json=body)
        assert response.status_code == 400, (fields, response.text)
        assert response.json() == {"fields": [problem]}
    good = {"title": "t", "count": 2.5, "when": "2026-01-02T03:04:05+00:00", "on": False, "faq": [{"q": "?"}]}
    write(api, "POST", "/v2/pages/", {"title": "T", "slug": "good", "page_type": page_type, "fields": good})
    assert api.ok("GET", f"/v2/pages/{page_type}/good/?preview=1")["data"]["fields"] == good


def test_page_write_errors_name_the_field(api: Api, news: str) -> None:
    base = {"title": "T", "slug": "fresh", "page_type": news, "fields": {"title": "x"}}
    cases = [
        ({**base, "slug": "example-news-page"}, "slug"),
        ({**base, "slug": "no spaces"}, "slug"),
        ({**base, "page_type": "no_such_type"}, "page_type"),
        ({**base, "title": " "}, "title"),
        ({**base, "status": "archived"}, "status"),
        ({**base, "unknown": 1}, "body"),
    ]
    for body, field in cases:
        response = api.post("/v2/pages/", json=body)
        assert response.status_code == 400, (body, response.text)
        assert list(response.json()) == [field], response.text
    response = api.patch(f"/v2/pages/{news}/example-news-page/", json={"fields": {"title": 1}})
    assert response.json() == {"fields": ["title: must be a string"]}
    assert api.patch(f"/v2/pages/{news}/missing/", json={"title": "x"}).status_code == 404
    response = api.patch(f"/v2/pages/{news}/example-news-page/", json={"locale": "x y", "title": "x"})
    assert list(response.json()) == ["locale"]


def test_a_translation_may_hold_some_fields_only(api: Api, news: str) -> None:
    write(api, "PATCH", f"/v2/pages/{news}/example-news-page/", {"locale": "es", "fields": {"body": "<p>¡Hola!</p>"}})
    fields = api.ok("GET", f"/v2/pages/{news}/example-news-page/?locale=es")["data"]["fields"]
    assert fields == {**SEED_NEWS_PAGE, "body": "<p>¡Hola!</p>"}


def test_page_types_round_trip(api: Api, server: Server) -> None:
    key = new_page_type(api, [{"key": "title", "type": "text"}])
    assert api.ok("GET", f"/v2/page_types/{key}/")["data"] == {
        "key": key,
        "name": key.title(),
        "fields": [{"key": "title", "type": "text", "required": False, "to": None, "many": False, "fields": []}],
    }
    write(api, "PUT", f"/v2/page_types/{key}/", {"name": "Renamed", "fields": [{"key": "body", "type": "rich_text"}]})
    shown = api.ok("GET", f"/v2/page_types/{key}/")["data"]
    assert shown["name"] == "Renamed"
    assert [f["key"] for f in shown["fields"]] == ["body"]
    kinds = [kind for kind, rid, _ in events_about(server, "page_type") if rid == key]
    assert kinds == ["pagetype.create", "pagetype.update"]
    assert api.get("/v2/page_types/nope_nope/").status_code == 404
    assert api.http.put("/v2/page_types/nope_nope/", json={"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        [{"key": "a", "type": "colour"}],
        [{"key": "a", "type": "text"}, {"key": "a", "type": "text"}],
        [{"key": "bad key", "type": "text"}],
        [{"key": "r", "type": "reference"}],
        [{"key": "r", "type": "reference", "to": "somewhere"}],
        [{"key": "t", "type": "text", "to": "collection:x"}],
        [{"key": "rep", "type": "repeater"}],
        [{"key": "t", "type": "text", "fields": [{"key": "x", "type": "text"}]}],
        [{"key": "t"}],
        "not a list",
    ],
)
def test_bad_schemas_are_refused_naming_fields(api: Api, fields: object) -> None:
    response = api.post("/v2/page_types/", json={"key": unique("bad"), "name": "Bad", "fields": fields})
    assert response.status_code == 400, response.text
    assert list(response.json()) == ["fields"]


def test_a_page_type_key_is_taken_once(api: Api) -> None:
    key = new_page_type(api, [])
    response = api.post("/v2/page_types/", json={"key": key, "name": "Again"})
    assert response.status_code == 400
    assert list(response.json()) == ["key"]


def test_single_page_values_may_not_nest_without_end(api: Api) -> None:
    deep: object = "bottom"
    for _ in range(40):
        deep = [deep]
    body = {"title": "Deep", "slug": unique("deep"), "fields": {"x": deep}}
    response = api.post("/v2/pages/", json=body)
    assert response.status_code == 400
    assert response.json() == {"fields": ["must not nest deeper than 32 levels"]}


def test_concurrent_patches_of_one_page_all_land(api: Api) -> None:
    page_type = new_page_type(api, [{"key": f"f{n}", "type": "number"} for n in range(6)])
    new_page(api, page_type, "busy", {})
    calls = [
        lambda n=n: api.http.patch(f"/v2/pages/{page_type}/busy/", json={"fields": {f"f{n}": n}}) for n in range(6)
    ]
    assert [response.status_code for response in at_once(calls)] == [202] * 6
    fields = api.ok("GET", f"/v2/pages/{page_type}/busy/")["data"]["fields"]
    assert fields == {f"f{n}": n for n in range(6)}
