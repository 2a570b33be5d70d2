"""A post read with its neighbours (``GET /v2/posts/<slug>/``) costs one statement: one round trip on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from ghee.core.blog.posts import Neighbour, Post, get_post_with_neighbours
from ghee.core.blog.writing import PostChanges, create_post
from ghee.db.database import Write, opened
from ghee.errors import NotFound
from tests.support.counting_reads import CountingReads
from tests.support.databases import filled_database
from tests.support.services import run_async

FIRST = datetime(2026, 11, 1, 9)  # noqa: DTZ001 (storage is naive UTC)


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    async def fill(work: Write) -> None:
        # Two posts tie on their date: the later written (higher id) is the newer.
        for slug, days in (("dawn", 0), ("noon", 1), ("noon-too", 1), ("dusk", 2)):
            published = FIRST + timedelta(days=days)
            changes = PostChanges(slug=slug, title=slug.title(), status="published", published=published)
            await create_post(work, changes)
        await create_post(work, PostChanges(slug="night", title="Night", status="draft"))

    with filled_database(backend, tmp_path_factory.mktemp("post-statements"), fill) as url:
        yield url


def _read(url: str, slug: str, *, preview: bool = False) -> tuple[tuple[Post, Neighbour | None, Neighbour | None], int]:
    async def read() -> tuple[tuple[Post, Neighbour | None, Neighbour | None], int]:
        async with opened(url) as db:
            reads = CountingReads(db.read())
            return await get_post_with_neighbours(reads, slug, preview=preview), reads.statements

    return run_async(read)


def _slugs(found: tuple[Post, Neighbour | None, Neighbour | None]) -> tuple[str, str | None, str | None]:
    post, newer, older = found
    return post.slug, newer and newer.slug, older and older.slug


def test_a_post_and_both_neighbours_are_one_statement(database_url: str) -> None:
    found, spent = _read(database_url, "noon")
    assert (_slugs(found), spent) == (("noon", "noon-too", "dawn"), 1)
    assert found[1] == Neighbour("noon-too", "Noon-Too", None)


def test_neighbours_cross_a_tie_by_id_and_stop_at_the_ends(database_url: str) -> None:
    assert _slugs(_read(database_url, "noon-too")[0]) == ("noon-too", "dusk", "noon")
    assert _slugs(_read(database_url, "dawn")[0]) == ("dawn", "noon", None)
    assert _slugs(_read(database_url, "dusk")[0]) == ("dusk", None, "noon-too")


def test_a_draft_has_no_neighbours_and_is_found_only_in_preview(database_url: str) -> None:
    found, spent = _read(database_url, "night", preview=True)
    assert (_slugs(found), spent) == (("night", None, None), 1)
    with pytest.raises(NotFound):
        _read(database_url, "night")
