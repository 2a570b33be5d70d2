"""Full-text search over published posts' titles and bodies, ranked by relevance.

Each database does it its own way, behind one statement compiled per dialect:
SQLite an FTS5 table (Porter stemming, ``bm25`` ranking with the title
weighted 10 to 1 over the body), PostgreSQL the English text-search
configuration (``websearch_to_tsquery``, ``ts_rank`` over a tsvector where the
title weighs more than the body). Both stem ("running" finds "run") and both
read double-quoted text as a phrase; every other word must appear.
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
from ghee.db.reads import Reads
from ghee.db.tables import blog_posts
from ghee.errors import Invalid

MAX_QUERY = 500
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"\w+")


class post_search_hits(FunctionElement[tuple[int, float]]):  # noqa: N801 (SQL functions read as lower case)
    """Table of ``(id, score)`` for the posts matching a query; its one argument is the prepared query."""

    inherit_cache = True


@compiles(post_search_hits, "sqlite")
def _hits_sqlite(element: post_search_hits, compiler: SQLCompiler, **kw: object) -> str:
    query = compiler.process(element.clauses, **kw)
    # The query is a bound parameter: only SQL of ours is formatted in.
    select = "(SELECT rowid AS id, -bm25(blog_posts_fts, 10.0, 1.0) AS score FROM blog_posts_fts"
    return f"{select} WHERE blog_posts_fts MATCH {query})"


@compiles(post_search_hits, "postgresql")
def _hits_postgresql(element: post_search_hits, compiler: SQLCompiler, **kw: object) -> str:
    query = compiler.process(element.clauses, **kw)
    # ``search`` is the generated tsvector column migration 0002 adds (and indexes) on PostgreSQL.
    select = "(SELECT id, ts_rank(search, q) AS score FROM blog_posts"
    return f"{select}, websearch_to_tsquery('english'::regconfig, {query}) AS q WHERE search @@ q)"


_HITS = post_search_hits(sa.bindparam("query", type_=sa.Text())).table_valued(
    sa.column("id", sa.Integer()), sa.column("score", sa.Float())
)
_HITS_ALIAS = _HITS.alias("hits")
# The page's ids and scores are chosen first; only those rows are read whole,
# so the subqueries gathering categories and tags never run for the other
# matches. The number of matches rides along as a window count: the match is
# evaluated once, not again by a counting query.
_CHOSEN = (
    sa.select(blog_posts.c.id, _HITS_ALIAS.c.score, sa.func.count().over().label("total"))
    .select_from(blog_posts.join(_HITS_ALIAS, _HITS_ALIAS.c.id == blog_posts.c.id))
    .where(blog_posts.c.status == "published")
    .order_by(_HITS_ALIAS.c.score.desc(), blog_posts.c.id.desc())
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
    .subquery("chosen")
)
_PAGE = (
    sa.select(*READ_COLUMNS, _CHOSEN.c.score, _CHOSEN.c.total)
    .select_from(READ_FROM.join(_CHOSEN, _CHOSEN.c.id == blog_posts.c.id))
    .order_by(_CHOSEN.c.score.desc(), blog_posts.c.id.desc())
)
_COUNT = (
    sa.select(sa.func.count())
    .select_from(blog_posts.join(_HITS_ALIAS, _HITS_ALIAS.c.id == blog_posts.c.id))
    .where(blog_posts.c.status == "published")
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
    """Published posts matching ``text``, most relevant first, each with its ``rank``.

    An empty page when no word of ``text`` matches; raises ``Invalid`` on
    ``query`` for a query over 500 characters or with NUL characters.
    """
    if len(text) > MAX_QUERY:
        raise Invalid("query", f"must be at most {MAX_QUERY} characters")
    query = prepared_query(check_free_text("query", text))
    if not query:
        return PostPage([], 0)
    rows = await reads.all(_PAGE, {"query": query, "limit": window.limit, "offset": window.offset})
    if rows:
        total = rows[0][-1]
    elif window.offset == 0:
        total = 0
    else:  # a page past the end: count the matches alone
        total = (await reads.first(_COUNT, {"query": query}) or (0,))[0]
    return PostPage([post_from(row[:-2], round(float(row[-2]), 6)) for row in rows], int(total))
