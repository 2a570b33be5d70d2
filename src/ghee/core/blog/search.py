"""Full-text search over live posts' titles and bodies: titles first, then by relevance, ties newest first.

Each database does it its own way, in one statement per database: SQLite an
FTS5 table (Porter stemming, ``bm25`` ranking with the title weighted 10 to
1 over the body), PostgreSQL the English text-search configuration
(``websearch_to_tsquery``, ``ts_rank`` over a tsvector where the title
weighs more than the body). Both stem ("running" finds "run") and both read
double-quoted text as a phrase; every other word must appear.

The order: posts whose title holds every word (or phrase) of the query come
first, then the posts that hold them only in their bodies; within each,
the more relevant first, and among equals the newer. A title names what a
post is about, so this is mostly the order relevance gives anyway (for one
word on PostgreSQL, always: ``ts_rank`` weighs a title word above any
number of body words); it also lets a search rank far fewer posts. A second
index holds the live titles alone (migration 0026). When it names at least
a page's worth of posts, the page is among them: only those are ranked,
and every other match is counted, not ranked. Only when titles name fewer
is every match ranked.

Only live posts are in the indexes (migrations 0021, 0026): SQLite's triggers keep
drafts out of ``blog_posts_fts`` and ``blog_post_titles_fts``, and PostgreSQL's GIN
indexes are partial, on ``status = 'published'``. A search reads no entry it would throw away.

The statement ranks, counts and chooses the page's ids; a second statement
reads just those posts whole (bodies, author, categories, tags). Apart, the
second one's plan does not depend on the words, so PostgreSQL keeps one plan
for it instead of planning the whole read again for each search.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


# bm25 is below zero, better the lower (FTS5 keeps it so): the score is positive and rounds half up.
_SQLITE_MATCHES = "FROM blog_posts_fts WHERE blog_posts_fts MATCH :query"
_SQLITE_SCORE = f"CAST(-bm25(blog_posts_fts, 10.0, 1.0) * {SCORE_SCALE} + 0.5 AS INTEGER)"
_SQLITE_FEW_TITLED = "(SELECT count(*) FROM titled) < :last"
_POSTGRES_QUERY = "websearch_to_tsquery('english'::regconfig, :query) AS q"
# ``search`` is the generated tsvector column of migration 0002; the status condition is the
# predicate of the partial GIN indexes (0021, 0026). The row read to rank a match holds its date.
_POSTGRES_MATCHES = f"FROM blog_posts, {_POSTGRES_QUERY} WHERE search @@ q AND status = 'published'"
_POSTGRES_RANKED = f"id, (ts_rank(search, q)::float8 * {SCORE_SCALE})::int8 AS score, published_at"
_POSTGRES_FEW_TITLED = "(SELECT count(*) FROM titled) < CAST(:last AS bigint)"
# How many live posts match. Counting them reads every matching row (a GIN index cannot tell a live
# row from a dead one); a query of one word (``numnode`` 1: no phrase, no second word) is counted by
# the number ``blog_search_words`` keeps for it (migration 0026). A tsquery's text is a tsvector's too,
# so that word is read back exactly as the vector's lexeme was written.
_POSTGRES_COUNT = (
    "SELECT CASE WHEN numnode(q) = 1 THEN coalesce((SELECT posts FROM blog_search_words "  # noqa: S608 (constants)
    "WHERE word = (tsvector_to_array(CAST(CAST(q AS text) AS tsvector)))[1]), 0) "
    "ELSE (SELECT count(*) FROM blog_posts WHERE search @@ q AND status = 'published') END "
    f"FROM {_POSTGRES_QUERY}"
)

_SEARCHES = {
    # ``titled``: the live posts whose title matches. With at least ``last`` (offset + limit) of them,
    # only they are ranked (the others are scanned past, and counted apart); with fewer, every match
    # is. Of the ranked, only those at least as high as the ``last``-th can be on the page; only those
    # are looked up for the dates that order ties.
    "sqlite": _Search(
        sa.text(
            "WITH titled AS MATERIALIZED ("  # noqa: S608 (constants, no input)
            "SELECT rowid AS id FROM blog_post_titles_fts WHERE blog_post_titles_fts MATCH :query), "
            f"matched AS MATERIALIZED (SELECT rowid AS id, rowid IN titled AS titled, {_SQLITE_SCORE} AS score "
            f"{_SQLITE_MATCHES} AND (+rowid IN titled OR {_SQLITE_FEW_TITLED})) "
            "SELECT matched.id, matched.score, "
            f"CASE WHEN {_SQLITE_FEW_TITLED} THEN (SELECT count(*) FROM matched) "
            f"ELSE (SELECT count(*) {_SQLITE_MATCHES}) END "
            "FROM matched JOIN blog_posts ON blog_posts.id = matched.id "
            "WHERE (matched.titled, matched.score) >= (SELECT titled, score FROM ("
            "SELECT titled, score FROM matched ORDER BY titled DESC, score DESC LIMIT :last"
            ") ORDER BY titled, score LIMIT 1) "
            "ORDER BY matched.titled DESC, matched.score DESC, "
            "blog_posts.published_at DESC NULLS LAST, blog_posts.id DESC "
            "LIMIT :limit OFFSET :offset"
        ),
        sa.text(f"SELECT count(*) {_SQLITE_MATCHES}"),
    ),
    # ``rest`` (the matches without the words in their titles) is ranked only when the titles name
    # fewer than ``last`` posts: its condition is then false once for the statement, and PostgreSQL
    # neither scans nor ranks it.
    "postgresql": _Search(
        sa.text(
            f"WITH titled AS MATERIALIZED (SELECT {_POSTGRES_RANKED} FROM blog_posts, {_POSTGRES_QUERY} "  # noqa: S608
            "WHERE to_tsvector('english'::regconfig, title) @@ q AND status = 'published'), "
            f"rest AS MATERIALIZED (SELECT {_POSTGRES_RANKED} {_POSTGRES_MATCHES} "
            f"AND {_POSTGRES_FEW_TITLED} AND id NOT IN (SELECT id FROM titled)) "
            "SELECT id, score, "
            f"CASE WHEN {_POSTGRES_FEW_TITLED} THEN (SELECT count(*) FROM titled) + (SELECT count(*) FROM rest) "
            f"ELSE ({_POSTGRES_COUNT}) END "
            "FROM (SELECT 1 AS titled, * FROM titled UNION ALL SELECT 0, * FROM rest) AS ranked "
            "ORDER BY titled DESC, score DESC, published_at DESC NULLS LAST, id DESC "
            "LIMIT CAST(:limit AS bigint) OFFSET CAST(:offset AS bigint)"
        ),
        sa.text(f"SELECT count(*) {_POSTGRES_MATCHES}"),
    ),
}
# The page's posts, read whole. A post taken offline since it was found is left out.
_BY_IDS = (
    sa.select(*READ_COLUMNS)
    .select_from(READ_FROM)
    .where(in_json_list(blog_posts.c.id, sa.bindparam("ids")), blog_posts.c.status == "published")
)
# SQLite's indexes emptied, then given every live post (FTS5's 'rebuild' would index the drafts too).
_INDEX_LIVE_POSTS = (
    sa.text("INSERT INTO blog_posts_fts(blog_posts_fts) VALUES ('delete-all')"),
    sa.text(
        "INSERT INTO blog_posts_fts(rowid, title, body) "
        "SELECT id, title, body FROM blog_posts WHERE status = 'published'"
    ),
    sa.text("INSERT INTO blog_post_titles_fts(blog_post_titles_fts) VALUES ('delete-all')"),
    sa.text(
        "INSERT INTO blog_post_titles_fts(rowid, title) SELECT id, title FROM blog_posts WHERE status = 'published'"
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
    """Live posts matching ``text``: titles holding its words first, then the most relevant, then the newest.

    Each post carries its ``rank`` (its relevance).

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


