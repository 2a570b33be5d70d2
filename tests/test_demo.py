"""``ghee demo``: a believable studio with every state on show, loaded once however often it is asked."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ghee import ids
from ghee.clock import utcnow
from ghee.config import Settings
from ghee.core.assets import APPROVAL_STATUSES
from ghee.core.builds.logs import whole_log
from ghee.core.builds.model import STATUSES as BUILD_STATUSES
from ghee.core.builds.reports import NewBuild
from ghee.core.builds.trigger import trigger_build
from ghee.core.connections import claim_connection
from ghee.core.jobs.following import jobs_to_follow
from ghee.db.database import Write, opened
from ghee.db.tables import (
    artifacts,
    assets,
    build_dispatches,
    build_stages,
    builds,
    changelists,
    connections,
    deployments,
    event_queue,
    events,
    jobs,
    metadata,
    projects,
)
from ghee.demo import load_demo
from ghee.demo_ci import NAME as DEMO_JENKINS
from ghee.integrations.jenkins.loop import PassOutcome, sync_now
from tests.support.api import Api
from tests.support.buildbutler_factory import in_db
from tests.support.cluster import session_cookies
from tests.support.databases import make_database
from tests.support.servers import Server, start_server
from tests.support.services import GHEE, ROOT


@dataclass(frozen=True)
class Loaded:
    """What two runs of ``ghee demo`` said, and the database after each."""

    url: str
    first: str
    progress: str
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
    history: list[tuple[Any, ...]]
    announced: int  # connection.created events, as for a connection added through the API


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
        history=await _history(conn),
        announced=await conn.scalar(
            sa.select(sa.func.count()).where(
                events.c.type == "connection.created", events.c.resource_id == ids.encode("conn", connection.id)
            )
        )
        or 0,
    )


async def _history(conn: Write) -> list[tuple[Any, ...]]:
    """Every demo Jenkins build's job, number, result, category, commit, agent and cause: what a seed decides."""
    rows = await conn.execute(
        sa.select(
            jobs.c.full_name,
            builds.c.number,
            builds.c.result,
            builds.c.failure_category,
            builds.c.commit,
            builds.c.agent,
        )
        .join(connections, connections.c.id == jobs.c.connection_id)
        .join(builds, builds.c.job_id == jobs.c.id)
        .where(connections.c.demo.is_(True))
        .order_by(jobs.c.full_name, builds.c.number)
    )
    return [tuple(row) for row in rows]


async def _rows(conn: Write) -> dict[str, int]:
    return {
        table.name: await conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in metadata.sorted_tables
    }


async def _grouped(conn: Write, column: sa.Column[str], *where: sa.ColumnElement[bool]) -> Counter[str]:
    return Counter(dict(list(await conn.execute(sa.select(column, sa.func.count()).where(*where).group_by(column)))))


REPORTED = builds.c.job_id.is_(None)  # the studio's own builds; the demo Jenkins' are counted apart


def _ghee_demo(url: str) -> subprocess.CompletedProcess[str]:
    """``ghee demo`` on the database at ``url``, as ``make run`` runs it."""
    env = {**os.environ, "GHEE_DATABASE_URL": url}
    return subprocess.run([GHEE, "demo"], env=env, capture_output=True, text=True, check=True, timeout=600)


async def _counted(url: str) -> dict[str, int]:
    async with opened(url) as db, db.write() as conn:
        return await _rows(conn)


async def _inspect(
    url: str, first: subprocess.CompletedProcess[str], second: str, after_first: dict[str, int]
) -> Loaded:
    async with opened(url) as db, db.write() as conn:
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
            url=url,
            first=first.stdout,
            progress=first.stderr,
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
    """``ghee demo`` run twice on a fresh database of the backend."""
    url, drop = make_database(backend, tmp_path_factory.mktemp(f"demo-{backend}"))
    try:
        first = _ghee_demo(url)
        after_first = asyncio.run(_counted(url))
        second = _ghee_demo(url).stdout
        yield asyncio.run(_inspect(url, first, second, after_first))
    finally:
        drop()


