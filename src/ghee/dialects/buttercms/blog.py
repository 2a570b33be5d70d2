"""ButterCMS blog routes: posts, search, authors, categories, tags (and feeds, from ``feeds``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, delete, get, patch, post, put
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter, QueryParameter

from ghee.config import SiteSettings
from ghee.core.blog import authors, drafts, posts, search, taxonomy, writing
from ghee.core.blog.addresses import Sites, sites_for
from ghee.core.blog.posts import Post, PostFilter, PostPage
from ghee.core.inputs import check_filter
from ghee.core.paging import Window
from ghee.core.tokens import Principal, token_label
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.dialects.buttercms import feeds
from ghee.dialects.buttercms.blog_shapes import (
    Accepted,
    AuthorBody,
    AuthorDetail,
    AuthorList,
    ButterPost,
    PostBody,
    PostDetail,
    PostList,
    PostMeta,
    PostPatchBody,
    TermBody,
    TermDetail,
    TermList,
    author_changes,
    author_shape,
    neighbour_shape,
    post_changes,
    post_list_shape,
    post_shape,
    term_shape,
)
from ghee.dialects.buttercms.errors import ERRORS
from ghee.errors import Invalid
from ghee.http.answers import kept
from ghee.http.auth import ApiRequest, requires
from ghee.http.pagination import CLAMPED, MAX_PAGE_SIZE
from ghee.http.services import services_of

ACCEPTED = 202
RECENT_POSTS = 10
MAX_PAGE = 100_000

Page = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Page number, from 1")]
PageSize = Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE, description=f"Posts per page {CLAMPED}")]
Preview = Annotated[int, Parameter(ge=0, le=1, description="1 to include drafts")]
Include = Literal["recent_posts"]


def site_of(request: Request[Any, Any, Any]) -> SiteSettings:
    """Where posts' ``url`` fields and feeds link to: the configured site, never the request's ``Host``."""
    return services_of(request.app.state).settings.site


async def sites_of(request: ApiRequest, found: list[Post]) -> Sites:
    """The sites the posts ``found`` link to: the configured one, or their projects' own."""
    return await sites_for(request.reads, site_of(request), (post.project_id for post in found))


def _window(page: int, page_size: int) -> Window:
    return Window(page_size, (page - 1) * page_size)


# Posts


@get("/posts", responses=ERRORS, opt=kept())
async def list_posts(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    page: Page = 1,
    page_size: PageSize = 10,
    exclude_body: bool = False,
    author_slug: str | None = None,
    category_slug: str | None = None,
    tag_slug: str | None = None,
    preview: Preview = 0,
) -> PostList:
    """List published posts, newest first (``preview=1`` adds drafts)."""
    filters = PostFilter(
        check_filter("author_slug", author_slug),
        check_filter("category_slug", category_slug),
        check_filter("tag_slug", tag_slug),
        preview=preview == 1,
    )
    found = await posts.list_posts(request.reads, filters, _window(page, page_size))
    if filters.preview:
        found = PostPage(await drafts.all_previewed(request.reads, found.items), found.count)
    return post_list_shape(found, await sites_of(request, found.items), page, page_size, body=not exclude_body)


@get("/posts/{slug:str}", responses=ERRORS, opt=kept())
async def get_post(request: ApiRequest, slug: str, preview: Preview = 0) -> PostDetail:
    """Get one post, with the posts published just after and before it."""
    found, newer, older = await posts.get_post_with_neighbours(request.reads, slug, preview=preview == 1)
    shown = await drafts.previewed(request.reads, found) if preview == 1 else found
    sites = await sites_of(request, [shown])
    return PostDetail(PostMeta(neighbour_shape(newer), neighbour_shape(older)), post_shape(shown, sites))


@get(["/search", "/posts/search"], responses=ERRORS, opt=kept())
async def search_posts(
    request: ApiRequest,
    search_query: Annotated[str, QueryParameter(name="query", description="Words to find; quote a phrase")] = "",
    page: Page = 1,
    page_size: PageSize = 10,
    exclude_body: bool = False,
) -> PostList:
    """Search published posts' titles and bodies, most relevant first; each post carries its ``rank``."""
    found = await search.search_posts(request.reads, search_query, _window(page, page_size))
    return post_list_shape(found, await sites_of(request, found.items), page, page_size, body=not exclude_body)


