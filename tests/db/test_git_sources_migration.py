"""Migration 0022: changelists keep a git commit id, projects a git push secret; down and up again keeps the changes."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from ghee.core.changelists import NewChangelist, record_changelist
from ghee.core.projects import create_project
from ghee.db.database import opened
from ghee.db.engine import create_engine
from tests.support.databases import downgrade, make_empty_database, migrate
from tests.support.services import run_async

REVISION = "9fceb02d0ae598e95dc970b74767f19372d61af8"


async def _record(url: str) -> None:
    async with opened(url) as db, db.write() as work:
        project = await create_project(work, "Ember", "unreal")
        await record_changelist(work, project.id, NewChangelist(number=None, author="mira", revision=REVISION))
        await record_changelist(work, project.id, NewChangelist(number=48213, author="jonas"))


async def _columns_and_tables(url: str) -> tuple[set[str], set[str], list[tuple[int, str]]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            columns, tables = await conn.run_sync(
                lambda sync: (
                    {c["name"] for c in sa.inspect(sync).get_columns("changelists")},
                    set(sa.inspect(sync).get_table_names()),
                )
            )
            rows = await conn.execute(sa.text("SELECT number, author FROM changelists ORDER BY number"))
            return columns, tables, [(int(n), a) for n, a in rows]
    finally:
        await engine.dispose()


def test_down_to_0021_and_up_again_keeps_every_changelist(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    try:
        migrate(url)
        run_async(lambda: _record(url))
        downgrade(url, "0021")
        columns, tables, rows = run_async(lambda: _columns_and_tables(url))
        assert "revision" not in columns
        assert "git_push_secrets" not in tables
        assert rows == [(1, "mira"), (48213, "jonas")]
        migrate(url)
        columns, tables, rows = run_async(lambda: _columns_and_tables(url))
        assert "revision" in columns
        assert "git_push_secrets" in tables
        assert rows == [(1, "mira"), (48213, "jonas")]
    finally:
        drop()