@pytest.fixture(scope="module")
def demo_server(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ghee serve`` over the demo, its background loops (the Jenkins sync among them) running as ``make run``'s."""
    server = start_server(loaded.url, tmp_path_factory.mktemp("demo-serve") / "serve.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo_api(demo_server: Server) -> Iterator[Api]:
    client = Api(demo_server, demo_server.token("admin"))
    yield client
    client.http.close()


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
    assert ci.announced == 1
    assert "Loaded a demo Jenkins" in loaded.first
    assert f"failures in {len(ci.categories)} categories, 1 flaky job" in loaded.first


def test_demo_failures_fall_into_several_categories_and_one_job_is_flaky(loaded: Loaded) -> None:
    ci = loaded.ci
    assert {"compilation_error", "test_failure", "infrastructure", "timeout"} <= set(ci.categories), ci.categories
    assert len(ci.categories) >= 8, ci.categories
    assert "unknown" not in ci.categories  # every failure's log says why, in words the default causes know
    assert "error: use of undeclared identifier" in ci.failed_log  # the log explains the category
    assert [name for name, row in ci.jobs.items() if row.flaky] == ["tools/farm-health-check"]


def test_the_blog_docs_state_what_ghee_demo_loads(loaded: Loaded) -> None:
    said = re.search(
        r"Blog: (\d+) published posts and (\d+) draft\(s\) by (\d+) authors in (\d+) categories", loaded.first
    )
    assert said is not None, loaded.first
    published, drafts, authors, categories = map(int, said.groups())
    rows = loaded.rows_after_first
    assert (published + drafts, authors, categories) == (
        rows["blog_posts"],
        rows["blog_authors"],
        rows["blog_categories"],
    )
    text = (ROOT / "docs" / "buttercms-blog.md").read_text().split("## Demo content", 1)[1].split("\n## ", 1)[0]
    stated = {kind: int(n) for n, kind in re.findall(r"(\d+) (authors|categories|tags|published posts|draft)\b", text)}
    assert stated == {
        "authors": authors,
        "categories": categories,
        "tags": rows["blog_tags"],
        "published posts": published,
        "draft": drafts,
    }


def test_ghee_demo_says_what_it_is_loading_as_it_goes(loaded: Loaded) -> None:
    lines = loaded.progress.splitlines()
    assert len(lines) == 4
    assert all(line.startswith("loading ") for line in lines)
    assert any("Jenkins" in line for line in lines)


@dataclass(frozen=True)
class Reloaded:
    """The demo loaded into a second fresh database, and what the background loops found to do there."""

    history: list[tuple[Any, ...]]
    outcomes: list[PassOutcome]
    named: list[PassOutcome]
    claimed: int | None
    followed: dict[int, Any]
    dispatches: int


@pytest.fixture(scope="module")
def reloaded(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reloaded]:
    url, drop = make_database(backend, tmp_path_factory.mktemp(f"demo-again-{backend}"))

    async def run() -> Reloaded:
        async with opened(url) as db:
            async with db.write() as work:
                await load_demo(work)
            settings = Settings(database_url=url, secret_key=Fernet.generate_key().decode())
            outcomes = await sync_now(settings)
            named = await sync_now(settings, DEMO_JENKINS)
            async with db.write() as work:
                claimed = await claim_connection(work, "tester")
                skyforge = await work.scalar(sa.select(projects.c.id).where(projects.c.name == "Skyforge"))
                assert skyforge is not None
                await trigger_build(work, skyforge, NewBuild("win64", "development", None, "main"))
                dispatches = await work.scalar(sa.select(sa.func.count()).select_from(build_dispatches)) or 0
                history = await _history(work)
            return Reloaded(history, outcomes, named, claimed, await jobs_to_follow(db.read(), 8), dispatches)

    try:
        yield asyncio.run(run())
    finally:
        drop()


def test_the_demo_jenkins_is_never_contacted(reloaded: Reloaded) -> None:
    """Passes, the follower and dispatches leave it alone: there is no server behind its URL."""
    assert reloaded.outcomes == []  # every connection but the demo's: none
    [named] = reloaded.named
    assert (named.stats, named.error) == (None, "the demo's sample Jenkins: there is no server to sync")  # no pass
    assert reloaded.claimed is None  # the worker's loop never claims it
    assert reloaded.followed == {}  # its running build is not followed
    assert reloaded.dispatches == 0  # a build of a project linked to its jobs waits for an agent


def test_the_demo_history_is_the_same_on_every_fresh_load(loaded: Loaded, reloaded: Reloaded) -> None:
    assert reloaded.history == loaded.ci.history


def test_loading_the_demo_again_changes_nothing(loaded: Loaded) -> None:
    assert loaded.rows_after_second == loaded.rows_after_first
    assert "already loaded" in loaded.second


def test_the_analytics_api_has_a_month_of_demo_builds(demo_api: Api) -> None:
    params = {"range": "30d", "group_by": "job", "per_page": 100}
    metrics = demo_api.ok("GET", "/api/v1/analytics/metrics", params=params)
    assert metrics["totalBuilds"] >= 300
    assert metrics["meta"]["total"] == 10  # every job built this month
    assert len([day for day in metrics["series"] if day["totalBuilds"]]) >= 28
    assert {"SUCCESS", "FAILURE", "UNSTABLE", "ABORTED"} <= set(metrics["results"])
    assert 0.6 < metrics["successRate"] < 0.95


def _builds_of(api: Api, job_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = api.ok("GET", f"/api/v1/jobs/{job_id}/builds", params={"page": page, "per_page": 100})
        found += answer["data"]
        if len(found) >= answer["meta"]["total"]:
            return found
        page += 1


def test_the_jobs_api_shows_the_demo_jenkins_linked_categorised_and_with_one_flaky_job(demo_api: Api) -> None:
    listed = demo_api.ok("GET", "/api/v1/jobs", params={"instance": DEMO_JENKINS, "per_page": 100})["data"]
    assert len(listed) == 10
    assert all(job["project"] is not None for job in listed)  # each folder's jobs belong to a demo project
    [flaky] = [job for job in listed if job["flaky"]]
    assert "both passed" in demo_api.ok("GET", f"/api/v1/jobs/{flaky['id']}")["health"]["flakyReason"]
    builds = [build for job in listed for build in _builds_of(demo_api, job["id"])]
    assert len(builds) >= 300
    categories = Counter(build["failureCategory"] for build in builds if build["failureCategory"])
    assert len(categories) >= 8, categories
    assert sum(1 for build in builds if build["stages"]) >= 300  # the pipelines' (freestyle jobs have none)
    failed = next(build for build in builds if build["failureCategory"] == "compilation_error")
    log = demo_api.get(f"/api/v1/builds/{failed['id']}/log")
    assert log.status_code == 200
    assert "error: use of undeclared identifier" in log.text
    assert log.text.endswith("Finished: FAILURE\n")
    assert log.headers["X-More-Data"] == "false"


def test_the_connections_api_marks_the_demo_jenkins(demo_api: Api) -> None:
    listed = demo_api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"]
    [demo] = [connection for connection in listed if connection["demo"]]
    assert demo["name"] == DEMO_JENKINS
    assert (demo["status"], demo["lastError"], demo["jobs"]) == ("ok", None, 10)  # the server's loops left it alone


def test_a_demo_project_lists_its_jenkins_builds_among_its_reported_ones(demo_api: Api) -> None:
    [skyforge] = [p for p in demo_api.ok("GET", "/v1/projects")["projects"] if p["name"] == "Skyforge"]
    newest = demo_api.ok("GET", f"/v1/projects/{skyforge['id']}/builds", params={"limit": 100})["builds"]
    assert {build["job_id"] is None for build in newest} == {True, False}
    queued = [build["created_at"] for build in newest]
    assert queued == sorted(queued, reverse=True)


def test_ci_health_in_the_dashboard_has_the_demo_jobs_and_failure_categories(demo_server: Server) -> None:
    with httpx.Client(base_url=demo_server.base_url, cookies=session_cookies(demo_server)) as browser:
        page = browser.get("/health", params={"range": "30d"})
    assert page.status_code == 200
    assert page.text.count('data-category="') >= 8
    assert "farm-health-check" in page.text


def test_the_demo_drafts_no_patch_notes_nobody_asked_for(demo_api: Api, demo_server: Server) -> None:
    """Its releases went live as history: no deployment.live event of theirs waits to draft patch notes."""

    async def queued_releases(work: Write) -> int:
        waiting = sa.select(sa.func.count()).select_from(
            event_queue.join(events, events.c.id == event_queue.c.event_id)
        )
        return await work.scalar(waiting.where(events.c.type == "deployment.live")) or 0

    assert in_db(demo_server, queued_releases) == 0
    drafts = demo_api.ok("GET", "/v2/posts/", params={"tag_slug": "patch-notes", "preview": 1})
    assert drafts["meta"]["count"] == 0