@post("/posts", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def create_post(db: Database, principal: Principal, data: PostBody) -> Accepted:
    """Write a post: ``title`` and ``slug`` required; categories and tags by name, made on first use."""
    async with db.write() as work:
        await writing.create_post(work, post_changes(data), await token_label(work, principal.token_id))
    return Accepted()


async def _update_post(db: Database, principal: Principal, slug: str, changes: writing.PostChanges) -> Accepted:
    async with db.write() as work:
        found = await posts.get_post(work, slug, preview=True)
        await writing.update_post(work, found, changes, await token_label(work, principal.token_id))
    return Accepted()


@patch("/posts/{slug:str}", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def update_post(db: Database, principal: Principal, slug: str, data: PostPatchBody) -> Accepted:
    """Change the fields given of a post: ``status: "draft"`` on a live post saves a draft and keeps it live."""
    return await _update_post(db, principal, slug, post_changes(data))


@put("/posts/{slug:str}", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def replace_post(db: Database, principal: Principal, slug: str, data: PostBody) -> Accepted:
    """Replace a post: fields left out take their defaults (the author stays)."""
    return await _update_post(db, principal, slug, post_changes(data))


@delete(
    "/posts/{slug:str}",
    responses={**ERRORS, ACCEPTED: ResponseSpec(Accepted)},
    status_code=ACCEPTED,
    opt=requires("write"),
)
async def delete_post(db: Database, slug: str) -> Accepted:
    """Delete a post."""
    async with db.write() as work:
        await writing.delete_post(work, await posts.get_post(work, slug, preview=True))
    return Accepted()


# Authors


async def _recent(reads: Reads, site: SiteSettings, filters: PostFilter) -> list[ButterPost]:
    """The newest published posts matching ``filters``, as full post objects."""
    found = await posts.list_posts(reads, filters, Window(RECENT_POSTS))
    sites = await sites_for(reads, site, (post.project_id for post in found.items))
    return [post_shape(p, sites) for p in found.items]


@get("/authors", responses=ERRORS, opt=kept())
async def list_authors(request: ApiRequest, include: Include | None = None) -> AuthorList:
    """List authors; ``include=recent_posts`` adds each one's newest posts."""
    site = site_of(request)
    shapes = []
    for author in await authors.list_authors(request.reads):
        recent = await _recent(request.reads, site, PostFilter(author_slug=author.slug)) if include else None
        shapes.append(author_shape(author) if recent is None else author_shape(author, recent))
    return AuthorList(shapes)


@get("/authors/{slug:str}", responses=ERRORS, opt=kept())
async def get_author(request: ApiRequest, slug: str, include: Include | None = None) -> AuthorDetail:
    """Get one author; ``include=recent_posts`` adds their newest posts."""
    author = await authors.get_author(request.reads, slug)
    if include:
        return AuthorDetail(author_shape(author, await _recent(request.reads, site_of(request), PostFilter(slug))))
    return AuthorDetail(author_shape(author))


@post("/authors", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def create_author(db: Database, data: AuthorBody) -> Accepted:
    """Add an author: ``first_name`` required; the slug defaults to the full name's."""
    async with db.write() as work:
        await authors.create_author(work, author_changes(data))
    return Accepted()


@patch("/authors/{slug:str}", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def update_author(db: Database, slug: str, data: AuthorBody) -> Accepted:
    """Change the fields given of an author."""
    async with db.write() as work:
        author = await authors.get_author(work, slug)
        await authors.update_author(work, author, author_changes(data))
    return Accepted()


# Categories and tags


async def _term_list(request: ApiRequest, vocabulary: taxonomy.Vocabulary, include: Include | None) -> TermList:
    site = site_of(request)
    shapes = []
    for term in await taxonomy.list_terms(request.reads, vocabulary):
        if include:
            shapes.append(term_shape(term, await _recent(request.reads, site, _by_term(vocabulary, term.slug))))
        else:
            shapes.append(term_shape(term))
    return TermList(shapes)


async def _term_detail(
    request: ApiRequest, vocabulary: taxonomy.Vocabulary, slug: str, include: Include | None
) -> TermDetail:
    term = await taxonomy.get_term(request.reads, vocabulary, slug)
    if include:
        recent = await _recent(request.reads, site_of(request), _by_term(vocabulary, slug))
        return TermDetail(term_shape(term, recent))
    return TermDetail(term_shape(term))


def _by_term(vocabulary: taxonomy.Vocabulary, slug: str) -> PostFilter:
    return PostFilter(category_slug=slug) if vocabulary is taxonomy.CATEGORIES else PostFilter(tag_slug=slug)


async def _create_term(db: Database, vocabulary: taxonomy.Vocabulary, data: TermBody) -> Accepted:
    if data.name is None:
        raise Invalid("name", "is required")
    async with db.write() as work:
        await taxonomy.create_term(work, vocabulary, data.name, data.slug)
    return Accepted()


async def _update_term(db: Database, vocabulary: taxonomy.Vocabulary, slug: str, data: TermBody) -> Accepted:
    async with db.write() as work:
        term = await taxonomy.get_term(work, vocabulary, slug)
        await taxonomy.update_term(work, vocabulary, term, data.name, data.slug)
    return Accepted()


@get("/categories", responses=ERRORS, opt=kept())
async def list_categories(request: ApiRequest, include: Include | None = None) -> TermList:
    """List categories; ``include=recent_posts`` adds each one's newest posts."""
    return await _term_list(request, taxonomy.CATEGORIES, include)


@get("/categories/{slug:str}", responses=ERRORS, opt=kept())
async def get_category(request: ApiRequest, slug: str, include: Include | None = None) -> TermDetail:
    """Get one category; ``include=recent_posts`` adds its newest posts."""
    return await _term_detail(request, taxonomy.CATEGORIES, slug, include)


@post("/categories", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def create_category(db: Database, data: TermBody) -> Accepted:
    """Add a category: ``name`` required, ``slug`` defaults to the name's."""
    return await _create_term(db, taxonomy.CATEGORIES, data)


@patch("/categories/{slug:str}", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def update_category(db: Database, slug: str, data: TermBody) -> Accepted:
    """Rename a category or change its slug."""
    return await _update_term(db, taxonomy.CATEGORIES, slug, data)


@get("/tags", responses=ERRORS, opt=kept())
async def list_tags(request: ApiRequest, include: Include | None = None) -> TermList:
    """List tags; ``include=recent_posts`` adds each one's newest posts."""
    return await _term_list(request, taxonomy.TAGS, include)


@get("/tags/{slug:str}", responses=ERRORS, opt=kept())
async def get_tag(request: ApiRequest, slug: str, include: Include | None = None) -> TermDetail:
    """Get one tag; ``include=recent_posts`` adds its newest posts."""
    return await _term_detail(request, taxonomy.TAGS, slug, include)


@post("/tags", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def create_tag(db: Database, data: TermBody) -> Accepted:
    """Add a tag: ``name`` required, ``slug`` defaults to the name's."""
    return await _create_term(db, taxonomy.TAGS, data)


@patch("/tags/{slug:str}", responses=ERRORS, status_code=ACCEPTED, opt=requires("write"))
async def update_tag(db: Database, slug: str, data: TermBody) -> Accepted:
    """Rename a tag or change its slug."""
    return await _update_term(db, taxonomy.TAGS, slug, data)


ROUTES: list[HTTPRouteHandler] = [
    list_posts,
    search_posts,
    get_post,
    create_post,
    update_post,
    replace_post,
    delete_post,
    list_authors,
    get_author,
    create_author,
    update_author,
    list_categories,
    get_category,
    create_category,
    update_category,
    list_tags,
    get_tag,
    create_tag,
    update_tag,
    *feeds.ROUTES,
]

RAW_FEEDS = feeds.raw_router
"""``/feeds/rss.xml``, ``/feeds/atom.xml`` and ``/sitemap.xml``: registered by ``ghee.app`` outside ``/v2``."""
