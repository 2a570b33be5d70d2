"""The one way in to the database: a unit of work commits or rolls back as a whole, and reads see its writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ghee.core.projects import create_project, get_project
from ghee.db.database import Database, opened
from ghee.db.reads import STATEMENTS_KEPT
from ghee.db.tables import projects
from ghee.errors import Unavailable
from tests.support.databases import make_database
from tests.support.services import run_async

COUNT = sa.select(sa.func.count()).select_from(projects)


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    database_url, drop = make_database(backend, tmp_path)
    yield database_url
    drop()


def test_a_unit_of_work_commits_when_its_block_ends(url: str) -> None:
    async def run() -> int:
        async with opened(url) as db:
            async with db.write() as work:
                await create_project(work, "Committed", "unreal")
            return int((await db.read().all(COUNT, {}))[0][0])

    assert run_async(run) == 1


def test_a_unit_of_work_that_raises_leaves_nothing_behind(url: str) -> None:
    async def half_done(db: Database) -> None:
        async with db.write() as work:
            await create_project(work, "Half done", "unreal")
            raise RuntimeError

    async def run() -> int:
        async with opened(url) as db:
            with pytest.raises(RuntimeError):
                await half_done(db)
            return int((await db.read().all(COUNT, {}))[0][0])

    assert run_async(run) == 0


def test_a_unit_of_work_reads_its_own_writes_through_the_read_functions(url: str) -> None:
    async def run() -> tuple[str, int]:
        async with opened(url) as db, db.write() as work:
            made = await create_project(work, "Seen", "godot")
            found = await get_project(work, made.public_id)
            outside = int((await db.read().all(COUNT, {}))[0][0])
            return found.name, outside

    name, outside = run_async(run)
    assert name == "Seen"
    assert outside == 0  # not committed yet: the read path does not see it


def test_statements_built_per_call_do_not_grow_the_compiled_cache(url: str) -> None:
    async def run() -> tuple[int, list[int]]:
        async with opened(url) as db:
            reads = db.read()
            answers = []
            for n in range(STATEMENTS_KEPT + 100):
                rows = await reads.all(sa.select(sa.literal(n) + sa.bindparam("one")), {"one": 1})
                answers.append(int(rows[0][0]))
            return len(reads._statements), answers  # type: ignore[attr-defined]

    kept, answers = run_async(run)
    assert kept <= STATEMENTS_KEPT
    assert answers == [n + 1 for n in range(STATEMENTS_KEPT + 100)]


def test_a_database_that_cannot_be_reached_is_unavailable() -> None:
    async def run() -> None:
        db = await Database.open("postgresql://nobody@127.0.0.1:1/none")
        try:
            async with db.write():
                pass
        finally:
            await db.close()

    with pytest.raises(Unavailable):
        run_async(run)
