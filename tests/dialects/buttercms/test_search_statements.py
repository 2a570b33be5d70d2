"""A search costs two statements however many posts match or a page holds: one ranks, counts and chooses, one reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from ghee.core.blog.posts import PostPage
from ghee.core.blog.search import search_posts
from ghee.core.blog.writing import PostChanges, create_post
from ghee.core.paging import Window
from ghee.db.database import Write, opened
from tests.support.counting_reads import CountingReads
from tests.support.databases import filled_database
from tests.support.services import run_async

POSTS = 30
FIRST = datetime(2026, 11, 1, 9)  # noqa: DTZ001 (storage is naive UTC)


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    async def fill(work: Write) -> None:
        for n in range(POSTS):
            post = PostChanges(
                slug=f"lantern-night-{n}",
                title="Lantern night",
                body="<p>Lanterns over the harbour.</p>",
                status="published",
                published=FIRST + timedelta(days=n),
                categories=["Events"],
                tags=["festival", "harbour"],
            )
            await create_post(work, post)
        await create_post(work, PostChanges(slug="lantern-draft", title="Lantern night", status="draft"))

    with filled_database(backend, tmp_path_factory.mktemp("search-statements"), fill) as url:
        yield url


def _search(url: str, text: str, window: Window) -> tuple[PostPage, int]:
    async def read() -> tuple[PostPage, int]:
        async with opened(url) as db:
            reads = CountingReads(db.read())
            return await search_posts(reads, text, window), reads.statements

    return run_async(read)


def test_a_page_costs_two_statements_whatever_its_size(database_url: str) -> None:
    for size in (1, 10, POSTS):
        page, spent = _search(database_url, "lantern", Window(size))
        assert (len(page.items), page.count, spent) == (size, POSTS, 2)


def test_equal_ranks_page_newest_first(database_url: str) -> None:
    """All thirty tie: the pages walk them by publication date, newest first, with no post twice or missed."""
    slugs = []
    for offset in range(0, POSTS, 7):
        page, _ = _search(database_url, "lantern", Window(7, offset))
        slugs += [post.slug for post in page.items]
        assert len({post.rank for post in page.items}) == 1
    assert slugs == [f"lantern-night-{n}" for n in reversed(range(POSTS))]


def test_no_match_costs_one_statement_and_a_page_past_the_end_two(database_url: str) -> None:
    page, spent = _search(database_url, "kites", Window(10))
    assert (page.items, page.count, spent) == ([], 0, 1)
    page, spent = _search(database_url, "lantern", Window(10, POSTS))
    assert (page.items, page.count, spent) == ([], POSTS, 2)
