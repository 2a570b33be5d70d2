"""Full-text search over live posts' titles and bodies, ranked by relevance, ties newest first.

Each database does it its own way, behind one statement compiled per dialect:
SQLite an FTS5 table (Porter stemming, ``bm25`` ranking with the title
weighted 10 to 1 over the body), PostgreSQL the English text-search
configuration (``websearch_to_tsquery``, ``ts_rank`` over a tsvector where the
title weighs more than the body). Both stem ("running" finds "run") and both
read double-quoted text as a phrase; every other word must appear.

Only live posts are in the index (migration 0021): SQLite's triggers keep
drafts out of ``blog_posts_fts``, and PostgreSQL's GIN index is partial, on
``status = 'published'``. A search reads no entry it would throw away, and
counts its matches without looking at ``blog_posts``.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ghee.core.blog.posts import READ_COLUMNS, READ_FROM, PostPage, post_from
from ghee.core.inputs import check_free_text
from ghee.core.paging import Window
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.tables import blog_posts
from ghee.errors import Invalid

MAX_QUERY = 500
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"\w+")


class post_search_hits(FunctionElement[tuple[int, float]]):  # noqa: N801 (SQL functions read as lower case)
    """Table of ``(id, rank)`` for the live posts matching a query; its one argument is the prepared query.

    ``rank`` is the relevance rounded to six places, as a post carries it: the
    order is by that value, so two posts showing the same rank are tied.
    """

    inherit_cache = True


@compiles(post_search_hits, "sqlite")
def _hits_sqlite(element: post_search_hits, compiler: SQLCompiler, **kw: object) -> str:
    query = compiler.process(element.clauses, **kw)
    # The query is a bound parameter: only SQL of ours is formatted in. Drafts are not in blog_posts_fts.
    select = "(SELECT rowid AS id, round(-bm25(blog_posts_fts, 10.0, 1.0), 6) AS rank FROM blog_posts_fts"
    return f"{select} WHERE blog_posts_fts MATCH {query})"


@compiles(post_search_hits, "postgresql")
def _hits_postgresql(element: post_search_hits, compiler: SQLCompiler, **kw: object) -> str:
    query = compiler.process(element.clauses, **kw)
    # ``search`` is the generated tsvector column of migration 0002; the status condition is the
    # predicate of its partial GIN index (0021), which answers both conditions.
    select = "(SELECT id, round(ts_rank(search, q)::numeric, 6)::float8 AS rank FROM blog_posts"
    query_from = f"websearch_to_tsquery('english'::regconfig, {query}) AS q"
    return f"{select}, {query_from} WHERE search @@ q AND status = 'published')"


_HITS = (
    post_search_hits(sa.bindparam("query", type_=sa.Text()))
    .table_valued(sa.column("id", sa.Integer()), sa.column("rank", sa.Float()))
    .alias("hits")
)
# Every match is ranked once, into a materialized table the rest reads.
_MATCHED = sa.select(_HITS.c.id, _HITS.c.rank).cte("matched").prefix_with("MATERIALIZED")
# The rank of the page's last post (``last``: offset + limit) by relevance alone, or the lowest of
# all when fewer match. Only the matches ranked at least that high can be on the page, so only
# those are looked up in blog_posts for their publication dates, which order the tied ones.
_BEST = sa.select(_MATCHED.c.rank).order_by(_MATCHED.c.rank.desc()).limit(sa.bindparam("last")).subquery("best")
_LOWEST_ON_PAGE = sa.select(sa.func.min(_BEST.c.rank)).scalar_subquery()
_ORDER = (blog_posts.c.published_at.desc().nulls_last(), blog_posts.c.id.desc())
_CHOSEN = (
    sa.select(_MATCHED.c.id, _MATCHED.c.rank)
    .select_from(_MATCHED.join(blog_posts, blog_posts.c.id == _MATCHED.c.id))
    .where(_MATCHED.c.rank >= _LOWEST_ON_PAGE)
    .order_by(_MATCHED.c.rank.desc(), *_ORDER)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
    .subquery("chosen")
)
# Only the page's rows are read whole (bodies, author, categories and tags); the number of
# matches rides along, counted from the ranked table.
_PAGE = (
    sa.select(*READ_COLUMNS, _CHOSEN.c.rank, sa.select(sa.func.count()).select_from(_MATCHED).scalar_subquery())
    .select_from(READ_FROM.join(_CHOSEN, _CHOSEN.c.id == blog_posts.c.id))
    .order_by(_CHOSEN.c.rank.desc(), *_ORDER)
)
# A page past the end: the matches counted alone (the ranks are not computed).
_COUNT = sa.select(sa.func.count()).select_from(_HITS)
# SQLite's index emptied, then given every live post (FTS5's 'rebuild' would index the drafts too).
_INDEX_LIVE_POSTS = (
    sa.text("INSERT INTO blog_posts_fts(blog_posts_fts) VALUES ('delete-all')"),
    sa.text(
        "INSERT INTO blog_posts_fts(rowid, title, body) "
        "SELECT id, title, body FROM blog_posts WHERE status = 'published'"
    ),
)


def prepared_query(text: str) -> str:
    """The search terms as a query both databases read alike: each word, or quoted phrase, in double quotes.

    A term keeps its own characters (``build-1234``, ``v1.2``), so each
    database splits it into tokens exactly as it split the posts' text: inside
    double quotes neither FTS5 nor ``websearch_to_tsquery`` reads punctuation
    as syntax. Terms without a letter or digit are dropped, so ``c++ "open world"``
    becomes ``"c++" "open world"`` and ``-- !`` becomes empty.
    """
    terms = []
    for phrase, word in _TERM.findall(text):
        term = phrase or word
        if _WORD.search(term):
            terms.append(f'"{term}"')
    return " ".join(terms)


async def search_posts(reads: Reads, text: str, window: Window) -> PostPage:
    """Live posts matching ``text``, most relevant first (the newest first among equals), each with its ``rank``.

    An empty page when no word of ``text`` matches; raises ``Invalid`` on
    ``query`` for a query over 500 characters or with NUL characters.
    """
    if len(text) > MAX_QUERY:
        raise Invalid("query", f"must be at most {MAX_QUERY} characters")
    query = prepared_query(check_free_text("query", text))
    if not query:
        return PostPage([], 0)
    page = {"limit": window.limit, "offset": window.offset, "last": window.offset + window.limit}
    rows = await reads.all(_PAGE, {"query": query, **page})
    if rows:
        total = rows[0][-1]
    elif window.offset == 0:
        total = 0
    else:  # a page past the end: count the matches alone
        total = (await reads.first(_COUNT, {"query": query}) or (0,))[0]
    return PostPage([post_from(row[:-2], round(float(row[-2]), 6)) for row in rows], int(total))


async def index_live_posts(work: Write) -> None:
    """Make SQLite's full-text index anew from the live posts, for rows written with its triggers off or copied in.

    PostgreSQL needs nothing: its index is kept by the database. Raises nothing of its own.
    """
    if work.dialect.name == "sqlite":
        for statement in _INDEX_LIVE_POSTS:
            await work.execute(statement)
