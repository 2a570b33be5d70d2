"""ButterCMS blog write API: posts, authors, categories and tags round trips, field errors, scopes, events."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.blog import events_about, new_author, new_post, unique, write
from tests.support.servers import Server


def _post(api: Api, slug: str) -> dict[str, Any]:
    data: dict[str, Any] = api.ok("GET", f"/v2/posts/{slug}/", params={"preview": 1})["data"]
    return data


def test_create_post_round_trips_and_records_post_create(api: Api, server: Server) -> None:
    author = new_author(api, email="Jane.Doe@Studio.Example", slug=unique("jane"))
    slug = unique("post")
    body = {
        "title": "Season 3 roadmap",
        "slug": slug,
        "body": "<p>What comes next.</p>",
        "summary": "What comes next.",
        "seo_title": "Season 3 roadmap | Studio",
        "meta_description": "The roadmap.",
        "featured_image": "https://cdn.example/roadmap.png",
        "status": "published",
        "published": "2026-01-02T03:04:05+01:00",
        "author": {"email": "jane.doe@studio.example"},
        "categories": ["Roadmap", "News"],
        "tags": ["Season 3"],
    }
    write(api, "POST", "/v2/posts/", body)
    post = _post(api, slug)
    assert (post["title"], post["body"], post["summary"]) == (
        "Season 3 roadmap",
        "<p>What comes next.</p>",
        body["summary"],
    )
    assert (post["seo_title"], post["meta_description"]) == ("Season 3 roadmap | Studio", "The roadmap.")
    assert post["featured_image"] == "https://cdn.example/roadmap.png"
    assert post["published"] == "2026-01-02T02:04:05Z"
    assert post["author"]["slug"] == author
    assert post["categories"] == [{"name": "News", "slug": "news"}, {"name": "Roadmap", "slug": "roadmap"}]
    assert post["tags"] == [{"name": "Season 3", "slug": "season-3"}]
    assert events_about(server, slug) == [
        ("post.create", "post", {"id": slug, "status": "published", "title": "Season 3 roadmap"})
    ]


def test_a_new_post_is_a_draft_by_default(api: Api) -> None:
    slug = unique("post")
    write(api, "POST", "/v2/posts/", {"title": "Work in progress", "slug": slug})
    post = _post(api, slug)
    assert (post["status"], post["published"], post["author"], post["body"]) == ("draft", None, None, "")


def test_publishing_a_draft_sets_its_publication_date(api: Api) -> None:
    slug = new_post(api, status="draft")
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "published"})
    post = api.ok("GET", f"/v2/posts/{slug}/")["data"]
    assert post["status"] == "published"
    assert post["published"] is not None


def test_patch_changes_only_the_fields_given_and_records_post_update(api: Api, server: Server) -> None:
    slug = new_post(api, categories=["Patch Notes"], tags=["pc"], summary="Old summary")
    write(api, "PATCH", f"/v2/posts/{slug}/", {"title": "Hotfix 1.0.1", "tags": ["pc", "hotfix"]})
    post = _post(api, slug)
    assert (post["title"], post["summary"]) == ("Hotfix 1.0.1", "Old summary")
    assert [c["slug"] for c in post["categories"]] == ["patch-notes"]
    assert [t["slug"] for t in post["tags"]] == ["hotfix", "pc"]
    assert [e[0] for e in events_about(server, slug)] == ["post.create", "post.update"]


def test_patch_can_move_a_post_to_a_free_slug(api: Api) -> None:
    slug, taken = new_post(api), new_post(api)
    renamed = unique("renamed")
    response = api.patch(f"/v2/posts/{slug}/", json={"slug": taken})
    assert (response.status_code, response.json()) == (400, {"slug": ["a post with this slug already exists"]})
    write(api, "PATCH", f"/v2/posts/{slug}/", {"slug": renamed})
    assert api.get(f"/v2/posts/{slug}/").status_code == 404
    assert _post(api, renamed)["slug"] == renamed


def test_put_replaces_the_post(api: Api) -> None:
    slug = new_post(api, summary="Old", tags=["old"], featured_image="https://cdn.example/x.png")
    write(api, "PUT", f"/v2/posts/{slug}/", {"title": "Replaced", "slug": slug, "status": "published"})
    post = _post(api, slug)
    assert (post["title"], post["summary"], post["tags"], post["featured_image"]) == ("Replaced", "", [], None)


def test_delete_post_removes_it_and_records_post_delete(api: Api, server: Server) -> None:
    slug = new_post(api)
    write(api, "DELETE", f"/v2/posts/{slug}/")
    assert api.get(f"/v2/posts/{slug}/", params={"preview": 1}).status_code == 404
    assert [e[0] for e in events_about(server, slug)] == ["post.create", "post.delete"]
    assert api.http.delete(f"/v2/posts/{slug}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "no-title"}, "title"),
        ({"title": "No slug"}, "slug"),
        ({"title": " ", "slug": "blank-title"}, "title"),
        ({"title": "Bad slug", "slug": "Not A Slug"}, "slug"),
        ({"title": "Bad status", "slug": "bad-status", "status": "scheduled"}, "status"),
        ({"title": "Nul", "slug": "nul-body", "body": "a\x00b"}, "body"),
        ({"title": "Who", "slug": "unknown-author", "author": {"slug": "nobody-at-all"}}, "author"),
        ({"title": "Who", "slug": "empty-author", "author": {}}, "author"),
        ({"title": "Cat", "slug": "bad-category", "categories": ["!!!"]}, "categories[0]"),
        ({"title": "Year", "slug": "far-future", "published": "9999-12-31T23:00:00-05:00"}, "published"),
        ({"title": "x" * 501, "slug": "long-title"}, "title"),
    ],
)
def test_bad_post_fields_are_field_keyed_400s(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post("/v2/posts/", json=body)
    assert response.status_code == 400, response.text
    errors = response.json()
    assert list(errors) == [field]
    assert isinstance(errors[field], list)
    assert isinstance(errors[field][0], str)


def test_a_taken_slug_is_refused(api: Api) -> None:
    slug = new_post(api)
    response = api.post("/v2/posts/", json={"title": "Again", "slug": slug})
    assert (response.status_code, response.json()) == (400, {"slug": ["a post with this slug already exists"]})


def test_read_tokens_cannot_write(server: Server, api: Api) -> None:
    reader = Api(server, server.token("read"))
    slug = new_post(api)
    for method, path in [
        ("POST", "/v2/posts/"),
        ("PATCH", f"/v2/posts/{slug}/"),
        ("PUT", f"/v2/posts/{slug}/"),
        ("DELETE", f"/v2/posts/{slug}/"),
        ("POST", "/v2/authors/"),
        ("POST", "/v2/categories/"),
        ("POST", "/v2/tags/"),
    ]:
        response = reader.http.request(method, path, json={"title": "x", "slug": unique("x"), "name": "x"})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json() == {"detail": "You do not have permission to perform this action."}
    reader.http.close()


def test_writes_to_missing_posts_are_404(api: Api) -> None:
    assert api.patch("/v2/posts/no-such-post/", json={"title": "x"}).json() == {"detail": "Not found."}
    assert api.http.put("/v2/posts/no-such-post/", json={"title": "x", "slug": "x"}).status_code == 404


def test_create_and_update_author(api: Api, server: Server) -> None:
    write(
        api, "POST", "/v2/authors/", {"first_name": "Ana", "last_name": unique("Lopez"), "email": "ana@studio.example"}
    )
    slug = next(a["slug"] for a in api.ok("GET", "/v2/authors/")["data"] if a["first_name"] == "Ana")
    write(api, "PATCH", f"/v2/authors/{slug}/", {"bio": "Writes the patch notes.", "twitter_handle": "ana"})
    author = api.ok("GET", f"/v2/authors/{slug}/")["data"]
    assert (author["bio"], author["twitter_handle"], author["email"]) == (
        "Writes the patch notes.",
        "ana",
        "ana@studio.example",
    )
    assert [e[0] for e in events_about(server, slug)] == ["author.create", "author.update"]
    assert api.post("/v2/authors/", json={"first_name": "Ana", "slug": slug}).json() == {
        "slug": ["an author with this slug already exists"]
    }
    assert api.post("/v2/authors/", json={"last_name": "Nobody"}).json() == {"first_name": ["is required"]}


def test_create_and_rename_categories_and_tags(api: Api, server: Server) -> None:
    for kind in ("categories", "tags"):
        name = unique("Dev Diary")
        write(api, "POST", f"/v2/{kind}/", {"name": name})
        slug = name.lower().replace(" ", "-")
        assert api.ok("GET", f"/v2/{kind}/{slug}/")["data"] == {"name": name, "slug": slug}
        write(api, "PATCH", f"/v2/{kind}/{slug}/", {"name": "Renamed", "slug": f"{slug}-2"})
        assert api.ok("GET", f"/v2/{kind}/{slug}-2/")["data"] == {"name": "Renamed", "slug": f"{slug}-2"}
        assert api.get(f"/v2/{kind}/{slug}/").status_code == 404
        assert api.post(f"/v2/{kind}/", json={"name": "Renamed", "slug": f"{slug}-2"}).status_code == 400
        assert api.post(f"/v2/{kind}/", json={"slug": "nameless"}).json() == {"name": ["is required"]}
        singular = "category" if kind == "categories" else "tag"
        assert [e[0] for e in events_about(server, slug)] == [f"{singular}.create"]
        assert [e[0] for e in events_about(server, f"{slug}-2")] == [f"{singular}.update"]


def test_categories_named_on_a_post_are_made_once(api: Api) -> None:
    name = unique("Community")
    new_post(api, categories=[name])
    new_post(api, categories=[name.upper()])
    listed = [c for c in api.ok("GET", "/v2/categories/")["data"] if c["slug"] == name.lower()]
    assert listed == [{"name": name, "slug": name.lower()}]
