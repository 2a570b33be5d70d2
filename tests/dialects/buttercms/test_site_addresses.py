"""The addresses in answers come from settings (GHEE_SITE_URL, GHEE_POST_URL, GHEE_PUBLIC_URL), never from ``Host``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import feedparser
import httpx
import pytest

from ghee.cli import served_address
from ghee.config import Settings, SettingsError
from tests.support.api import Api
from tests.support.blog import new_post, unique
from tests.support.media import image_bytes, upload
from tests.support.servers import Server, serve_fresh

SITE = "https://www.studio.example"
HUB = "https://hub.studio.example"
SPOOFED = {"Host": "attacker.example"}
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve_fresh(
        backend,
        tmp_path_factory,
        "site",
        GHEE_SITE_URL=SITE + "/",
        GHEE_POST_URL="/news/{slug}/",
        GHEE_PUBLIC_URL=HUB,
    )


@pytest.fixture
def site_api(site_server: Server) -> Iterator[Api]:
    client = Api(site_server, site_server.token("admin"))
    yield client
    client.http.close()


def test_post_urls_use_the_site_setting_whatever_host_says(site_api: Api) -> None:
    tag = unique("site")
    slug = new_post(site_api, tags=[tag])
    one = site_api.ok("GET", f"/v2/posts/{slug}/", headers=SPOOFED)["data"]
    listed = site_api.ok("GET", "/v2/posts/", params={"tag_slug": tag}, headers=SPOOFED)["data"]
    assert one["url"] == listed[0]["url"] == f"{SITE}/news/{slug}/"


def test_feed_links_and_sitemap_locations_use_the_site_setting(site_api: Api, site_server: Server) -> None:
    tag = unique("site")
    slugs = [new_post(site_api, tags=[tag], published=f"2025-0{n}-01T10:00:00Z") for n in (1, 2)]
    rss = feedparser.parse(site_api.get("/feeds/rss.xml", params={"tag_slug": tag}, headers=SPOOFED).content)
    atom = feedparser.parse(site_api.ok("GET", "/v2/feeds/atom/", params={"tag_slug": tag}, headers=SPOOFED)["data"])
    newest_first = [f"{SITE}/news/{slug}/" for slug in reversed(slugs)]
    assert [entry.link for entry in rss.entries] == [entry.link for entry in atom.entries] == newest_first
    assert rss.feed.link == f"{SITE}/news"  # the channel links to the site's blog, not to the feed
    assert [link.href for link in atom.feed.links if link.rel == "self"] == [f"{HUB}/v2/feeds/atom?tag_slug={tag}"]
    sitemap = httpx.get(f"{site_server.base_url}/sitemap.xml", params={"tag_slug": tag}, headers=SPOOFED, timeout=30)
    locs = [loc.text for loc in ET.fromstring(sitemap.content).iter(f"{SITEMAP_NS}loc")]  # noqa: S314 (ours)
    assert locs == [f"{SITE}/news", *newest_first]
    assert "attacker.example" not in sitemap.text + rss.feed.link


def test_media_links_name_ghee_s_configured_address(site_api: Api) -> None:
    site_api.http.headers.update(SPOOFED)
    uploaded = upload(site_api.http, image_bytes((4, 4)))
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["data"]["url"].startswith(f"{HUB}/media/")


def test_malformed_addresses_are_refused_at_start() -> None:
    for name, value in (
        ("GHEE_SITE_URL", "www.studio.example"),
        ("GHEE_SITE_URL", "ftp://studio.example"),
        ("GHEE_PUBLIC_URL", "https://hub.example/?a=1"),
        ("GHEE_POST_URL", "blog/{slug}"),
        ("GHEE_POST_URL", "/blog/"),
        ("GHEE_POST_URL", "/{slug}/{slug}"),
        ("GHEE_POST_URL", "/blog/{id}/{slug}"),
    ):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value})


def test_without_settings_urls_name_the_served_address() -> None:
    site = Settings.from_env({}).site
    assert site.post_url("a b") == "http://127.0.0.1:8080/blog/a%20b"
    assert site.blog_url == "http://127.0.0.1:8080/blog"
    assert Settings.from_env({"GHEE_POST_URL": "/{slug}"}).site.blog_url == "http://127.0.0.1:8080"
    assert served_address("0.0.0.0", 9000) == "http://127.0.0.1:9000"  # noqa: S104 (the listening address)
    assert served_address("::1", 9000) == "http://[::1]:9000"
