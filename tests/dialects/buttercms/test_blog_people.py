"""ButterCMS authors, categories and tags (seed 004): list and retrieve, with include=recent_posts."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.blog import AUTHOR_FIELDS, POST_FIELDS, new_author, new_post, unique


def test_author_has_the_seed_shape(api: Api) -> None:
    slug = new_author(
        api,
        first_name="Jennifer",
        last_name="Smith",
        bio="I love coffee!",
        title="President",
        linkedin_url="https://www.linkedin.com/in/jennifersmith",
        facebook_url="https://www.facebook.com/jennifersmith",
        pinterest_url="https://www.pinterest.com/jennifersmith",
        instagram_url="https://www.instagram.com/jennifersmith",
        twitter_handle="jennifersmith",
        profile_image="https://cdn.example/jennifer.png",
    )
    body = api.ok("GET", f"/v2/authors/{slug}/")
    assert set(body) == {"data"}
    assert set(body["data"]) == AUTHOR_FIELDS
    assert body["data"]["title"] == "President"
    assert body["data"]["twitter_handle"] == "jennifersmith"
    listed = api.ok("GET", "/v2/authors/")["data"]
    assert next(a for a in listed if a["slug"] == slug) == body["data"]


def test_author_recent_posts_are_included_on_request(api: Api) -> None:
    slug = new_author(api)
    post = new_post(api, author={"slug": slug})
    new_post(api, author={"slug": slug}, status="draft")
    detail = api.ok("GET", f"/v2/authors/{slug}/", params={"include": "recent_posts"})["data"]
    assert [p["slug"] for p in detail["recent_posts"]] == [post]
    assert set(detail["recent_posts"][0]) == POST_FIELDS
    listed = api.ok("GET", "/v2/authors/", params={"include": "recent_posts"})["data"]
    assert [p["slug"] for p in next(a for a in listed if a["slug"] == slug)["recent_posts"]] == [post]
    assert "recent_posts" not in api.ok("GET", f"/v2/authors/{slug}/")["data"]


def test_categories_and_tags_list_and_retrieve(api: Api) -> None:
    category, tag = unique("Updates"), unique("Balance")
    post = new_post(api, categories=[category], tags=[tag])
    for kind, name in (("categories", category), ("tags", tag)):
        slug = name.lower()
        assert {"name": name, "slug": slug} in api.ok("GET", f"/v2/{kind}/")["data"]
        assert api.ok("GET", f"/v2/{kind}/{slug}/") == {"data": {"name": name, "slug": slug}}
        detail = api.ok("GET", f"/v2/{kind}/{slug}/", params={"include": "recent_posts"})["data"]
        assert [p["slug"] for p in detail["recent_posts"]] == [post]
        listed = api.ok("GET", f"/v2/{kind}/", params={"include": "recent_posts"})["data"]
        assert [p["slug"] for p in next(t for t in listed if t["slug"] == slug)["recent_posts"]] == [post]


def test_unknown_author_category_tag_are_404(api: Api) -> None:
    for kind in ("authors", "categories", "tags"):
        response = api.get(f"/v2/{kind}/nobody-here/")
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_unknown_include_is_a_field_keyed_400(api: Api) -> None:
    response = api.get("/v2/authors/", params={"include": "everything"})
    assert response.status_code == 400
    assert "include" in response.json()
