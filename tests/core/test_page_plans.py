"""A project's builds page is read from its index, however the builds of the table are spread.

When the newest builds belong to another project (or to CI jobs linked to
none), a plan that walks the primary key backwards reads all of them before
the first of the asked project's: a page costs milliseconds instead of tens
of microseconds. PostgreSQL picks such a plan for a prepared statement's
generic plan, which it uses after five runs of the same statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ghee.clock import utcnow
from ghee.core.builds import reads as build_reads
from ghee.core.projects import create_project
from ghee.db.database import Write
from ghee.db.engine import create_engine
from ghee.db.tables import builds
from tests.support.databases import make_database
from tests.support.services import run_async

OLDER = 300
NEWER = 3_000


@pytest.fixture(scope="module")
def skewed(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A database where project A's 300 builds are older than project B's 3,000, analysed; yields its URL and A."""
    url, drop = make_database(backend, tmp_path_factory.mktemp("plans"))

    async def fill() -> int:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                older = await create_project(Write(conn), "Older", "unreal")
                newer = await create_project(Write(conn), "Newer", "unity")
                now = utcnow()
                for project_id, count in ((older.id, OLDER), (newer.id, NEWER)):
                    await conn.execute(
                        builds.insert(),
                        [
                            {
                                "project_id": project_id,
                                "number": n,
                                "status": "success",
                                "platform": "win64",
                                "configuration": "shipping",
                                "branch": "main",
                                "created_at": now,
                            }
                            for n in range(1, count + 1)
                        ],
                    )
                await conn.execute(sa.text("ANALYZE"))
                return older.id
        finally:
            await engine.dispose()

    try:
        yield url, run_async(fill)
    finally:
        drop()


async def _plan(conn: AsyncConnection, statement: sa.Select[Any], params: dict[str, object]) -> str:
    compiled = statement.compile(dialect=conn.dialect)
    values = compiled.construct_params(params)
    positional = tuple(values[name] for name in compiled.positiontup or ())
    if conn.dialect.name == "sqlite":
        rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), positional)
        return "\n".join(str(row[-1]) for row in rows)
    # A server-side prepared statement, as asyncpg's; EXPLAIN EXECUTE shows the plan its plan_cache_mode picks.
    literals = ", ".join(str(v) if isinstance(v, int) else "'" + str(v) + "'" for v in positional)
    await conn.exec_driver_sql("PREPARE plan_probe AS " + str(compiled))
    try:
        rows = await conn.exec_driver_sql(f"EXPLAIN EXECUTE plan_probe({literals})")
        return "\n".join(str(row[0]) for row in rows)
    finally:
        await conn.exec_driver_sql("DEALLOCATE plan_probe")


def _plans(url: str, project_id: int, **filters: bool) -> list[str]:
    """The plans of the builds page statement for ``project_id``: SQLite's, or PostgreSQL's generic and custom."""
    statement = build_reads._list_statement(
        build_reads._Shape(
            of_job=False,
            status=filters.get("status", False),
            result=False,
            branch=filters.get("branch", False),
            configuration=filters.get("configuration", False),
            since=False,
            until=False,
            include_deleted=False,
            counted=False,
        )
    )
    params: dict[str, object] = {
        "project_id": project_id,
        "limit": 21,
        "offset": 0,
        "status": "success",
        "branch": "main",
        "configuration": "shipping",
    }

    async def explain() -> list[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                if conn.dialect.name == "sqlite":
                    return [await _plan(conn, statement, params)]
                found = []
                for mode in ("force_generic_plan", "force_custom_plan"):
                    await conn.exec_driver_sql(f"SET plan_cache_mode = {mode}")
                    found.append(await _plan(conn, statement, params))
                return found
        finally:
            await engine.dispose()

    return run_async(explain)


@pytest.mark.parametrize(
    "filters", [{}, {"status": True}, {"branch": True}, {"configuration": True}, {"status": True, "branch": True}]
)
def test_a_projects_builds_page_reads_its_index_not_the_whole_table(
    skewed: tuple[str, int], filters: dict[str, bool]
) -> None:
    url, older = skewed
    for plan in _plans(url, older, **filters):
        assert "ix_builds_project" in plan, plan
        assert "pk_builds" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # SQLite: the index gives the order
        assert "Sort" not in plan, plan  # PostgreSQL: likewise