# PostgreSQL's word counts made anew from the live posts (its GIN indexes are kept by the database).
_COUNT_LIVE_WORDS = (
    sa.text("DELETE FROM blog_search_words"),
    sa.text(
        "INSERT INTO blog_search_words (word, posts) SELECT word, count(*) FROM blog_posts, "
        "unnest(tsvector_to_array(search)) AS word WHERE status = 'published' GROUP BY word"
    ),
)
_WORD_COUNT_TRIGGERS = tuple(f"blog_search_words_{event}" for event in ("insert", "delete", "update"))


async def index_live_posts(work: Write) -> None:
    """Make what search keeps beside the posts anew from the live posts, for rows copied in or written without it.

    SQLite: its full-text indexes. PostgreSQL: its word counts (the indexes
    are kept by the database). Raises nothing of its own.
    """
    for statement in _INDEX_LIVE_POSTS if work.dialect.name == "sqlite" else _COUNT_LIVE_WORDS:
        await work.execute(statement)


@asynccontextmanager
async def word_counts_paused(work: Write) -> AsyncIterator[None]:
    """Leave PostgreSQL's word counts alone while posts are copied in bulk; ``index_live_posts`` must follow.

    The counts are kept once per statement: posts copied one statement each,
    in one transaction, would update the same words' rows again and again,
    each update slower than the last. The triggers are turned off within
    ``work``'s transaction (a rollback turns them back on). SQLite: nothing.
    """
    if work.dialect.name != "postgresql":
        yield
        return
    for trigger in _WORD_COUNT_TRIGGERS:
        await work.execute(sa.text(f"ALTER TABLE blog_posts DISABLE TRIGGER {trigger}"))
    yield
    for trigger in _WORD_COUNT_TRIGGERS:
        await work.execute(sa.text(f"ALTER TABLE blog_posts ENABLE TRIGGER {trigger}"))
