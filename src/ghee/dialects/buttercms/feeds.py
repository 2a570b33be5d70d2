"""The blog's feeds: RSS 2.0 and Atom 1.0 (made with feedgen) and a sitemaps.org sitemap.

ButterCMS serves them as ``{"data": "<?xml ...>"}`` under ``/v2/feeds/``;
``raw_router`` serves the same documents as XML at ``/feeds/rss.xml``,
``/feeds/atom.xml`` and ``/sitemap.xml`` for feed readers and crawlers, without
a token unless ``GHEE_FEEDS_PUBLIC=0``. Every link in them is built from the
configured addresses (``SiteSettings``), never from the request's ``Host``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator
from litestar import Request, Response, Router, get
from litestar.handlers import HTTPRouteHandler

from ghee.config import SiteSettings
from ghee.core.blog import posts
from ghee.core.blog.addresses import Sites, sites_for
from ghee.core.blog.posts import Post, PostFilter
from ghee.core.inputs import check_filter
from ghee.core.paging import Window
from ghee.db.reads import Reads
from ghee.dialects.buttercms.blog_shapes import FeedDocument
from ghee.dialects.buttercms.errors import ERRORS
from ghee.http.auth import DEPENDENCIES, ApiRequest, authenticated, remember_rate, shown_query
from ghee.http.ratelimit import RateLimitExceeded
from ghee.http.services import services_of

FEED_SIZE = 50  # posts in an RSS or Atom feed
SITEMAP_SIZE = 50_000  # the sitemaps.org limit of URLs per file
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"


def _site(request: Request[Any, Any, Any]) -> SiteSettings:
    return services_of(request.app.state).settings.site


def _self_url(request: Request[Any, Any, Any]) -> str:
    """The document's link to itself: ghee's configured address, the path, the query without ``auth_token``."""
    query = urlencode(shown_query(request))
    return f"{_site(request).public_url}{request.url.path}{'?' + query if query else ''}"


def _filters(category_slug: str | None, tag_slug: str | None) -> PostFilter:
    return PostFilter(
        category_slug=check_filter("category_slug", category_slug), tag_slug=check_filter("tag_slug", tag_slug)
    )


async def _feed(reads: Reads, site: SiteSettings, self_url: str, filters: PostFilter) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(site.blog_url)
    feed.title("Blog")
    feed.subtitle("Posts from the blog")  # RSS 2.0 requires a description
    # feedgen makes RSS's <link> of the last link given: the blog, as RSS 2.0 means it (the site, not the feed).
    feed.link(href=self_url, rel="self")
    feed.link(href=site.blog_url, rel="alternate")
    feed.author({"name": "Blog"})  # Atom wants an author for entries without one
    feed.language("en")
    found = await posts.list_posts(reads, filters, Window(FEED_SIZE))
    sites = await sites_for(reads, site, (post.project_id for post in found.items))
    for post in reversed(found.items):  # feedgen prepends: add oldest first to list newest first
        _add_entry(feed, sites, post)
    if found.items:
        feed.updated(max(p.updated_at for p in found.items).replace(tzinfo=UTC))
    return feed


def _add_entry(feed: FeedGenerator, sites: Sites, post: Post) -> None:
    url = sites.post_url(post.slug, post.project_id)
    entry = feed.add_entry()
    entry.id(url)
    entry.guid(url, permalink=True)
    entry.title(post.title)
    entry.link(href=url)
    entry.published((post.published_at or post.created_at).replace(tzinfo=UTC))
    entry.updated(post.updated_at.replace(tzinfo=UTC))
    if post.summary:
        entry.summary(post.summary)
    entry.content(post.body, type="html")
    if post.author:
        name = f"{post.author.first_name} {post.author.last_name}".strip()
        entry.author({"name": name, "email": post.author.email} if post.author.email else {"name": name})
    for term in post.categories:
        entry.category({"term": term.slug, "label": term.name})


async def rss_document(reads: Reads, site: SiteSettings, self_url: str, filters: PostFilter) -> str:
    """The newest published posts as an RSS 2.0 document."""
    return (await _feed(reads, site, self_url, filters)).rss_str(pretty=True).decode("utf-8")  # type: ignore[no-any-return]


async def atom_document(reads: Reads, site: SiteSettings, self_url: str, filters: PostFilter) -> str:
    """The newest published posts as an Atom 1.0 document."""
    return (await _feed(reads, site, self_url, filters)).atom_str(pretty=True).decode("utf-8")  # type: ignore[no-any-return]


async def sitemap_document(reads: Reads, site: SiteSettings, _self_url: str, filters: PostFilter) -> str:
    """The blog's front page, then every published post's URL, as a sitemaps.org ``urlset``.

    The front page comes first so the document is valid even when no post
    matches: the sitemaps.org schema requires at least one ``url``.
    """
    published = await posts.list_published(reads, filters, SITEMAP_SIZE - 1)
    sites = await sites_for(reads, site, (listed.project_id for listed in published))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        _sitemap_url(site.blog_url, published[0].updated_at if published else None, "daily"),
    ]
    lines.extend(
        _sitemap_url(sites.post_url(listed.slug, listed.project_id), listed.updated_at, None) for listed in published
    )
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _sitemap_url(loc: str, lastmod: datetime | None, changefreq: str | None) -> str:
    parts = [f"<loc>{escape(loc)}</loc>"]
    if lastmod is not None:
        parts.append(f"<lastmod>{lastmod.date().isoformat()}</lastmod>")
    if changefreq is not None:
        parts.append(f"<changefreq>{changefreq}</changefreq>")
    return f"  <url>{''.join(parts)}</url>"


Document = Callable[[Reads, SiteSettings, str, PostFilter], Awaitable[str]]


async def _wrapped(request: ApiRequest, make: Document, category_slug: str | None, tag_slug: str | None) -> str:
    # The feed's link to itself never carries the caller's ``?auth_token=``: a feed is read and passed on.
    return await make(request.reads, _site(request), _self_url(request), _filters(category_slug, tag_slug))


@get("/feeds/rss", responses=ERRORS)
async def rss_feed(request: ApiRequest, category_slug: str | None = None, tag_slug: str | None = None) -> FeedDocument:
    """The blog as an RSS 2.0 feed, in ``data``."""
    return FeedDocument(await _wrapped(request, rss_document, category_slug, tag_slug))


@get("/feeds/atom", responses=ERRORS)
async def atom_feed(request: ApiRequest, category_slug: str | None = None, tag_slug: str | None = None) -> FeedDocument:
    """The blog as an Atom 1.0 feed, in ``data``."""
    return FeedDocument(await _wrapped(request, atom_document, category_slug, tag_slug))


@get("/feeds/sitemap", responses=ERRORS)
async def sitemap_feed(
    request: ApiRequest, category_slug: str | None = None, tag_slug: str | None = None
) -> FeedDocument:
    """The blog's posts as a sitemaps.org sitemap, in ``data``."""
    return FeedDocument(await _wrapped(request, sitemap_document, category_slug, tag_slug))


