"""Migration 0013 cleans the rich text stored before core cleaned every write (issue 15), and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade
from ghee.db.tables import blog_posts, content_entries, content_schemas, content_values
from tests.support.databases import make_empty_database
from tests.support.services import run_async

DIRTY = '<p>Hi<img src=x onerror="window.__xss=1"><script>alert(1)</script></p>'
CLEAN = '<p>Hi<img src="x"></p>'
PLAIN = "<b>5 < 6</b> & <img src=x onerror=alert(1)>"
NOW = datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)
SCHEMA = [
    {"key": "title", "type": "text"},
    {"key": "body", "type": "rich_text"},
    {"key": "faq", "type": "repeater", "fields": [{"key": "q", "type": "text"}, {"key": "a", "type": "rich_text"}]},
]


async def _seed(conn: AsyncConnection) -> None:
    post = {"status": "draft", "summary": PLAIN, "seo_title": "", "meta_description": PLAIN}
    await conn.execute(
        blog_posts.insert(),
        [
            {**post, "slug": "dirty", "title": PLAIN, "body": DIRTY, "created_at": NOW, "updated_at": NOW},
            {**post, "slug": "clean", "title": "Clean", "body": "<p>Fine</p>", "created_at": NOW, "updated_at": NOW},
        ],
    )
    for kind, key in (("page_type", "news"), ("collection", "faqs")):
        schema = {"kind": kind, "key": key, "name": key, "fields": json.dumps(SCHEMA)}
        await conn.execute(content_schemas.insert().values(**schema, created_at=NOW, updated_at=NOW))
    entries = [("page", "news", "one"), ("item", "faqs", None), ("page", "*", "single"), ("field", "", "banner")]
    for entry_id, (kind, scope, slug) in enumerate(entries, start=1):
        await conn.execute(
            content_entries.insert().values(
                id=entry_id, kind=kind, scope=scope, slug=slug, name="", status="draft", created_at=NOW, updated_at=NOW
            )
        )
    typed = {"title": PLAIN, "body": DIRTY, "faq": [{"q": PLAIN, "a": DIRTY}, {"q": "only a question"}]}
    values = [
        (1, "", typed),
        (1, "fr", {"body": DIRTY}),
        (2, "", typed),
        (3, "", {"body": DIRTY}),
        (4, "", {"value": DIRTY}),
    ]
    await conn.execute(
        content_values.insert(),
        [{"entry_id": entry_id, "locale": locale, "fields": json.dumps(v)} for entry_id, locale, v in values],
    )


async def _migrate_seeded(url: str) -> tuple[dict[str, tuple[str, ...]], dict[tuple[int, str], Any]]:
    engine = create_engine(url)
    try:
        await upgrade(engine, "0012")
        async with engine.begin() as conn:
            await _seed(conn)
        await upgrade(engine)
        async with engine.connect() as conn:
            columns = (blog_posts.c.slug, blog_posts.c.title, blog_posts.c.body, blog_posts.c.summary)
            posts = {row[0]: tuple(row[1:]) for row in await conn.execute(sa.select(*columns))}
            stored = await conn.execute(
                sa.select(content_values.c.entry_id, content_values.c.locale, content_values.c.fields)
            )
            return posts, {(row[0], row[1]): json.loads(row[2]) for row in stored}
    finally:
        await engine.dispose()


def test_stored_rich_text_is_cleaned_and_plain_text_kept(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    try:
        posts, values = run_async(lambda: _migrate_seeded(url))
    finally:
        drop()
    assert posts["dirty"] == (PLAIN, CLEAN, PLAIN)
    assert posts["clean"] == ("Clean", "<p>Fine</p>", PLAIN)
    cleaned = {"title": PLAIN, "body": CLEAN, "faq": [{"q": PLAIN, "a": CLEAN}, {"q": "only a question"}]}
    assert values[(1, "")] == cleaned  # a page of a page type
    assert values[(1, "fr")] == {"body": CLEAN}  # its translation
    assert values[(2, "")] == cleaned  # a collection item
    assert values[(3, "")] == {"body": DIRTY}  # a single page: no field types, nothing declared rich text
    assert values[(4, "")] == {"value": DIRTY}  # a content field: likewise
