"""Search orders the posts named by the words first, whichever way a page is found, and counts every match.

A page is taken from the posts whose titles hold the words alone when there
are enough of them, from every match otherwise (``ghee.core.blog.search``);
both must give one order. On PostgreSQL a one-word search is counted from the
word counts the database keeps as posts go live, change and go (migration 0026).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta

import pytest

from ghee.core.blog.posts import Post, PostPage, get_post
from ghee.core.blog.search import search_posts
from ghee.core.blog.writing import PostChanges, create_post, delete_post, publish_post, unpublish_post, update_post
from ghee.core.paging import Window
from ghee.db.database import Write, opened
from tests.support.databases import filled_database
from tests.support.services import run_async

TITLED = 12
IN_BODY = 20
FIRST = datetime(2026, 10, 1, 9)  # noqa: DTZ001 (storage is naive UTC)


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Twelve posts with "harbour" in their titles, twenty with it only in their bodies (some many times), a draft."""

    async def fill(work: Write) -> None:
        for n in range(TITLED):
            await _live(work, f"named-{n}", f"Harbour lights {n}", "<p>Boats and lanterns.</p>", n)
        for n in range(IN_BODY):
            body = "<p>" + " ".join(["Harbour tides."] * (1 + n % 6)) + "</p>"
            await _live(work, f"mentioned-{n}", f"Evening notes {n}", body, TITLED + n)
        await create_post(work, PostChanges(slug="harbour-draft", title="Harbour draft", status="draft"))

    with filled_database(backend, tmp_path_factory.mktemp("search-titles"), fill) as url:
        yield url


async def _live(work: Write, slug: str, title: str, body: str, day: int) -> Post:
    changes = PostChanges(slug=slug, title=title, body=body, status="published", published=FIRST + timedelta(days=day))
    return await create_post(work, changes)


def _search(url: str, text: str, window: Window) -> PostPage:
    async def read() -> PostPage:
        async with opened(url) as db:
            return await search_posts(db.read(), text, window)

    return run_async(read)


def _walk(url: str, text: str, size: int) -> list[str]:
    """Every page of ``size``, one after another; each must count every match."""
    slugs: list[str] = []
    for offset in range(0, TITLED + IN_BODY + size, size):
        page = _search(url, text, Window(size, offset))
        assert page.count == TITLED + IN_BODY
        slugs += [post.slug for post in page.items]
    return slugs


def test_titles_holding_the_word_come_first_on_every_page(database_url: str) -> None:
    whole = [post.slug for post in _search(database_url, "harbour", Window(TITLED + IN_BODY)).items]
    assert {slug.split("-")[0] for slug in whole[:TITLED]} == {"named"}
    assert {slug.split("-")[0] for slug in whole[TITLED:]} == {"mentioned"}
    # Pages within the titles, across the boundary and past it: one order, no post twice or missed.
    for size in (1, 5, 10, 11):
        assert _walk(database_url, "harbour", size) == whole


def test_within_each_part_the_more_relevant_come_first(database_url: str) -> None:
    posts = _search(database_url, "harbour", Window(TITLED + IN_BODY)).items
    for part in (posts[:TITLED], posts[TITLED:]):
        ranks = [post.rank or 0 for post in part]
        assert ranks == sorted(ranks, reverse=True)
    # Bodies saying it six times rank above those saying it once.
    assert posts[TITLED].slug in {f"mentioned-{n}" for n in range(IN_BODY) if n % 6 == 5}


def test_every_word_must_be_in_a_title_for_it_to_come_first(database_url: str) -> None:
    async def write() -> None:
        async with opened(database_url) as db, db.write() as work:
            await _live(work, "gulls-both", "Breakwater gulls", "<p>Calm.</p>", 50)
            body = "<p>" + " ".join(["Gulls over the breakwater."] * 6) + "</p>"
            await _live(work, "gulls-one", "Breakwater notes", body, 51)
            await _live(work, "gulls-none", "Notes", body, 52)

    run_async(write)
    page = _search(database_url, "breakwater gulls", Window(1))
    assert ([post.slug for post in page.items], page.count) == (["gulls-both"], 3)
    found = [post.slug for post in _search(database_url, "breakwater gulls", Window(10)).items]
    assert found[0] == "gulls-both"
    assert set(found[1:]) == {"gulls-one", "gulls-none"}
    # No title holds both "harbour" and "tides": the named posts are not found, the mentioned ones are.
    page = _search(database_url, "harbour tides", Window(10))
    assert page.count == IN_BODY
    assert all(post.slug.startswith("mentioned-") for post in page.items)


def _count_after(url: str, change: Callable[[Write], Awaitable[None]]) -> tuple[int, int]:
    """Apply ``change(work)``, then count a one-word search with pages of one (titles first) and of fifty."""

    async def run() -> None:
        async with opened(url) as db, db.write() as work:
            await change(work)

    run_async(run)
    return _search(url, "seawall", Window(1)).count, _search(url, "seawall", Window(50)).count


def test_a_one_word_count_follows_posts_going_live_changing_and_going(database_url: str) -> None:
    async def create(work: Write) -> None:
        await _live(work, "seawall-named", "The seawall", "<p>Stones.</p>", 40)
        await _live(work, "seawall-mentioned", "Walks", "<p>Along the seawall.</p>", 41)
        await create_post(work, PostChanges(slug="seawall-draft", title="Seawall", status="draft"))

    async def publish_the_draft(work: Write) -> None:
        await publish_post(work, await get_post(work, "seawall-draft", preview=True))

    async def drop_the_word(work: Write) -> None:
        post = await get_post(work, "seawall-mentioned", preview=True)
        await update_post(work, post, PostChanges(body="<p>Along the pier.</p>"))

    async def draft_it_back(work: Write) -> None:
        post = await get_post(work, "seawall-mentioned", preview=True)
        await update_post(work, post, PostChanges(body="<p>Seawall again.</p>", status="draft"))

    async def take_one_offline(work: Write) -> None:
        await unpublish_post(work, await get_post(work, "seawall-draft", preview=True))

    async def delete_the_named(work: Write) -> None:
        await delete_post(work, await get_post(work, "seawall-named", preview=True))

    assert _count_after(database_url, create) == (2, 2)
    assert _count_after(database_url, publish_the_draft) == (3, 3)
    assert _count_after(database_url, drop_the_word) == (2, 2)
    assert _count_after(database_url, draft_it_back) == (2, 2)  # a working draft is not searched
    assert _count_after(database_url, take_one_offline) == (1, 1)
    assert _count_after(database_url, delete_the_named) == (0, 0)
