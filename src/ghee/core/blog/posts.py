"""Blog posts: reading them (lists, one post with its neighbours) and writing them."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from operator import attrgetter
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee.core.blog.authors import COLUMNS as AUTHOR_COLUMNS
from ghee.core.blog.authors import Author, author_from
from ghee.core.blog.taxonomy import CATEGORIES, TAGS, Term, Vocabulary
from ghee.core.inputs import check_free_text
from ghee.core.paging import Window
from ghee.db.functions import json_row, json_rows
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import blog_authors, blog_post_counts, blog_posts
from ghee.errors import Invalid, NotFound

STATUSES = ("draft", "published")


class Post(msgspec.Struct, frozen=True):
    """One post with its author, categories and tags; ``rank`` is set on search results only."""

    id: int
    slug: str
    status: str
    title: str
    body: str
    summary: str
    seo_title: str
    meta_description: str
    featured_image: str | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    author: Author | None
    categories: list[Term]
    tags: list[Term]
    rank: float | None = None
    scheduled_at: datetime | None = None
    """When the worker publishes it (its working draft, if it is live)."""
    has_draft: bool = False
    """A live post with a working draft (``preview`` reads show the draft; ``ghee.core.blog.drafts``)."""
    project_id: int | None = None
    """The project whose website shows the post (its patch notes), or ``None``: the studio's own."""


class PostFilter(msgspec.Struct, frozen=True):
    """Filters of the post list; ``None`` means no filter. ``preview`` includes drafts."""

    author_slug: str | None = None
    category_slug: str | None = None
    tag_slug: str | None = None
    preview: bool = False


class PostPage(msgspec.Struct, frozen=True):
    """One page of posts and how many posts match in all."""

    items: list[Post]
    count: int


class Neighbour(msgspec.Struct, frozen=True, array_like=True):
    """The post published just before or after another (read as a JSON array: ``json_row``)."""

    slug: str
    title: str
    featured_image: str | None


def _terms_of(vocabulary: Vocabulary) -> sa.ScalarSelect[str]:
    table, links = vocabulary.table, vocabulary.links
    return (
        sa.select(json_rows(table.c.id, table.c.name, table.c.slug))
        .select_from(links.join(table, links.c[vocabulary.link_column] == table.c.id))
        .where(links.c.post_id == blog_posts.c.id)
        .scalar_subquery()
    )


_POST_COLUMNS = (
    blog_posts.c.id,
    blog_posts.c.slug,
    blog_posts.c.status,
    blog_posts.c.title,
    blog_posts.c.body,
    blog_posts.c.summary,
    blog_posts.c.seo_title,
    blog_posts.c.meta_description,
    blog_posts.c.featured_image,
    blog_posts.c.published_at,
    blog_posts.c.created_at,
    blog_posts.c.updated_at,
    blog_posts.c.scheduled_at,
    blog_posts.c.draft.is_not(None),
    blog_posts.c.project_id,
)
# A post as read: its columns, its author's (NULLs without one), then its
# categories and tags as JSON text of [id, name, slug] arrays.
READ_COLUMNS = (*_POST_COLUMNS, *AUTHOR_COLUMNS, _terms_of(CATEGORIES), _terms_of(TAGS))
READ_FROM = blog_posts.outerjoin(blog_authors, blog_authors.c.id == blog_posts.c.author_id)
_AUTHOR_AT = len(_POST_COLUMNS)
_TERMS_AT = _AUTHOR_AT + len(AUTHOR_COLUMNS)
_TERM_ROWS = msgspec.json.Decoder(list[Term] | None)
_BY_NAME = attrgetter("name", "id")
# Newest first; drafts (no publication date) sort by when they were written.
_NEWEST_FIRST = (sa.func.coalesce(blog_posts.c.published_at, blog_posts.c.created_at).desc(), blog_posts.c.id.desc())


