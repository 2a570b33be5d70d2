"""The official ``buttercms-python`` client against ghee: posts, search, authors, categories, tags, feeds."""

from __future__ import annotations

import feedparser
import pytest
from butter_cms import ButterCMS
from requests.exceptions import HTTPError

from tests.support.api import Api
from tests.support.blog import new_author, new_post, unique
from tests.support.servers import Server


def _client(server: Server, token: str) -> ButterCMS:
    """The client with every resource pointed at this server's /v2 (its ``url`` attribute)."""
    client = ButterCMS(token)
    for resource in (client.posts, client.authors, client.categories, client.tags, client.feeds):
        resource.url = f"{server.base_url}/v2/"
    return client


def test_the_official_client_reads_the_blog(api: Api, server: Server) -> None:
    butter = _client(server, server.token("read"))
    author, category, tag, word = new_author(api), unique("Client"), unique("client"), unique("zqclient")
    slug = new_post(api, title=f"{word} launch", author={"slug": author}, categories=[category], tags=[tag])

    posts = butter.posts.all({"page_size": 10, "tag_slug": tag})
    assert [p["slug"] for p in posts["data"]] == [slug]
    assert posts["meta"]["count"] == 1
    assert butter.posts.get(slug)["data"]["author"]["slug"] == author
    assert [p["slug"] for p in butter.posts.search(word, {"page": 1})["data"]] == [slug]

    assert butter.authors.get(author)["data"]["slug"] == author
    assert any(a["slug"] == author for a in butter.authors.all({"include": "recent_posts"})["data"])
    assert butter.categories.get(category.lower())["data"] == {"name": category, "slug": category.lower()}
    assert any(c["slug"] == category.lower() for c in butter.categories.all()["data"])
    assert butter.tags.get(tag, {"include": "recent_posts"})["data"]["recent_posts"][0]["slug"] == slug
    assert any(t["slug"] == tag for t in butter.tags.all()["data"])

    for kind in ("rss", "atom"):
        assert feedparser.parse(butter.feeds.get(kind)["data"]).bozo == 0
    assert "sitemaps.org" in butter.feeds.get("sitemap")["data"]


def test_the_official_client_raises_on_errors(server: Server) -> None:
    with pytest.raises(HTTPError, match="404"):
        _client(server, server.token("read")).posts.get("no-such-post")
    with pytest.raises(HTTPError, match="401"):
        _client(server, "not-a-token").posts.all()