ROUTES: list[HTTPRouteHandler] = [rss_feed, atom_feed, sitemap_feed]


# The same documents as XML, outside /v2, for feed readers and crawlers: public unless
# GHEE_FEEDS_PUBLIC=0 (then ``?auth_token=`` works where a reader cannot send headers).

PUBLIC_CACHE = "public, max-age=60"


async def feed_reader(request: Request[Any, Any, Any]) -> Response[bytes] | None:
    """``before_request`` hook of the raw feeds: each client address has its own rate limit, or a token is needed."""
    services = services_of(request.app.state)
    if not services.settings.site.feeds_public:
        return await authenticated(request)
    client = request.client.host if request.client else "unknown"
    try:
        state = await services.limiter.hit(f"feeds:{client}", services.settings.site.feeds_rate_limit)
    except RateLimitExceeded as exc:
        remember_rate(request.scope, exc.state)
        raise
    remember_rate(request.scope, state)
    return None


async def _raw(
    request: ApiRequest, make: Document, media_type: str, category_slug: str | None, tag_slug: str | None
) -> Response[str]:
    public = services_of(request.app.state).settings.site.feeds_public
    headers = {"Cache-Control": PUBLIC_CACHE} if public else {}
    return Response(await _wrapped(request, make, category_slug, tag_slug), media_type=media_type, headers=headers)


@get("/feeds/rss.xml", responses=ERRORS, media_type=RSS)
async def raw_rss(request: ApiRequest, category_slug: str | None = None, tag_slug: str | None = None) -> Response[str]:
    """The blog as an RSS 2.0 document."""
    return await _raw(request, rss_document, RSS, category_slug, tag_slug)


@get("/feeds/atom.xml", responses=ERRORS, media_type=ATOM)
async def raw_atom(request: ApiRequest, category_slug: str | None = None, tag_slug: str | None = None) -> Response[str]:
    """The blog as an Atom 1.0 document."""
    return await _raw(request, atom_document, ATOM, category_slug, tag_slug)


@get("/sitemap.xml", responses=ERRORS, media_type=XML)
async def raw_sitemap(
    request: ApiRequest, category_slug: str | None = None, tag_slug: str | None = None
) -> Response[str]:
    """The blog's posts as a sitemaps.org sitemap."""
    return await _raw(request, sitemap_document, XML, category_slug, tag_slug)


raw_router = Router(
    path="/",
    route_handlers=[raw_rss, raw_atom, raw_sitemap],
    dependencies=DEPENDENCIES,
    before_request=feed_reader,
    request_class=ApiRequest,
    tags=["ButterCMS"],
)
"""Register in ``ghee.app`` beside the dialect routers."""