def _terms(text: str | None) -> list[Term]:
    listed: list[Term] | None = _TERM_ROWS.decode(text) if text is not None else None
    if not listed:
        return []
    if len(listed) > 1:
        listed.sort(key=_BY_NAME)
    return listed


def post_from(row: Row, rank: float | None = None) -> Post:
    """A ``Post`` from a row of ``READ_COLUMNS``."""
    author_row = row[_AUTHOR_AT:_TERMS_AT]
    post_id, slug, status, title, body, summary, seo_title, meta_description, featured_image = row[:9]
    return Post(
        post_id,
        slug,
        status,
        title,
        body,
        summary,
        seo_title,
        meta_description,
        featured_image,
        as_datetime(row[9]),
        as_datetime(row[10]),  # type: ignore[arg-type]
        as_datetime(row[11]),  # type: ignore[arg-type]
        author_from(author_row) if author_row[0] is not None else None,
        _terms(row[_TERMS_AT]),
        _terms(row[_TERMS_AT + 1]),
        rank,
        as_datetime(row[12]),
        bool(row[13]),
        row[14],
    )


def _has_term(vocabulary: Vocabulary, param: str) -> sa.Exists:
    table, links = vocabulary.table, vocabulary.links
    return (
        sa.select(1)
        .select_from(links.join(table, links.c[vocabulary.link_column] == table.c.id))
        .where(links.c.post_id == blog_posts.c.id, table.c.slug == sa.bindparam(param))
        .exists()
    )


@cache
def _where(preview: bool, author: bool, category: bool, tag: bool) -> tuple[sa.ColumnElement[bool], ...]:
    conditions: list[sa.ColumnElement[bool]] = []
    if not preview:
        conditions.append(blog_posts.c.status == "published")
    if author:
        conditions.append(blog_authors.c.slug == sa.bindparam("author_slug"))
    if category:
        conditions.append(_has_term(CATEGORIES, "category_slug"))
    if tag:
        conditions.append(_has_term(TAGS, "tag_slug"))
    return tuple(conditions)


# Published posts always have a publication time, so their order is the
# (status, published_at, id) index read backwards: the database stops after the page.
_PUBLISHED_NEWEST_FIRST = (blog_posts.c.published_at.desc(), blog_posts.c.id.desc())


@cache
def _list_statements(preview: bool, author: bool, category: bool, tag: bool) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """A page of posts and the count of all matching, for one combination of filters.

    The page's ids are chosen first and only those ten or so rows are read
    whole, so the subqueries that gather categories and tags never run for
    rows a sort would throw away. Without filters, the count is read from
    ``blog_post_counts`` and travels as the page's last column: one statement,
    no scan. With filters, each row of the page ends with ``NULL`` and the
    count is a query of its own.
    """
    where = _where(preview, author, category, tag)
    order = _NEWEST_FIRST if preview else _PUBLISHED_NEWEST_FIRST
    chosen = (
        sa.select(blog_posts.c.id)
        .select_from(READ_FROM)
        .where(*where)
        .order_by(*order)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )
    if author or category or tag:
        # Counting needs the author only to filter by one: the join costs a lookup per post.
        count = sa.select(sa.func.count()).select_from(READ_FROM if author else blog_posts).where(*where)
        total: sa.ColumnElement[Any] = sa.null()
    else:
        count = sa.select(sa.func.coalesce(sa.func.sum(blog_post_counts.c.posts), 0))
        if not preview:
            count = count.where(blog_post_counts.c.status == "published")
        total = count.scalar_subquery()
    page = sa.select(*READ_COLUMNS, total).select_from(READ_FROM).where(blog_posts.c.id.in_(chosen)).order_by(*order)
    return page, count


def _filter_params(filters: PostFilter) -> dict[str, object]:
    params: dict[str, object] = {}
    if filters.author_slug is not None:
        params["author_slug"] = filters.author_slug
    if filters.category_slug is not None:
        params["category_slug"] = filters.category_slug
    if filters.tag_slug is not None:
        params["tag_slug"] = filters.tag_slug
    return params


