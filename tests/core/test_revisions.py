"""Revisions of posts: every publication kept, numbered, with what changed; the newest ``KEPT`` only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ghee.core import revisions
from ghee.core.blog.posts import get_post
from ghee.core.blog.writing import PostChanges, create_post, update_post
from ghee.core.paging import Window
from ghee.db.database import opened
from tests.support.databases import make_database


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> object:
    url, drop = make_database(backend, tmp_path)
    yield url
    drop()


def test_every_publication_keeps_a_revision_and_only_the_newest_are_kept(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(revisions, "KEPT", 3)

    async def run() -> tuple[list[revisions.Revision], int]:
        async with opened(database_url) as db:
            async with db.write() as work:
                post = await create_post(work, PostChanges(slug="kept", title="v1", status="published"), "ada")
            for number in range(2, 6):
                async with db.write() as work:
                    post = await get_post(work, "kept", preview=True)
                    changes = PostChanges(title=f"v{number}", status="published")
                    await update_post(work, post, changes, "grace")
                async with db.write() as work:  # a draft keeps no revision
                    post = await get_post(work, "kept", preview=True)
                    await update_post(work, post, PostChanges(body="<p>draft</p>", status="draft"), "grace")
            return await revisions.list_revisions(db.read(), "post", post.id, Window(10))

    kept, total = asyncio.run(run())
    assert [(r.number, r.editor, r.snapshot["title"]) for r in kept] == [
        (5, "grace", "v5"),
        (4, "grace", "v4"),
        (3, "grace", "v3"),
    ]
    assert total == 3
    assert kept[-1].changed == ["body", "title"]  # v3 published the draft's body with its new title
    assert kept[0].changed == ["title"]  # the same draft body again: only the title changed
