"""``ghee demo``: a believable studio with every state on show, loaded once however often it is asked."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ghee.clock import utcnow
from ghee.config import Settings
from ghee.core.assets import APPROVAL_STATUSES
from ghee.core.builds.logs import whole_log
from ghee.core.builds.model import STATUSES as BUILD_STATUSES
from ghee.core.connections import claim_connection
from ghee.core.jobs.following import jobs_to_follow
from ghee.db.database import Write, opened
from ghee.db.tables import (
    artifacts,
    assets,
    build_stages,
    builds,
    changelists,
    connections,
    deployments,
    events,
    jobs,
    metadata,
    projects,
)
from ghee.demo import load_demo
from ghee.integrations.jenkins.loop import PassOutcome, sync_now
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
    reported_builds: int
    ci: CiHistory


@dataclass(frozen=True)
class CiHistory:
    """What the demo Jenkins holds."""

    connection: sa.Row[Any]
    jobs: dict[str, sa.Row[Any]]
    builds: int
    days: float
    categories: Counter[str]
    with_stages: int
    failed_log: str
    causes: set[str]
    agents: set[str]
    linked: set[str]


async def _ci(conn: Write) -> CiHistory:
    [connection] = list(await conn.execute(sa.select(connections).where(connections.c.demo.is_(True))))
    found = {
        row.full_name: row for row in await conn.execute(sa.select(jobs).where(jobs.c.connection_id == connection.id))
    }
    ci = builds.c.job_id.in_([row.id for row in found.values()])
    span = (
        await conn.execute(sa.select(sa.func.min(builds.c.started_at), sa.func.max(builds.c.started_at)).where(ci))
    ).one()
    failed = await conn.scalar(
        sa.select(builds.c.id).where(ci, builds.c.failure_category == "compilation_error").limit(1)
    )
    names = await conn.execute(
        sa.select(projects.c.name)
        .join(jobs, jobs.c.project_id == projects.c.id)
        .where(jobs.c.connection_id == connection.id)
    )
    return CiHistory(
        connection=connection,
        jobs=found,
        builds=await conn.scalar(sa.select(sa.func.count()).where(ci)) or 0,
        days=(span[1] - span[0]) / timedelta(days=1),
        categories=await _grouped(conn, builds.c.failure_category, ci, builds.c.failure_category.is_not(None)),
        with_stages=await conn.scalar(sa.select(sa.func.count(sa.distinct(build_stages.c.build_id)))) or 0,
        failed_log=(await whole_log(conn, failed)).decode() if failed is not None else "",
        causes={
            cause["description"]
            for (causes,) in await conn.execute(sa.select(builds.c.causes).where(ci))
            for cause in causes
        },
        agents=set(await conn.scalars(sa.select(builds.c.agent).where(ci).distinct())),
        linked=set(names.scalars()),
    )


async def _rows(conn: Write) -> dict[str, int]:
    return {
        table.name: await conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in metadata.sorted_tables
    }


async def _grouped(conn: Write, column: sa.Column[str], *where: sa.ColumnElement[bool]) -> Counter[str]:
    return Counter(dict(list(await conn.execute(sa.select(column, sa.func.count()).where(*where).group_by(column)))))


REPORTED = builds.c.job_id.is_(None)  # the studio's own builds; the demo Jenkins' are counted apart


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
                .where(REPORTED, builds.c.status == "success", ~sa.exists().where(artifacts.c.build_id == builds.c.id))
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
                build_statuses=await _grouped(conn, builds.c.status, REPORTED),
                reported_builds=await conn.scalar(sa.select(sa.func.count()).where(REPORTED)) or 0,
                ci=await _ci(conn),
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
    assert loaded.reported_builds == 500
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


def test_demo_has_a_month_of_jenkins_history_in_folders_and_a_multibranch_project(loaded: Loaded) -> None:
    ci = loaded.ci
    assert ci.connection.demo
    assert ci.connection.status == "ok"
    assert {"skyforge/game/main", "skyforge/game/PR-12", "tools/farm-health-check"} <= set(ci.jobs)
    assert {row.kind for row in ci.jobs.values()} == {"branch", "pipeline", "freestyle"}
    assert {row.folder for row in ci.jobs.values()} >= {"/skyforge", "/skyforge/game", "/pocket-tactics", "/tools"}
    assert ci.builds >= 300
    assert 25 < ci.days <= 30
    assert ci.with_stages >= 200
    assert {"Started by timer", "Started by an SCM change"} <= ci.causes
    assert len(ci.agents) >= 4
    assert ci.linked == {"Skyforge", "Pocket Tactics", "Studio Tools"}  # the folders belong to the studio's projects
    assert "Loaded a demo Jenkins" in loaded.first


def test_demo_failures_fall_into_several_categories_and_one_job_is_flaky(loaded: Loaded) -> None:
    ci = loaded.ci
    assert len(ci.categories) >= 4, ci.categories
    assert "error: use of undeclared identifier" in ci.failed_log  # the log explains the category
    assert [name for name, row in ci.jobs.items() if row.flaky] == ["tools/farm-health-check"]


def test_the_demo_jenkins_is_never_contacted(loaded: Loaded, backend: str, tmp_path: Path) -> None:
    """Passes, the follower and dispatches leave it alone: there is no server behind its URL."""
    url, drop = make_database(backend, tmp_path)
    try:

        async def run() -> tuple[list[PassOutcome], int | None, dict[int, Any]]:
            async with opened(url) as db:
                async with db.write() as work:
                    await load_demo(work)
                settings = Settings(database_url=url, secret_key=Fernet.generate_key().decode())
                outcomes = await sync_now(settings)
                async with db.write() as work:
                    claimed = await claim_connection(work, "tester")
                return outcomes, claimed, await jobs_to_follow(db.read(), 8)

        outcomes, claimed, followed = asyncio.run(run())
        assert outcomes == []  # every connection but the demo's: none
        assert claimed is None
        assert followed == {}  # its running build is not followed
    finally:
        drop()


def test_loading_the_demo_again_changes_nothing(loaded: Loaded) -> None:
    assert loaded.rows_after_second == loaded.rows_after_first
    assert "already loaded" in loaded.second
