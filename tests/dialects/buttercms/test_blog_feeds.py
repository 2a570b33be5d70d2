"""ButterCMS feeds (seed 004): RSS 2.0, Atom 1.0 and sitemap in {"data": ...}, and as raw XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
import httpx
from lxml import etree

from tests.support.api import Api
from tests.support.blog import _sitemap_schema, assert_valid_sitemap, new_author, new_post, unique
from tests.support.servers import Server

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _made(api: Api) -> tuple[str, list[str], str]:
    """Two published posts and a draft under one new tag; returns the tag, the posts newest first, the draft."""
    tag = unique("feed")
    author = new_author(api, first_name="Kai", last_name="Feed")
    old = new_post(api, tags=[tag], published="2025-01-01T10:00:00Z", author={"slug": author}, categories=["News"])
    new = new_post(api, tags=[tag], published="2025-02-01T10:00:00Z", body="<p>Body with <b>markup</b> &amp; more</p>")
    draft = new_post(api, tags=[tag], status="draft")
    return tag, [new, old], draft


def test_rss_feed_is_valid_rss(api: Api) -> None:
    tag, posts, draft = _made(api)
    body = api.ok("GET", "/v2/feeds/rss/", params={"tag_slug": tag})
    assert set(body) == {"data"}
    assert body["data"].startswith("<?xml")
    feed = feedparser.parse(body["data"])
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert [e.link for e in feed.entries] == [f"{api.server.base_url}/blog/{slug}" for slug in posts]
    assert draft not in body["data"]
    assert feed.entries[1].author.endswith("(Kai Feed)")


def test_atom_feed_is_valid_atom(api: Api) -> None:
    tag, posts, _ = _made(api)
    body = api.ok("GET", "/v2/feeds/atom/", params={"tag_slug": tag})
    feed = feedparser.parse(body["data"])
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.link for e in feed.entries] == [f"{api.server.base_url}/blog/{slug}" for slug in posts]
    assert feed.entries[0].content[0].value == "<p>Body with <b>markup</b> &amp; more</p>"
    assert feed.entries[1].published == "2025-01-01T10:00:00+00:00"
    assert [t.term for t in feed.entries[1].tags] == ["news"]


def test_sitemap_lists_the_blog_then_published_posts_and_validates(api: Api) -> None:
    tag, posts, draft = _made(api)
    body = api.ok("GET", "/v2/feeds/sitemap/", params={"tag_slug": tag})
    assert_valid_sitemap(body["data"].encode())
    root = ET.fromstring(body["data"].encode())  # noqa: S314 (our own server's output)
    assert root.tag == f"{SITEMAP_NS}urlset"
    urls = root.findall(f"{SITEMAP_NS}url")
    locs = [url.findtext(f"{SITEMAP_NS}loc") for url in urls]
    assert locs == [f"{api.server.base_url}/blog"] + [f"{api.server.base_url}/blog/{slug}" for slug in posts]
    assert all(url.findtext(f"{SITEMAP_NS}lastmod") for url in urls)
    assert draft not in body["data"]


def test_a_sitemap_with_no_posts_still_validates(api: Api) -> None:
    body = api.ok("GET", "/v2/feeds/sitemap/", params={"tag_slug": unique("none")})
    assert_valid_sitemap(body["data"].encode())


def test_the_schema_rejects_what_the_protocol_forbids() -> None:
    """The test's schema is strict enough to catch a broken sitemap."""
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    for broken in (
        f'<urlset xmlns="{ns}"/>',
        f'<urlset xmlns="{ns}"><url><lastmod>2025-01-01</lastmod></url></urlset>',
        f'<urlset xmlns="{ns}"><url><loc>http://a.example/x</loc><lastmod>Jan 1</lastmod></url></urlset>',
        f'<urlset xmlns="{ns}"><url><loc>http://a.example/x</loc><priority>2</priority></url></urlset>',
        "<urlset><url><loc>http://a.example/x</loc></url></urlset>",
    ):
        schema = _sitemap_schema()
        assert not schema.validate(etree.fromstring(broken.encode())), broken


def test_feeds_filter_by_category(api: Api) -> None:
    category = unique("Feedcat")
    slug = new_post(api, categories=[category])
    new_post(api)
    for kind in ("rss", "atom"):
        feed = feedparser.parse(api.ok("GET", f"/v2/feeds/{kind}/", params={"category_slug": category.lower()})["data"])
        assert [e.link.rsplit("/", 1)[1] for e in feed.entries] == [slug]


def test_an_empty_feed_is_still_valid(api: Api) -> None:
    for kind in ("rss", "atom"):
        feed = feedparser.parse(api.ok("GET", f"/v2/feeds/{kind}/", params={"tag_slug": unique("none")})["data"])
        assert (feed.bozo, feed.entries) == (0, [])


def test_raw_feeds_have_their_content_types(api: Api) -> None:
    tag, posts, _ = _made(api)
    for path, media_type, version in (
        ("/feeds/rss.xml", "application/rss+xml", "rss20"),
        ("/feeds/atom.xml", "application/atom+xml", "atom10"),
    ):
        response = api.get(path, params={"tag_slug": tag})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media_type)
        feed = feedparser.parse(response.content)
        assert (feed.bozo, feed.version, len(feed.entries)) == (0, version, len(posts))
    response = api.get("/sitemap.xml", params={"tag_slug": tag})
    assert response.headers["content-type"].startswith("application/xml")
    assert_valid_sitemap(response.content)
    assert ET.fromstring(response.content).tag == f"{SITEMAP_NS}urlset"  # noqa: S314


def test_the_v2_feeds_need_a_token_and_the_raw_feeds_are_public(anonymous: Api, api: Api) -> None:
    """A feed reader cannot send a token: ``/feeds/*.xml`` and ``/sitemap.xml`` answer without one."""
    tag, posts, draft = _made(api)
    assert anonymous.get("/v2/feeds/rss/").status_code == 401
    for path in ("/feeds/rss.xml", "/feeds/atom.xml", "/sitemap.xml"):
        response = anonymous.get(path, params={"tag_slug": tag})
        assert response.status_code == 200, (path, response.text)
        assert response.headers["cache-control"] == "public, max-age=60"
        assert all(slug in response.text for slug in posts)
        assert draft not in response.text


def test_feeds_never_carry_the_token_they_were_read_with(api: Api, server: Server) -> None:
    """A feed reader passes ``?auth_token=``; the feed's links to itself keep its filters, never the token."""
    token = server.token("read")
    tag, _, _ = _made(api)
    documents = {
        path: httpx.get(f"{server.base_url}{path}", params={"tag_slug": tag, "auth_token": token}, timeout=30)
        for path in ("/v2/feeds/rss/", "/v2/feeds/atom/", "/v2/feeds/sitemap/", "/feeds/rss.xml", "/feeds/atom.xml")
    }
    for path, response in documents.items():
        assert response.status_code == 200, (path, response.text)
        assert token not in response.text, path
    rss = feedparser.parse(documents["/feeds/rss.xml"].text)
    atom = feedparser.parse(documents["/feeds/atom.xml"].text)
    assert rss.feed.link == f"{server.base_url}/blog"
    assert [link.href for link in atom.feed.links if link.rel == "self"] == [
        f"{server.base_url}/feeds/atom.xml?tag_slug={tag}"
    ]
