"""Migration 0026: posts written before it are found by their titles first, and counted by word on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ghee.core.blog.search import search_posts
from ghee.core.paging import Window
from ghee.db.database import opened
from ghee.db.engine import create_engine
from ghee.db.tables import blog_posts
from tests.support.databases import downgrade, make_empty_database, migrate
from tests.support.services import run_async

_EVENTS = ("insert", "delete", "update")
_SQLITE_OBJECTS = {
    *(f"blog_post_titles_fts{part}" for part in ("", "_config", "_data", "_docsize", "_idx")),
    *(f"blog_post_titles_fts_{event}" for event in _EVENTS),
}
_POSTGRES_OBJECTS = {
    "ix_blog_posts_title_search_published",
    "blog_search_words",
    *(f"blog_search_words_{event}" for event in _EVENTS),
}
NOW = datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)
_POST = {"summary": "", "seo_title": "", "meta_description": "", "created_at": NOW, "updated_at": NOW}
# Each post's status, title and body, by slug.
POSTS = {
    "old-in-body": ("published", "Market day", "<p>Ferries, ferries, ferries and more ferries.</p>"),
    "old-in-title": ("published", "Ferries at dawn", "<p>Early.</p>"),
    "old-draft": ("draft", "Ferries again", "<p>Soon.</p>"),
}


async def _at_0025_with_posts(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for n, (slug, (status, title, body)) in enumerate(POSTS.items()):
                published_at = NOW + timedelta(hours=n) if status == "published" else None
                row = {**_POST, "slug": slug, "status": status, "title": title, "body": body}
                await conn.execute(blog_posts.insert().values(**row, published_at=published_at))
    finally:
        await engine.dispose()


async def _search(url: str, words: str, size: int) -> tuple[list[str], int]:
    async with opened(url) as db:
        page = await search_posts(db.read(), words, Window(size))
        return [post.slug for post in page.items], page.count


async def _objects(url: str) -> set[str]:
    """The migration's own objects that exist: SQLite's titles table, PostgreSQL's index, table and triggers."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE name LIKE 'blog_post_titles_fts%'"
            else:
                query = (
                    "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_blog_posts_title_search_published' "
                    "UNION ALL SELECT tablename FROM pg_tables WHERE tablename = 'blog_search_words' "
                    "UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE 'blog_search_words%'"
                )
            return set(await conn.scalars(sa.text(query)))
    finally:
        await engine.dispose()


def test_posts_written_before_are_found_titles_first_and_counted(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    try:
        migrate(url, "0025")
        run_async(lambda: _at_0025_with_posts(url))
        migrate(url)
        # A page of one is taken from the titles alone, and counted apart (by word, on PostgreSQL).
        assert run_async(lambda: _search(url, "ferry", 1)) == (["old-in-title"], 2)
        assert run_async(lambda: _search(url, "ferries", 10)) == (["old-in-title", "old-in-body"], 2)
        assert run_async(lambda: _objects(url)) == (_SQLITE_OBJECTS if backend == "sqlite" else _POSTGRES_OBJECTS)
        downgrade(url, "0025")
        assert run_async(lambda: _objects(url)) == set()
    finally:
        drop()
