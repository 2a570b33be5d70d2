"""A sync pass against a fake Jenkins: what is stored, and what an incremental pass asks for."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from ghee.config import Settings
from ghee.core.builds.logs import whole_log
from ghee.db.database import opened
from ghee.db.tables import build_stages, builds, events
from ghee.integrations.jenkins.loop import sync_now
from tests.support.api import Api
from tests.support.fake_jenkins import FREESTYLE, T0, FakeBuild, FakeJenkins, FakeJob
from tests.support.jenkins import connect, job_rows, query, sync
from tests.support.jenkins_estate import DEEP, SHA, furnish
from tests.support.servers import Server


def build_rows(server: Server, job_id: int) -> dict[int, Any]:
    return {row.number: row for row in query(server, sa.select(builds).where(builds.c.job_id == job_id))}


def log_of(server: Server, build_id: int) -> bytes:
    async def run() -> bytes:
        async with opened(server.database_url) as db:
            return await whole_log(db.read(), build_id)

    return asyncio.run(run())


def event_types(server: Server, build_id: int) -> list[str]:
    from ghee import ids  # noqa: PLC0415

    stmt = sa.select(events.c.type).where(events.c.resource_id == ids.encode("build", build_id)).order_by(events.c.id)
    return [row.type for row in query(server, stmt)]


def test_first_pass_walks_folders_and_multibranch_projects(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    stats = sync(settings, made["name"]).stats
    assert stats is not None
    found = job_rows(server, made)
    assert set(found) == {
        "app",
        "pipelines/deploy",
        f"{DEEP}/tool",
        "game/main",
        "game/feature%2Flogin",
    }
    assert (found["app"].kind, found["app"].folder, found["app"].branch) == ("freestyle", "/", None)
    assert (found["pipelines/deploy"].kind, found["pipelines/deploy"].folder) == ("pipeline", "/pipelines")
    assert found[f"{DEEP}/tool"].folder == f"/{DEEP}"
    assert (found["game/main"].kind, found["game/main"].branch) == ("branch", "main")
    assert found["game/feature%2Flogin"].branch == "feature/login"
    assert found["app"].last_build_number == 4
    assert found["app"].last_result == "ABORTED"
    # the tree comes five folder levels at a time: the root, then the folder below "deepest"
    trees = [path for _, path in jenkins.requests if "tree=jobs" in path]
    assert len(trees) == 2
    listed = api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"]
    mine = next(c for c in listed if c["id"] == made["id"])
    assert (mine["status"], mine["lastError"], mine["jobs"]) == ("ok", None, 5)
    assert mine["lastSyncAt"] is not None


def test_builds_carry_what_jenkins_reports(api: Api, server: Server, settings: Settings, jenkins: FakeJenkins) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    found = job_rows(server, made)
    app = build_rows(server, found["app"].id)
    assert [(app[n].status, app[n].result) for n in (1, 2, 3, 4)] == [
        ("success", "SUCCESS"),
        ("failed", "FAILURE"),
        ("failed", "UNSTABLE"),
        ("cancelled", "ABORTED"),
    ]
    first = app[1]
    assert (first.platform, first.configuration, first.branch, first.commit) == ("win64", "Shipping", "main", SHA)
    assert (first.duration_ms, first.queue_ms, first.agent, first.label, first.queue_id) == (
        184_000,
        12_000,
        "agent-7",
        "linux",
        11,
    )
    assert first.started_at == datetime(2025, 12, 6, 5, 46, 40, tzinfo=UTC).replace(tzinfo=None)
    assert (first.finished_at - first.started_at).total_seconds() == 184
    assert first.parameters == {"Platform": "win64", "configuration": "Shipping", "CHANGELIST": "123"}
    assert first.causes == [{"description": "Started by user Jane", "user": "jane"}]
    assert first.url == f"{jenkins.url}job/app/1/"
    assert first.project_id is None
    assert (app[2].platform, app[2].branch, app[2].commit) == ("", "", None)
    assert log_of(server, first.id) == b"Building on agent-7\nFinished: SUCCESS\n"
    assert (first.log_bytes, first.log_complete) == (38, True)
    assert event_types(server, first.id) == ["build.created", "build.finished"]

    deploy = build_rows(server, found["pipelines/deploy"].id)[1]
    assert deploy.queue_ms == 4000  # wfapi's queueDurationMillis, without the metrics plugin
    stages = query(
        server, sa.select(build_stages).where(build_stages.c.build_id == deploy.id).order_by(build_stages.c.position)
    )
    assert [(s.name, s.status, s.duration_ms) for s in stages] == [
        ("Checkout", "SUCCESS", 3000),
        ("Build", "SUCCESS", 45000),
        ("Test", "FAILED", 136000),
    ]
    assert stages[0].started_at == datetime(2025, 12, 6, 5, 46, 41, tzinfo=UTC).replace(tzinfo=None)
    main = build_rows(server, found["game/main"].id)[1]
    assert (main.branch, main.commit) == ("main", SHA)


def test_running_build_finishes_on_the_next_pass_and_its_log_grows(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    job_id = job_rows(server, made)["game/feature%2Flogin"].id
    running = build_rows(server, job_id)[1]
    assert (running.status, running.result, running.finished_at, running.log_complete) == ("running", None, None, False)
    assert running.queue_ms == 4000
    assert log_of(server, running.id) == b"Checking out\n"
    assert running.branch == "feature/login"

    feature = jenkins.find(["game", "feature%2Flogin"])
    assert isinstance(feature, FakeJob)
    build = feature.builds[1]
    build.building, build.result, build.duration = False, "SUCCESS", 90_000
    build.log += b"Tests passed\nFinished: SUCCESS\n"
    sync(settings, made["name"])
    done = build_rows(server, job_id)[1]
    assert (done.id, done.status, done.result, done.duration_ms, done.log_complete) == (
        running.id,
        "success",
        "SUCCESS",
        90_000,
        True,
    )
    assert log_of(server, done.id) == b"Checking out\nTests passed\nFinished: SUCCESS\n"
    assert done.log_bytes == len(build.log)
    assert event_types(server, done.id) == ["build.created", "build.updated", "build.finished"]


def test_incremental_pass_asks_only_about_what_changed(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    feature = jenkins.find(["game", "feature%2Flogin"])
    assert isinstance(feature, FakeJob)
    feature.builds[1].building = False
    app = jenkins.find(["app"])
    assert isinstance(app, FakeJob)
    app.add(FakeBuild(5, "SUCCESS", timestamp=T0 + 3_600_000, log=b"five\n"))
    jenkins.reset_requests()
    stats = sync(settings, made["name"]).stats
    assert stats is not None
    paths = sorted(path.split("?")[0] for _, path in jenkins.requests)
    assert paths == sorted(
        [
            "/api/json",  # the tree
            "/job/pipelines/job/nested/job/deeper/job/deepest/job/bottom/api/json",  # the tree below five levels
            "/job/app/api/json",  # allBuilds{0,1}: the one new build
            "/job/app/5/logText/progressiveText",
            "/job/game/job/feature%252Flogin/1/api/json",  # the build that was running
            "/job/game/job/feature%252Flogin/1/wfapi/describe",
            "/job/game/job/feature%252Flogin/1/logText/progressiveText",
        ]
    )
    [page] = [path for _, path in jenkins.requests if path.startswith("/job/app/api/json")]
    assert page.endswith("%7B0%2C1%7D")  # allBuilds[...]{0,1}
    assert (stats.jobs, stats.changed, stats.builds) == (5, 2, 2)
    assert 5 in build_rows(server, job_rows(server, made)["app"].id)

    jenkins.reset_requests()
    sync(settings, made["name"])
    assert len(jenkins.requests) == 2  # nothing changed: the tree alone


def test_long_histories_are_paged_with_allbuilds(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    job = jenkins.put("nightly", FakeJob())
    for number in range(1, 151):
        job.add(
            FakeBuild(
                number,
                "SUCCESS" if number % 5 else "FAILURE",
                timestamp=T0 + number * 60_000,
                log=f"build {number}\n".encode(),
            )
        )
    made = connect(api, jenkins)
    sync(settings, made["name"])
    pages = [path for _, path in jenkins.requests if path.startswith("/job/nightly/api/json")]
    assert len(pages) == 2
    stored = build_rows(server, job_rows(server, made)["nightly"].id)
    assert sorted(stored) == list(range(1, 151))
    assert stored[10].status == "failed"
    # logs and stages of the newest 10, and of the failed among the newest 50, are fetched; older history comes without
    detailed = sorted({*range(141, 151), *range(105, 151, 5)})
    assert sorted(n for n in stored if stored[n].log_bytes is not None) == detailed

    for number in range(151, 154):
        job.add(FakeBuild(number, "SUCCESS", timestamp=T0 + number * 60_000))
    jenkins.reset_requests()
    sync(settings, made["name"])
    pages = [path for _, path in jenkins.requests if path.startswith("/job/nightly/api/json")]
    assert len(pages) == 1
    assert "%7B0%2C3%7D" in pages[0]  # allBuilds{0,3}
    assert len(build_rows(server, job_rows(server, made)["nightly"].id)) == 153


def test_deleted_jobs_and_rotated_builds_are_marked_not_lost(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    before = job_rows(server, made)
    jenkins.remove("pipelines/deploy")
    app = jenkins.find(["app"])
    assert isinstance(app, FakeJob)
    del app.builds[1], app.builds[2]  # log rotation
    app.add(FakeBuild(5, "SUCCESS"))
    sync(settings, made["name"])
    after = job_rows(server, made)
    assert after["pipelines/deploy"].deleted is True
    assert after["app"].deleted is False
    assert len(build_rows(server, before["pipelines/deploy"].id)) == 1
    kept = build_rows(server, before["app"].id)
    assert {n: b.deleted for n, b in kept.items()} == {1: True, 2: True, 3: False, 4: False, 5: False}
    listed = api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"]
    assert next(c for c in listed if c["id"] == made["id"])["jobs"] == 4

    jenkins.put("pipelines/deploy", FakeJob())
    sync(settings, made["name"])
    assert job_rows(server, made)["pipelines/deploy"].deleted is False


def test_synced_builds_are_classified_counted_and_weighed_for_flakiness(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    """A pass classifies failed builds, feeds the rollups and checks the job for flakiness, in its transaction."""
    from ghee.core.jobs.model import job_public_id  # noqa: PLC0415

    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    app = job_rows(server, made)["app"]
    window = {"from": "2025-12-01T00:00:00Z", "to": "2025-12-31T00:00:00Z", "job": job_public_id(app.id)}
    metrics = api.ok("GET", "/api/v1/analytics/metrics", params=window)
    assert metrics["totalBuilds"] == 4
    assert metrics["successRate"] == 0.25  # SUCCESS over SUCCESS, FAILURE, UNSTABLE and ABORTED
    stored = build_rows(server, app.id)
    assert stored[1].failure_category is None
    assert stored[2].failure_category is not None
    job = api.ok("GET", f"/api/v1/jobs/{job_public_id(app.id)}")
    assert job["flaky"] is False


def test_jobs_fetched_while_another_is_written_are_all_written_in_batches(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write turn takes the jobs fetched meanwhile, up to ``BATCH_BUILDS`` builds: none lost or counted twice."""
    from ghee.core.jobs.model import job_public_id  # noqa: PLC0415
    from ghee.integrations.jenkins import sync as sync_pass  # noqa: PLC0415

    monkeypatch.setattr(sync_pass, "BATCH_BUILDS", 45)  # a batch holds one job of 30 builds, sometimes none more
    jenkins.delay = 0.005
    for index in range(12):
        job = jenkins.put(f"batch-{index}", FakeJob(FREESTYLE))
        for number in range(1, 31):
            failed = number % 3 == 0
            log = b"ld: error: undefined symbol\n" if failed else b"ok\n"
            job.add(FakeBuild(number, "FAILURE" if failed else "SUCCESS", timestamp=T0 + number * 60_000, log=log))
    made = connect(api, jenkins)
    reported: list[tuple[int, int]] = []
    [outcome] = asyncio.run(sync_now(settings, made["name"], lambda stats: reported.append((stats.done, stats.builds))))
    assert outcome.error is None, outcome.error
    assert outcome.stats is not None
    assert (outcome.stats.done, outcome.stats.builds, outcome.stats.finished) == (12, 360, 360)
    assert reported[-1] == (12, 360)
    assert [done for done, _ in reported] == sorted(done for done, _ in reported)
    found = job_rows(server, made)
    window = {"from": "2025-12-01T00:00:00Z", "to": "2025-12-31T00:00:00Z"}
    for index in range(12):
        job_id = found[f"batch-{index}"].id
        stored = build_rows(server, job_id)
        assert sorted(stored) == list(range(1, 31))
        assert {stored[n].failure_category is not None for n in (3, 6, 30)} == {True}
        metrics = api.ok("GET", "/api/v1/analytics/metrics", params={**window, "job": job_public_id(job_id)})
        assert metrics["totalBuilds"] == 30
        assert metrics["results"]["FAILURE"] == 10
