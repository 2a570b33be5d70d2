"""Migration 0021: the full-text index holds live posts only, drafts written before it included, by their live words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ghee.core.blog.search import search_posts
from ghee.core.blog.versions import PostVersion, encode_version
from ghee.core.paging import Window
from ghee.db.database import opened
from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade
from ghee.db.tables import blog_posts
from tests.support.databases import downgrade, make_empty_database, migrate
from tests.support.services import run_async

NOW = datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)
_POST = {"summary": "", "seo_title": "", "meta_description": "", "created_at": NOW, "updated_at": NOW}
# slug: (status, title, the working draft's title or None)
POSTS = {
    "lanterns-live": ("published", "Lanterns festival", None),
    "lanterns-draft": ("draft", "Lanterns festival, part two", None),
    "lanterns-redrafted": ("published", "Lanterns recap", "Embers recap"),
}


async def _at_0020_with_drafts_and_live_posts(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine, "0020")
        async with engine.begin() as conn:
            for slug, (status, title, drafted) in POSTS.items():
                draft = encode_version(PostVersion(slug=slug, title=drafted)) if drafted else None
                published_at = NOW if status == "published" else None
                row = {**_POST, "slug": slug, "status": status, "title": title, "body": "<p>Night market.</p>"}
                await conn.execute(blog_posts.insert().values(**row, draft=draft, published_at=published_at))
    finally:
        await engine.dispose()


async def _found(url: str, words: str) -> list[str]:
    async with opened(url) as db:
        page = await search_posts(db.read(), words, Window(10))
        return sorted(post.slug for post in page.items)


async def _indexed_rows(url: str) -> int | None:
    """How many posts SQLite's index holds (one size row per indexed post); ``None`` on PostgreSQL."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name != "sqlite":
                return None
            return await conn.scalar(sa.text("SELECT count(*) FROM blog_posts_fts_docsize"))
    finally:
        await engine.dispose()


async def _postgres_search(url: str) -> tuple[list[str], dict[str, str]]:
    """The definitions of PostgreSQL's indexes on ``blog_posts.search``, and the storage of ``search`` and ``body``."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            query = "SELECT indexdef FROM pg_indexes WHERE tablename = 'blog_posts' AND indexdef LIKE '%(search)%'"
            storage = (
                "SELECT attname, attstorage::text FROM pg_attribute "
                "WHERE attrelid = 'blog_posts'::regclass AND attname IN ('search', 'body')"
            )
            kinds = {row[0]: row[1] for row in await conn.execute(sa.text(storage))}
            return list(await conn.scalars(sa.text(query))), kinds
    finally:
        await engine.dispose()


def test_only_live_posts_stay_indexed_and_downgrading_indexes_every_post_again(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    try:
        run_async(lambda: _at_0020_with_drafts_and_live_posts(url))
        migrate(url)
        assert run_async(lambda: _found(url, "lanterns")) == ["lanterns-live", "lanterns-redrafted"]
        assert run_async(lambda: _found(url, "embers")) == []
        assert run_async(lambda: _found(url, "part two")) == []
        assert run_async(lambda: _indexed_rows(url)) in (2, None)
        if backend == "postgres":
            [index], storage = run_async(lambda: _postgres_search(url))
            assert "ix_blog_posts_search_published" in index
            assert "WHERE ((status)::text = 'published'::text)" in index
            assert storage == {"search": "m", "body": "m"}  # kept in the row
        downgrade(url, "0020")
        assert run_async(lambda: _indexed_rows(url)) in (3, None)
        if backend == "postgres":
            [index], storage = run_async(lambda: _postgres_search(url))
            assert "ix_blog_posts_search " in index
            assert "WHERE" not in index
            assert storage == {"search": "x", "body": "x"}
    finally:
        drop()


async def _write(url: str, statement: sa.Executable) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(statement)
    finally:
        await engine.dispose()


def _set(slug: str, **values: str) -> sa.Executable:
    return blog_posts.update().where(blog_posts.c.slug == slug).values(**values)


def test_the_index_follows_each_change_of_status_title_and_body(backend: str, tmp_path: Path) -> None:
    """Straight SQL writes, as the triggers (SQLite) and the partial index (PostgreSQL) see them."""
    url, drop = make_empty_database(backend, tmp_path)

    def found(words: str) -> list[str]:
        return run_async(lambda: _found(url, words))

    def write(statement: sa.Executable) -> None:
        run_async(lambda: _write(url, statement))

    try:
        run_async(lambda: _at_0020_with_drafts_and_live_posts(url))
        migrate(url)
        write(_set("lanterns-draft", status="published"))
        assert found("part two") == ["lanterns-draft"]
        write(_set("lanterns-draft", title="Kites festival"))
        assert found("part two") == []
        assert found("kites") == ["lanterns-draft"]
        write(_set("lanterns-draft", summary="Changed beside the index"))
        assert found("kites") == ["lanterns-draft"]
        write(_set("lanterns-draft", status="draft", body="<p>Day market.</p>"))
        assert found("kites") == []
        assert found("day market") == []
        write(_set("lanterns-draft", title="Drafted again"))  # a draft's change: nothing to take out
        write(blog_posts.delete().where(blog_posts.c.slug == "lanterns-draft"))
        write(blog_posts.delete().where(blog_posts.c.slug == "lanterns-live"))
        assert found("lanterns") == ["lanterns-redrafted"]
        assert found("night market") == ["lanterns-redrafted"]
        assert run_async(lambda: _indexed_rows(url)) in (1, None)
    finally:
        drop()
