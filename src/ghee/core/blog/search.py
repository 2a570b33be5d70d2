"""Full-text search over live posts' titles and bodies, ranked by relevance, ties newest first.

Each database does it its own way, in one statement per database: SQLite an
FTS5 table (Porter stemming, ``bm25`` ranking with the title weighted 10 to
1 over the body), PostgreSQL the English text-search configuration
(``websearch_to_tsquery``, ``ts_rank`` over a tsvector where the title
weighs more than the body). Both stem ("running" finds "run") and both read
double-quoted text as a phrase; every other word must appear.

Only live posts are in the index (migration 0021): SQLite's triggers keep
drafts out of ``blog_posts_fts``, and PostgreSQL's GIN index is partial, on
``status = 'published'``. A search reads no entry it would throw away.

The statement ranks every match once (relevance needs them all), counts
them, and chooses the page's ids; a second statement reads just those
posts whole (bodies, author, categories, tags). Apart, the second one's
plan does not depend on the words, so PostgreSQL keeps one plan for it
instead of planning the whole read again for each search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ghee.core.blog.posts import READ_COLUMNS, READ_FROM, Post, PostPage, post_from
from ghee.core.inputs import check_free_text
from ghee.core.paging import Window
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads, Row
from ghee.db.tables import blog_posts
from ghee.errors import Invalid

MAX_QUERY = 500
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"\w+")
SCORE_SCALE = 1_000_000
"""A match's score is its relevance times this, a whole number: a post's ``rank`` is ``score / SCORE_SCALE``.

The order is by the score, so two posts showing the same rank are tied and
the newer comes first. (Rounding in SQL with ``round()`` cost a quarter of
the ranking itself on SQLite; a cast costs next to nothing.)
"""


@dataclass(frozen=True)
class _Search:
    """One database's statements: the page's ``(id, score, total)`` rows, and the matches counted alone."""

    page: sa.TextClause
    count: sa.TextClause


def _search(matches: str, score: str, page: str) -> _Search:
    """``page`` reads ``matched(id, score[, published_at])``: the live posts ``FROM ... WHERE`` ``matches``."""
    matched = f"WITH matched AS MATERIALIZED (SELECT {score} {matches})"
    return _Search(sa.text(f"{matched} {page}"), sa.text(f"SELECT count(*) {matches}"))


_SEARCHES = {
    # bm25 is below zero, better the lower (FTS5 keeps it so): the score is positive and rounds half up.
    # Only the matches ranked at least as high as the page's last post by relevance alone (``last``:
    # offset + limit) can be on the page; only those are looked up for the dates that order ties.
    "sqlite": _search(
        "FROM blog_posts_fts WHERE blog_posts_fts MATCH :query",
        f"rowid AS id, CAST(-bm25(blog_posts_fts, 10.0, 1.0) * {SCORE_SCALE} + 0.5 AS INTEGER) AS score",
        "SELECT matched.id, matched.score, (SELECT count(*) FROM matched) FROM matched "
        "JOIN blog_posts ON blog_posts.id = matched.id "
        "WHERE matched.score >= (SELECT min(score) FROM (SELECT score FROM matched ORDER BY score DESC LIMIT :last)) "
        "ORDER BY matched.score DESC, blog_posts.published_at DESC NULLS LAST, blog_posts.id DESC "
        "LIMIT :limit OFFSET :offset",
    ),
    # ``search`` is the generated tsvector column of migration 0002; the status condition is the
    # predicate of its partial GIN index (0021). The row read to rank a match holds its date.
    "postgresql": _search(
        "FROM blog_posts, websearch_to_tsquery('english'::regconfig, :query) AS q "
        "WHERE search @@ q AND status = 'published'",
        f"id, (ts_rank(search, q)::float8 * {SCORE_SCALE})::int8 AS score, published_at",
        "SELECT id, score, (SELECT count(*) FROM matched) FROM matched "
        "ORDER BY score DESC, published_at DESC NULLS LAST, id DESC LIMIT :limit OFFSET :offset",
    ),
}
# The page's posts, read whole. A post taken offline since it was found is left out.
_BY_IDS = (
    sa.select(*READ_COLUMNS)
    .select_from(READ_FROM)
    .where(in_json_list(blog_posts.c.id, sa.bindparam("ids")), blog_posts.c.status == "published")
)
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
    statements = _SEARCHES[reads.dialect.name]
    page = {"limit": window.limit, "offset": window.offset, "last": window.offset + window.limit}
    chosen = await reads.all(statements.page, {"query": query, **page})
    if chosen:
        total = chosen[0][2]
    elif window.offset == 0:
        total = 0
    else:  # a page past the end: count the matches alone
        total = (await reads.first(statements.count, {"query": query}) or (0,))[0]
    return PostPage(await _posts(reads, chosen), int(total))


async def _posts(reads: Reads, chosen: list[Row]) -> list[Post]:
    """The posts of ``chosen`` (``id, score, ...`` rows), in its order, each with its rank."""
    if not chosen:
        return []
    rows = await reads.all(_BY_IDS, {"ids": json_list([row[0] for row in chosen])})
    by_id = {row[0]: row for row in rows}
    return [post_from(by_id[post_id], score / SCORE_SCALE) for post_id, score, *_ in chosen if post_id in by_id]


async def index_live_posts(work: Write) -> None:
    """Make SQLite's full-text index anew from the live posts, for rows written with its triggers off or copied in.

    PostgreSQL needs nothing: its index is kept by the database. Raises nothing of its own.
    """
    if work.dialect.name == "sqlite":
        for statement in _INDEX_LIVE_POSTS:
            await work.execute(statement)