async def list_posts(reads: Reads, filters: PostFilter, window: Window) -> PostPage:
    """Published posts (drafts too with ``preview``), newest first, and how many match in all."""
    page, count = _list_statements(
        filters.preview,
        filters.author_slug is not None,
        filters.category_slug is not None,
        filters.tag_slug is not None,
    )
    params = _filter_params(filters)
    rows = await reads.all(page, {**params, "limit": window.limit, "offset": window.offset})
    if rows and rows[0][-1] is not None:
        total = rows[0][-1]  # counted in the page's statement
    elif window.offset == 0 and len(rows) < window.limit:
        total = len(rows)  # the whole list fits on this page: no need to count
    else:
        total = (await reads.first(count, params) or (0,))[0]
    return PostPage([post_from(row[:-1]) for row in rows], int(total))


_BY_SLUG = sa.select(*READ_COLUMNS).select_from(READ_FROM).where(blog_posts.c.slug == sa.bindparam("slug"))
_BY_ID = sa.select(*READ_COLUMNS).select_from(READ_FROM).where(blog_posts.c.id == sa.bindparam("id"))


async def get_post(reads: Reads, slug: str, preview: bool = False) -> Post:
    """The post with ``slug``; raises ``NotFound`` if missing, or a draft without ``preview``."""
    return post_from(_shown(await reads.first(_BY_SLUG, {"slug": slug}), slug, preview=preview))


def _shown(row: Row | None, slug: str, *, preview: bool) -> Row:
    """``row``, the post ``slug``, if the reader may see it: a draft only in ``preview``; else ``NotFound``."""
    if row is None or (row[2] != "published" and not preview):
        raise NotFound("post", slug)
    return row


async def get_post_by_id(reads: Reads, post_id: int) -> Post:
    """The post with row id ``post_id``, drafts included; raises ``NotFound``."""
    row = await reads.first(_BY_ID, {"id": post_id})
    if row is None:
        raise NotFound("post", str(post_id))
    return post_from(row)


_NEIGHBOUR = blog_posts.alias("neighbour")
# A post's place in the published order, compared as one row value: both
# SQLite and PostgreSQL then seek the (status, published_at, id) index to the
# post and read one entry. Written as ``published_at > x OR (published_at = x
# AND id > y)``, SQLite walked the index from the other end instead, through
# every published post for the newest post's newer neighbour (10,000 rows).
_PLACE = sa.tuple_(_NEIGHBOUR.c.published_at, _NEIGHBOUR.c.id)
_POST_PLACE = sa.tuple_(blog_posts.c.published_at, blog_posts.c.id)


def _neighbour(*, newer: bool) -> sa.ScalarSelect[str]:
    """The published post just after (``newer``) or before the post of the row, as a JSON array, or ``NULL``."""
    side = _PLACE > _POST_PLACE if newer else _PLACE < _POST_PLACE
    order = (_NEIGHBOUR.c.published_at, _NEIGHBOUR.c.id)
    return (
        sa.select(json_row(_NEIGHBOUR.c.slug, _NEIGHBOUR.c.title, _NEIGHBOUR.c.featured_image))
        .where(_NEIGHBOUR.c.status == "published", side)
        .order_by(*(order if newer else (column.desc() for column in order)))
        .limit(1)
        .correlate(blog_posts)
        .scalar_subquery()
    )


# The post and both its neighbours: one statement, one round trip on PostgreSQL.
_WITH_NEIGHBOURS = (
    sa.select(*READ_COLUMNS, _neighbour(newer=True), _neighbour(newer=False))
    .select_from(READ_FROM)
    .where(blog_posts.c.slug == sa.bindparam("slug"))
)
_NEIGHBOUR_ROW = msgspec.json.Decoder(Neighbour)


