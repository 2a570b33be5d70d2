"""Every example request of seed 004 (ButterCMS), sent as a new user would: against `ghee demo`'s content, as written.

The database is loaded by the same `ghee demo` command `make run` runs, and
each request is the seed's own URL with only the host changed and the token
in ``auth_token``, as the seed's curl examples send it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import feedparser
import httpx
import pytest

from tests.support.blog import AUTHOR_FIELDS, POST_FIELDS, assert_valid_sitemap
from tests.support.databases import make_database
from tests.support.servers import Server, start_server
from tests.support.services import GHEE, ROOT

PAGE_META_KEYS = {"count", "next_page", "previous_page"}


class Seed:
    """The demo's server and a read token, sent the way the seed's curl examples send it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.token = server.token("read")
        self.http = httpx.Client(base_url=server.base_url, timeout=30)

    def get(self, url: str) -> Any:
        """GET a seed URL (``https://api.buttercms.com`` already cut off) with ``auth_token``; expect 200 JSON."""
        joiner = "&" if "?" in url else "?"
        response = self.http.get(f"{url}{joiner}auth_token={self.token}")
        assert response.status_code == 200, (url, response.status_code, response.text)
        return response.json()


@pytest.fixture(scope="module")
def seed(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    tmp = tmp_path_factory.mktemp(f"seed004-{backend}")
    url, drop = make_database(backend, tmp)
    env = {"GHEE_DATABASE_URL": url}
    loaded = subprocess.run([GHEE, "demo"], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert loaded.returncode == 0, loaded.stderr
    server = start_server(url, tmp / "serve.log")
    client = Seed(server)
    try:
        yield client
    finally:
        client.http.close()
        server.stop()
        drop()


def test_authentication_example_lists_posts(seed: Seed) -> None:
    body = seed.get("/v2/posts/")
    assert set(body) == {"meta", "data"}
    assert set(body["meta"]) >= PAGE_META_KEYS
    assert len(body["data"]) == 10
    assert set(body["data"][0]) >= POST_FIELDS
    assert set(body["data"][0]["author"]) >= AUTHOR_FIELDS


def test_list_pages_of_a_page_type(seed: Seed) -> None:
    body = seed.get("/v2/pages/news/")
    assert set(body["meta"]) >= PAGE_META_KEYS
    assert body["meta"]["count"] == 2
    example = next(page for page in body["data"] if page["slug"] == "example-news-page")
    assert set(example["fields"]) == {"seo_title", "seo_description", "seo_keywords", "title", "body"}


def test_retrieve_a_page_matches_the_seed_example(seed: Seed) -> None:
    body = seed.get("/v2/pages/news/example-news-page/")
    assert body["data"]["slug"] == "example-news-page"
    assert body["data"]["fields"] == {
        "seo_title": "Example News Page",
        "seo_description": "SEO Description",
        "seo_keywords": "SEO Keywords",
        "title": "This is an example news page",
        "body": "<p>Breaking news!</p>",
    }


def test_retrieve_content_fields(seed: Seed) -> None:
    body = seed.get("/v2/content/?keys=homepage_headline,homepage_title")
    assert body == {"data": {"homepage_headline": "Games built in the open", "homepage_title": "Ironpeak Studios"}}


def test_content_in_test_mode_and_in_a_locale(seed: Seed) -> None:
    assert seed.get("/v2/content/?keys=headline&test=1") == {"data": {"headline": "Skyforge season 2 is live"}}
    assert seed.get("/v2/content/?keys=headline&locale=en") == {"data": {"headline": "Skyforge season 2 is live"}}
    french = seed.get("/v2/content/?keys=headline&locale=fr")
    assert french == {"data": {"headline": "La saison 2 de Skyforge est lancée"}}


def test_filtering_a_collection(seed: Seed) -> None:
    body = seed.get("/v2/content/?keys=team[name=Jun Takeda],team[name=Lena Brandt]")
    assert [person["name"] for person in body["data"]["team"]] == ["Jun Takeda", "Lena Brandt"]
    assert all("meta" in person and "id" in person["meta"] for person in body["data"]["team"])


def test_list_posts_by_page(seed: Seed) -> None:
    body = seed.get("/v2/posts/?page=1&page_size=10")
    assert len(body["data"]) == 10
    assert body["meta"]["count"] >= 50
    assert (body["meta"]["previous_page"], body["meta"]["next_page"]) == (None, 2)
    published = [post["published"] for post in body["data"]]
    assert published == sorted(published, reverse=True)


def test_retrieve_a_post(seed: Seed) -> None:
    body = seed.get("/v2/posts/hello-world/")
    assert set(body) == {"meta", "data"}
    assert set(body["meta"]) == {"next_post", "previous_post"}
    assert body["meta"]["previous_post"] is None  # the blog's first post
    assert set(body["meta"]["next_post"]) == {"slug", "title", "featured_image"}
    assert set(body["data"]) >= POST_FIELDS
    assert body["data"]["slug"] == "hello-world"
    assert body["data"]["author"]["slug"] == "jennifer-smith"


def test_search_posts(seed: Seed) -> None:
    body = seed.get("/v2/search/?query=my+favorite+post")
    assert set(body["meta"]) >= PAGE_META_KEYS
    assert body["data"], "the demo has a post about favorite posts"
    assert body["data"][0]["slug"] == "the-year-in-review-my-favorite-posts-from-the-team"
    assert set(body["data"][0]) >= POST_FIELDS | {"rank"}
    assert seed.get("/v2/search/?query=zzyzx+nothing+matches") == {
        "meta": {"count": 0, "next_page": None, "previous_page": None},
        "data": [],
    }


def test_authors(seed: Seed) -> None:
    listed = seed.get("/v2/authors/")["data"]
    assert len(listed) == 5
    assert all(set(author) >= AUTHOR_FIELDS for author in listed)
    jennifer = seed.get("/v2/authors/jennifer-smith/")["data"]
    assert set(jennifer) >= AUTHOR_FIELDS
    assert (jennifer["first_name"], jennifer["last_name"]) == ("Jennifer", "Smith")
    with_posts = seed.get("/v2/authors/?include=recent_posts")["data"]
    assert any(author["recent_posts"] for author in with_posts)


@pytest.mark.parametrize("kind", ["categories", "tags"])
def test_categories_and_tags(seed: Seed, kind: str) -> None:
    listed = seed.get(f"/v2/{kind}/")["data"]
    assert listed
    assert all(set(item) >= {"name", "slug"} for item in listed)
    assert seed.get(f"/v2/{kind}/product-updates/")["data"] == {"name": "Product Updates", "slug": "product-updates"}
    recent = seed.get(f"/v2/{kind}/product-updates/?include=recent_posts")["data"]["recent_posts"]
    assert recent
    assert all(set(post) >= POST_FIELDS for post in recent)


@pytest.mark.parametrize(("kind", "version"), [("rss", "rss20"), ("atom", "atom10")])
def test_feeds(seed: Seed, kind: str, version: str) -> None:
    body = seed.get(f"/v2/feeds/{kind}/")
    assert set(body) == {"data"}
    feed = feedparser.parse(body["data"])
    assert (feed.bozo, feed.version) == (0, version)
    assert feed.entries


def test_sitemap(seed: Seed) -> None:
    body = seed.get("/v2/feeds/sitemap/")
    assert set(body) == {"data"}
    assert_valid_sitemap(body["data"].encode())
    assert body["data"].count("<url>") >= 51  # the blog's front page and every published post
