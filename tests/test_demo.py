"""``ghee demo``: a believable studio with every state on show, loaded once however often it is asked."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.assets import APPROVAL_STATUSES
from ghee.core.builds.model import STATUSES as BUILD_STATUSES
from ghee.db.database import Write, opened
from ghee.db.tables import artifacts, assets, builds, changelists, deployments, events, metadata, projects
from ghee.demo import load_demo
from tests.support.databases import make_database


@dataclass(frozen=True)
class Loaded:
    """What two loads of the demo said, and the database after each."""

    first: str
    second: str
    rows_after_first: dict[str, int]
    rows_after_second: dict[str, int]
    engines: dict[str, str]
    build_statuses: Counter[str]
    approval_statuses: Counter[str]
    deployment_statuses: Counter[str]
    targets: set[tuple[str, str]]
    builds_without_artifacts: int
    oldest_build_days: float
    newest_build_days: float


async def _rows(conn: Write) -> dict[str, int]:
    return {
        table.name: await conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in metadata.sorted_tables
    }


async def _grouped(conn: Write, column: sa.Column[str]) -> Counter[str]:
    return Counter(dict(list(await conn.execute(sa.select(column, sa.func.count()).group_by(column)))))


async def _load_twice(url: str) -> Loaded:
    async with opened(url) as db:
        async with db.write() as work:
            first = await load_demo(work)
        async with db.write() as work:
            after_first = await _rows(work)
        async with db.write() as work:
            second = await load_demo(work)
        async with db.write() as conn:
            succeeded_bare = (
                sa.select(sa.func.count())
                .select_from(builds)
                .where(builds.c.status == "success", ~sa.exists().where(artifacts.c.build_id == builds.c.id))
            )
            queued = (
                await conn.execute(sa.select(sa.func.min(builds.c.created_at), sa.func.max(builds.c.created_at)))
            ).one()
            now = utcnow()
            return Loaded(
                first=first,
                second=second,
                rows_after_first=after_first,
                rows_after_second=await _rows(conn),
                engines=dict(list(await conn.execute(sa.select(projects.c.name, projects.c.engine)))),
                build_statuses=await _grouped(conn, builds.c.status),
                approval_statuses=await _grouped(conn, assets.c.approval_status),
                deployment_statuses=await _grouped(conn, deployments.c.status),
                targets={(row.platform, row.branch) for row in await conn.execute(sa.select(deployments))},
                builds_without_artifacts=await conn.scalar(succeeded_bare) or 0,
                oldest_build_days=(now - queued[0]) / timedelta(days=1),
                newest_build_days=(now - queued[1]) / timedelta(days=1),
            )


@pytest.fixture(scope="module")
def loaded(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    url, drop = make_database(backend, tmp_path_factory.mktemp(f"demo-{backend}"))
    try:
        yield asyncio.run(_load_twice(url))
    finally:
        drop()


def test_demo_has_an_unreal_game_a_unity_app_and_a_tools_repo(loaded: Loaded) -> None:
    assert loaded.engines == {"Skyforge": "unreal", "Pocket Tactics": "unity", "Studio Tools": "none"}


def test_demo_has_two_hundred_changelists_and_five_hundred_builds(loaded: Loaded) -> None:
    assert loaded.rows_after_first[changelists.name] == 200
    assert loaded.rows_after_first[builds.name] == 500
    assert "3 projects" in loaded.first
    assert "200 changelists" in loaded.first
    assert "500 builds" in loaded.first


def test_demo_builds_mostly_succeed_and_some_are_in_every_state(loaded: Loaded) -> None:
    assert set(loaded.build_statuses) == set(BUILD_STATUSES)
    assert 0.75 <= loaded.build_statuses["success"] / 500 <= 0.85
    assert 0.10 <= loaded.build_statuses["failed"] / 500 <= 0.20


def test_demo_builds_spread_over_the_last_thirty_days(loaded: Loaded) -> None:
    assert 25 < loaded.oldest_build_days <= 30
    assert loaded.newest_build_days < 1 / 24


def test_every_successful_demo_build_has_artifacts(loaded: Loaded) -> None:
    assert loaded.builds_without_artifacts == 0
    assert loaded.rows_after_first[artifacts.name] >= loaded.build_statuses["success"]


def test_demo_assets_are_in_every_approval_state(loaded: Loaded) -> None:
    assert set(loaded.approval_statuses) == set(APPROVAL_STATUSES)


def test_demo_deploys_to_steam_epic_and_testflight(loaded: Loaded) -> None:
    assert loaded.targets == {("steam", "beta"), ("steam", "default"), ("epic", "live"), ("testflight", "internal")}
    assert loaded.deployment_statuses["live"] == len(loaded.targets)
    assert loaded.deployment_statuses["superseded"] > 0
    assert loaded.deployment_statuses["failed"] == 1


def test_demo_writes_record_events_like_real_writes(loaded: Loaded) -> None:
    assert loaded.rows_after_first[events.name] > loaded.rows_after_first[builds.name] * 2


def test_loading_the_demo_again_changes_nothing(loaded: Loaded) -> None:
    assert loaded.rows_after_second == loaded.rows_after_first
    assert "already loaded" in loaded.second