async def get_post_with_neighbours(
    reads: Reads, slug: str, preview: bool = False
) -> tuple[Post, Neighbour | None, Neighbour | None]:
    """``get_post``, and the published posts just after (newer) and before (older) it; ``None`` each for a draft."""
    row = _shown(await reads.first(_WITH_NEIGHBOURS, {"slug": slug}), slug, preview=preview)
    post = post_from(row[:-2])
    if post.status != "published":
        return post, None, None
    newer, older = (_NEIGHBOUR_ROW.decode(text) if text is not None else None for text in row[-2:])
    return post, newer, older


class Listed(msgspec.Struct, frozen=True):
    """A published post as a sitemap lists it."""

    slug: str
    updated_at: datetime
    project_id: int | None = None


@cache
def _listed_statement(category: bool, tag: bool) -> sa.Select[Any]:
    return (
        sa.select(blog_posts.c.slug, blog_posts.c.updated_at, blog_posts.c.project_id)
        .where(*_where(False, False, category, tag))  # noqa: FBT003 (the cached function's flags)
        .order_by(*_NEWEST_FIRST)
        .limit(sa.bindparam("limit"))
    )


async def list_published(reads: Reads, filters: PostFilter, limit: int) -> list[Listed]:
    """Slugs and change times of the newest ``limit`` published posts matching ``filters`` (author ignored)."""
    statement = _listed_statement(filters.category_slug is not None, filters.tag_slug is not None)
    params = _filter_params(msgspec.structs.replace(filters, author_slug=None)) | {"limit": limit}
    rows = await reads.all(statement, params)
    return [Listed(slug, as_datetime(updated_at), project_id) for slug, updated_at, project_id in rows]  # type: ignore[arg-type]


MAX_TITLE_QUERY = 200


@cache
def _editing_statements(status: bool, text: bool, hide_tag: bool) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """A page of posts for the editor's list and the count of all matching, for one combination of filters."""
    conditions: list[sa.ColumnElement[bool]] = []
    if status:
        conditions.append(blog_posts.c.status == sa.bindparam("status"))
    if hide_tag:
        conditions.append(~_has_term(TAGS, "hidden_tag"))
    if text:
        pattern: sa.BindParameter[str] = sa.bindparam("pattern")
        conditions.append(
            sa.or_(
                sa.func.lower(blog_posts.c.title).like(pattern, escape="\\"),
                blog_posts.c.slug.like(pattern, escape="\\"),
            )
        )
    chosen = (
        sa.select(blog_posts.c.id)
        .where(*conditions)
        .order_by(*_NEWEST_FIRST)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )
    page = sa.select(*READ_COLUMNS).select_from(READ_FROM).where(blog_posts.c.id.in_(chosen)).order_by(*_NEWEST_FIRST)
    return page, sa.select(sa.func.count()).select_from(blog_posts).where(*conditions)


async def list_for_editing(
    reads: Reads, status: str | None, text: str, window: Window, hide_tag: str | None = None
) -> PostPage:
    """Posts of any status (or of ``status``) whose title or slug contains ``text``, newest first.

    The editor's list: drafts included, matched case-insensitively by
    substring (search_posts ranks published posts' words instead), without
    the posts tagged ``hide_tag`` if given. Raises ``Invalid`` for an unknown
    status or a query over 200 characters.
    """
    if status is not None and status not in STATUSES:
        raise Invalid("status", f"must be one of {', '.join(STATUSES)}")
    if len(text) > MAX_TITLE_QUERY:
        raise Invalid("query", f"must be at most {MAX_TITLE_QUERY} characters")
    text = check_free_text("query", text).strip().lower()
    page, count = _editing_statements(status is not None, bool(text), hide_tag is not None)
    params: dict[str, object] = {} if hide_tag is None else {"hidden_tag": hide_tag}
    if status is not None:
        params["status"] = status
    if text:
        params["pattern"] = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await reads.all(page, {**params, "limit": window.limit, "offset": window.offset})
    total = (await reads.first(count, params) or (0,))[0]
    return PostPage([post_from(row) for row in rows], int(total))
