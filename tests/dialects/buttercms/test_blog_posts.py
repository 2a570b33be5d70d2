"""ButterCMS blog posts (seed 004): list, filters, paging, drafts, retrieve with neighbours, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import Api
from tests.support.blog import AUTHOR_FIELDS, POST_FIELDS, new_author, new_post, unique
from tests.support.servers import Server


@pytest.fixture
def reader(server: Server) -> Iterator[Api]:
    """A client with a read token."""
    client = Api(server, server.token("read"))
    yield client
    client.http.close()


def test_post_has_the_seed_shape(api: Api, reader: Api) -> None:
    author = new_author(api, first_name="API", last_name="Test", bio="This is my bio.", title="API")
    slug = new_post(
        api,
        title="This is a blog post",
        body='<p class="">This is a blog post to test the API.</p>',
        summary="This is a blog post to test the API.",
        seo_title="This is a blog post",
        meta_description="This is a blog post to test the API.",
        published="2015-06-12T00:00:00Z",
        author={"slug": author},
        categories=["test category"],
        tags=["test tag"],
    )
    body = reader.ok("GET", f"/v2/posts/{slug}/")
    post = body["data"]
    assert set(post) == POST_FIELDS
    assert set(post["author"]) == AUTHOR_FIELDS
    assert post["url"] == f"{reader.server.base_url}/blog/{slug}"
    assert post["published"] == "2015-06-12T00:00:00Z"
    assert post["created"].endswith("Z")
    assert post["status"] == "published"
    assert post["featured_image"] is None
    assert post["categories"] == [{"name": "test category", "slug": "test-category"}]
    assert post["tags"] == [{"name": "test tag", "slug": "test-tag"}]
    assert (post["author"]["slug"], post["author"]["first_name"], post["author"]["bio"]) == (
        author,
        "API",
        "This is my bio.",
    )
    assert set(body["meta"]) == {"next_post", "previous_post"}


def test_list_posts_newest_first_with_meta(api: Api, reader: Api) -> None:
    tag = unique("tag")
    old = new_post(api, tags=[tag], published="2024-01-01T00:00:00Z")
    new = new_post(api, tags=[tag], published="2024-06-01T00:00:00Z")
    middle = new_post(api, tags=[tag], published="2024-03-01T00:00:00Z")
    body = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag})
    assert [p["slug"] for p in body["data"]] == [new, middle, old]
    assert body["meta"] == {"count": 3, "next_page": None, "previous_page": None}
    assert all(set(p) == POST_FIELDS for p in body["data"])


def test_pages_of_posts_link_to_each_other(api: Api, reader: Api) -> None:
    tag = unique("tag")
    slugs = [new_post(api, tags=[tag], published=f"2024-01-{day:02d}T00:00:00Z") for day in range(1, 6)]
    newest_first = slugs[::-1]
    first = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag, "page_size": 2})
    second = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag, "page_size": 2, "page": 2})
    last = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag, "page_size": 2, "page": 3})
    beyond = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag, "page_size": 2, "page": 9})
    assert first["meta"] == {"count": 5, "next_page": 2, "previous_page": None}
    assert second["meta"] == {"count": 5, "next_page": 3, "previous_page": 1}
    assert last["meta"] == {"count": 5, "next_page": None, "previous_page": 2}
    assert beyond == {"meta": {"count": 5, "next_page": None, "previous_page": 8}, "data": []}
    assert [p["slug"] for p in first["data"] + second["data"] + last["data"]] == newest_first


def test_page_size_defaults_to_ten(api: Api, reader: Api) -> None:
    tag = unique("tag")
    for _ in range(11):
        new_post(api, tags=[tag])
    body = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag})
    assert len(body["data"]) == 10
    assert body["meta"] == {"count": 11, "next_page": 2, "previous_page": None}


@pytest.mark.parametrize(
    ("name", "value"), [("page", "0"), ("page", "x"), ("page_size", "0"), ("page_size", "-1"), ("preview", "2")]
)
def test_out_of_bounds_paging_is_a_field_keyed_400(reader: Api, name: str, value: str) -> None:
    response = reader.get("/v2/posts/", params={name: value})
    assert response.status_code == 400, response.text
    assert name in response.json()


def test_exclude_body_leaves_the_body_out(api: Api, reader: Api) -> None:
    tag = unique("tag")
    new_post(api, tags=[tag])
    [post] = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag, "exclude_body": "true"})["data"]
    assert set(post) == POST_FIELDS - {"body"}


def test_filters_by_author_category_and_tag(api: Api, reader: Api) -> None:
    author, category, tag = new_author(api), unique("Category"), unique("tag")
    by_author = new_post(api, author={"slug": author})
    in_category = new_post(api, categories=[category])
    tagged = new_post(api, tags=[tag])
    category_slug = category.lower()
    assert [p["slug"] for p in reader.ok("GET", "/v2/posts/", params={"author_slug": author})["data"]] == [by_author]
    listed = reader.ok("GET", "/v2/posts/", params={"category_slug": category_slug})["data"]
    assert [p["slug"] for p in listed] == [in_category]
    assert [p["slug"] for p in reader.ok("GET", "/v2/posts/", params={"tag_slug": tag})["data"]] == [tagged]
    both = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag, "category_slug": category_slug})
    assert both == {"meta": {"count": 0, "next_page": None, "previous_page": None}, "data": []}


def test_drafts_are_invisible_without_preview(api: Api, reader: Api) -> None:
    tag = unique("tag")
    published = new_post(api, tags=[tag])
    draft = new_post(api, tags=[tag], status="draft")
    assert [p["slug"] for p in reader.ok("GET", "/v2/posts/", params={"tag_slug": tag})["data"]] == [published]
    assert reader.get(f"/v2/posts/{draft}/").status_code == 404
    previewed = reader.ok("GET", "/v2/posts/", params={"tag_slug": tag, "preview": 1})["data"]
    assert {p["slug"] for p in previewed} == {published, draft}
    post = reader.ok("GET", f"/v2/posts/{draft}/", params={"preview": 1})
    assert post["data"]["status"] == "draft"
    assert post["data"]["published"] is None
    assert post["meta"] == {"next_post": None, "previous_post": None}


def test_retrieve_names_the_next_and_previous_posts(api: Api, reader: Api) -> None:
    tag = unique("tag")
    first = new_post(api, tags=[tag], published="2001-01-01T00:00:00Z", featured_image="https://cdn.example/a.png")
    second = new_post(api, tags=[tag], published="2001-01-02T00:00:00Z")
    third = new_post(api, tags=[tag], published="2001-01-03T00:00:00Z")
    meta = reader.ok("GET", f"/v2/posts/{second}/")["meta"]
    assert meta["previous_post"] == {
        "slug": first,
        "title": f"Patch notes {first}",
        "featured_image": "https://cdn.example/a.png",
    }
    assert meta["next_post"]["slug"] == third


def test_neighbours_follow_publication_time_then_id_and_skip_drafts(api: Api, reader: Api) -> None:
    # The oldest posts of the server's database: nothing is published before 1901.
    tied_first = new_post(api, published="1901-01-01T00:00:00Z")
    tied_second = new_post(api, published="1901-01-01T00:00:00Z")
    new_post(api, status="draft", published="1901-01-01T12:00:00Z")
    later = new_post(api, published="1901-01-02T00:00:00Z")

    def meta(slug: str) -> tuple[str | None, str | None]:
        found = reader.ok("GET", f"/v2/posts/{slug}/")["meta"]
        return (
            found["previous_post"] and found["previous_post"]["slug"],
            found["next_post"] and found["next_post"]["slug"],
        )

    assert meta(tied_first) == (None, tied_second)
    assert meta(tied_second) == (tied_first, later)
    assert meta(later)[0] == tied_second


def test_unknown_post_is_404_not_found(reader: Api) -> None:
    response = reader.get("/v2/posts/no-such-post/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_reads_need_a_valid_token(anonymous: Api, server: Server) -> None:
    assert anonymous.get("/v2/posts/").status_code == 401
    assert anonymous.get("/v2/posts/", params={"auth_token": "nope"}).json() == {"detail": "Invalid token."}
    assert anonymous.get("/v2/posts/", params={"auth_token": server.token("read")}).status_code == 200


def test_trailing_slash_is_optional(api: Api, reader: Api) -> None:
    slug = new_post(api)
    assert reader.ok("GET", f"/v2/posts/{slug}")["data"]["slug"] == slug
