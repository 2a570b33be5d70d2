"""A deleted row's id is never handed out again, on either database, and migration 0016 keeps the ids it found.

Public ids are codes of row ids, so a reused id named two resources (issue 15). The API tests of each
kind of resource that can be deleted live beside that resource's other tests (webhooks, connections,
jobs and builds, failure causes, collection items); these check every table and the migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from ghee import ids
from ghee.db.engine import create_engine
from ghee.db.migrate import alembic_config, upgrade
from ghee.db.tables import blog_post_counts, blog_posts, builds, deployments, events, metadata, projects
from tests.support.databases import make_database, make_empty_database
from tests.support.services import run_async

NOW = datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)
ROW_ID_TABLES = sorted(t.name for t in metadata.sorted_tables if "id" in t.c and t.c.id.autoincrement is True)
BEFORE = ScriptDirectory.from_config(alembic_config()).get_revision("0016").down_revision


async def _id_sources(conn: AsyncConnection) -> dict[str, str | None]:
    """What hands out each table's ids: SQLite's AUTOINCREMENT, or PostgreSQL's sequence, or ``None``."""
    found: dict[str, str | None] = {}
    for table in ROW_ID_TABLES:
        if conn.dialect.name == "sqlite":
            sql = await conn.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table})
            found[table] = "AUTOINCREMENT" if "AUTOINCREMENT" in str(sql) else None
        else:
            found[table] = await conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table})
    return found


def test_every_table_with_a_row_id_hands_each_id_out_once(backend: str, tmp_path: Path) -> None:
    url, drop = make_database(backend, tmp_path)

    async def check() -> dict[str, str | None]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await _id_sources(conn)
        finally:
            await engine.dispose()

    try:
        sources = run_async(check)
    finally:
        drop()
    assert len(ROW_ID_TABLES) >= 20
    assert [table for table, source in sources.items() if source is None] == []


async def _seed(conn: AsyncConnection) -> None:
    """Three projects, the newest deleted, each named in the event log; builds, a deployment, a blog post."""
    for number in (1, 2, 3):
        await conn.execute(projects.insert().values(id=number, name=f"Game {number}", engine="unreal", created_at=NOW))
        await conn.execute(
            events.insert().values(
                type="project.created",
                resource_type="project",
                resource_id=ids.encode("proj", number),
                payload={},
                created_at=NOW,
            )
        )
    # A code no project of this table could have had (far above the ids handed out): not a reason to skip ids.
    await conn.execute(
        events.insert().values(
            type="project.created", resource_type="project", resource_id="proj_zzzzzzzz", payload={}, created_at=NOW
        )
    )
    await conn.execute(projects.delete().where(projects.c.id == 3))
    build = {"project_id": 1, "status": "success", "platform": "win64", "configuration": "shipping", "branch": "main"}
    await conn.execute(builds.insert(), [{**build, "id": n, "number": n, "created_at": NOW} for n in (1, 2)])
    await conn.execute(
        deployments.insert().values(
            id=1, project_id=1, build_id=2, platform="steam", branch="main", status="live", created_at=NOW
        )
    )
    post = {"status": "published", "summary": "", "seo_title": "", "meta_description": "", "created_at": NOW}
    await conn.execute(blog_posts.insert().values(**post, slug="old", title="Lanterns", body="", updated_at=NOW))
    if conn.dialect.name == "postgresql":
        # As a copy from SQLite (ghee migrate-data) left it: the sequence knows only the ids in use.
        await conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('projects', 'id'), 2)"))


async def _new_project(conn: AsyncConnection, name: str) -> int:
    made = await conn.execute(
        projects.insert().values(name=name, engine="unity", created_at=NOW).returning(projects.c.id)
    )
    return int(made.scalar_one())


async def _migrate_seeded(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    seen: dict[str, Any] = {}
    try:
        await upgrade(engine, BEFORE)
        async with engine.begin() as conn:
            await _seed(conn)
        await upgrade(engine)
        async with engine.begin() as conn:
            seen["projects"] = list(await conn.scalars(sa.select(projects.c.id).order_by(projects.c.id)))
            seen["builds"] = list(await conn.scalars(sa.select(builds.c.id).order_by(builds.c.id)))
            seen["deployed"] = list(await conn.execute(sa.select(deployments.c.id, deployments.c.build_id)))
            seen["after_deleted"] = await _new_project(conn, "After the deleted one")
            await conn.execute(projects.delete().where(projects.c.id == seen["after_deleted"]))
            seen["after_newest_deleted"] = await _new_project(conn, "After the newest, deleted")
            # The foreign keys still cascade: a project's builds and deployments go with it.
            await conn.execute(projects.delete().where(projects.c.id == 1))
            seen["builds_left"] = await conn.scalar(sa.select(sa.func.count()).select_from(builds))
            seen["deployments_left"] = await conn.scalar(sa.select(sa.func.count()).select_from(deployments))
            # The blog's triggers were made again: counts follow a new post, search finds the old one.
            published = sa.select(blog_post_counts.c.posts).where(blog_post_counts.c.status == "published")
            before = await conn.scalar(published)
            post = {"status": "published", "summary": "", "seo_title": "", "meta_description": "", "body": ""}
            await conn.execute(
                blog_posts.insert().values(**post, slug="new", title="New", created_at=NOW, updated_at=NOW)
            )
            seen["counted"] = (await conn.scalar(published) or 0) - (before or 0)
            seen["sources"] = await _id_sources(conn)
            if conn.dialect.name == "sqlite":  # SQLite's full-text index still finds the post by its kept id
                match = sa.text("SELECT rowid FROM blog_posts_fts WHERE blog_posts_fts MATCH 'lanterns'")
                seen["found"] = list(await conn.scalars(match))
        return seen
    finally:
        await engine.dispose()


def test_the_migration_keeps_every_id_and_never_gives_out_one_the_event_log_names(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    try:
        seen = run_async(lambda: _migrate_seeded(url))
    finally:
        drop()
    assert seen["projects"] == [1, 2]
    assert seen["builds"] == [1, 2]
    assert seen["deployed"] == [(1, 2)]
    # proj 3 was deleted before the upgrade, but events name it: its id is not handed out again.
    assert seen["after_deleted"] == 4
    assert seen["after_newest_deleted"] == 5
    assert (seen["builds_left"], seen["deployments_left"]) == (0, 0)
    assert seen["counted"] == 1
    assert seen.get("found", [1]) == [1]
    assert [table for table, source in seen["sources"].items() if source is None] == []


def test_the_migration_refuses_to_rebuild_tables_with_sqlites_foreign_keys_on(tmp_path: Path) -> None:
    url, _ = make_empty_database("sqlite", tmp_path)

    async def run() -> list[int]:
        engine = create_engine(url)
        try:
            await upgrade(engine, BEFORE)
            async with engine.begin() as conn:
                await _seed(conn)
            async with engine.connect() as conn:  # foreign keys on, as the engine opens every connection
                with pytest.raises(RuntimeError, match="foreign keys off"):
                    await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0016"))
                await conn.rollback()
                return list(await conn.scalars(sa.select(builds.c.id).order_by(builds.c.id)))
        finally:
            await engine.dispose()

    assert run_async(run) == [1, 2]  # a project's builds were not cascaded away
