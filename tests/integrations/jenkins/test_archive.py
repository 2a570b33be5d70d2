"""Deleting a connection archives it: its history stays readable and counted once; a purge removes it whole."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ghee import ids
from ghee.config import Settings
from ghee.core.builds import rollups
from ghee.core.builds.synced import CiBuild, JobRef, record_job_builds
from ghee.db.database import opened
from ghee.db.tables import builds
from tests.support.api import Api
from tests.support.fake_jenkins import T0, FakeJenkins
from tests.support.jenkins import assert_problem, connect, job_rows, query, sync
from tests.support.jenkins_estate import furnish
from tests.support.servers import Server
from tests.support.services import run_async

RANGE = {"from": "2025-11-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}


def _counted(api: Api, job_id: str) -> int:
    return int(api.ok("GET", "/api/v1/analytics/metrics", params={**RANGE, "job": job_id})["totalBuilds"])


def _groups(api: Api) -> list[dict[str, Any]]:
    found, page = [], 1
    while True:
        params = {**RANGE, "group_by": "job", "per_page": 100, "page": page}
        answer = api.ok("GET", "/api/v1/analytics/metrics", params=params)
        found += answer["groups"]
        if page * 100 >= answer["meta"]["total"]:
            return found
        page += 1


def _deployed(api: Api, server: Server, made: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Link ``app`` to a new project and deploy its successful build #1."""
    project = api.new_project()
    app = ids.encode("j", job_rows(server, made)["app"].id, "job")
    api.ok("PATCH", f"/api/v1/jobs/{app}", json={"project": project["id"]})
    [first] = [b for b in api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"] if b["number"] == 1]
    deployment = api.ok(
        "POST", f"/v1/builds/{first['id']}/deployments", 201, json={"platform": "steam", "branch": "main"}
    )
    return project, deployment, app


def test_deleting_archives_and_adding_the_same_jenkins_again_takes_the_history_back(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    project, deployment, app = _deployed(api, server, made)
    counted = _counted(api, app)
    assert counted == 4
    jobs_before = {name: row.id for name, row in job_rows(server, made).items()}

    assert api.http.delete(f"/api/v1/connections/{made['id']}").status_code == 204
    listed = api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"]
    assert made["id"] not in [c["id"] for c in listed]
    # The deployment, the builds behind it and the job's counts are all still there.
    assert api.ok("GET", f"/v1/deployments/{deployment['id']}")["id"] == deployment["id"]
    assert len(api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"]) == 4
    assert api.ok("GET", f"/api/v1/jobs/{app}")["lastBuild"] == 4
    assert _counted(api, app) == counted
    assert_problem(api.http.delete(f"/api/v1/connections/{made['id']}"), 404, "not_found")
    assert_problem(api.post(f"/api/v1/connections/{made['id']}/push-secret"), 404, "not_found")

    # The same Jenkins added again, under another name: the archived connection comes back with its history.
    again = connect(api, jenkins)
    assert again["id"] == made["id"]
    assert again["name"] != made["name"]
    sync(settings, again["name"])
    assert {name: row.id for name, row in job_rows(server, again).items()} == jobs_before
    assert _counted(api, app) == counted  # not counted twice
    assert len(api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"]) == 4


def test_a_purge_is_refused_while_deployments_need_its_builds_and_otherwise_removes_it_with_its_counts(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    _, deployment, app = _deployed(api, server, made)
    refused = api.http.delete(f"/api/v1/connections/{made['id']}", params={"purge": "true"})
    assert_problem(refused, 409, "conflict")
    assert "deployment" in refused.json()["error"]["message"]
    assert api.ok("GET", f"/v1/deployments/{deployment['id']}")["id"] == deployment["id"]

    spare = FakeJenkins().start()
    try:
        furnish(spare)
        other = connect(api, spare)
        sync(settings, other["name"])
        other_jobs = {ids.encode("j", row.id, "job") for row in job_rows(server, other).values()}
        assert len(other_jobs & {g["key"] for g in _groups(api)}) == 4  # its jobs with finished builds are counted
        # Archived first, then purged: a purge takes an archived connection too.
        assert api.http.delete(f"/api/v1/connections/{other['id']}").status_code == 204
        assert api.http.delete(f"/api/v1/connections/{other['id']}", params={"purge": "true"}).status_code == 204
    finally:
        spare.stop()
    assert job_rows(server, other) == {}
    groups = _groups(api)
    assert not other_jobs & {g["key"] for g in groups}
    assert all(g["key"] is not None and g["name"] is not None for g in groups)
    assert _counted(api, app) == 4  # the other connection's builds were never this job's
    assert_problem(api.http.delete(f"/api/v1/connections/{other['id']}", params={"purge": "true"}), 404, "not_found")


def test_a_build_whose_result_changes_after_it_was_counted_is_counted_as_it_is_now(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    row = job_rows(server, made)["app"]
    app = ids.encode("j", row.id, "job")
    before = api.ok("GET", "/api/v1/analytics/metrics", params={**RANGE, "job": app})
    assert before["results"] == {"SUCCESS": 1, "FAILURE": 1, "UNSTABLE": 1, "ABORTED": 1, "NOT_BUILT": 0}

    # Jenkins now says build #2 succeeded, and took longer; the sync reads it again.
    again = CiBuild(
        number=2,
        result="SUCCESS",
        building=False,
        started_at=datetime.fromtimestamp((T0 + 600_000) / 1000, UTC).replace(tzinfo=None),
        duration_ms=90_000,
        queue_ms=None,
        branch="",
        commit=None,
        platform="",
        configuration="",
        causes=[],
        parameters={},
        agent=None,
        label="linux",
        queue_id=0,
        url=None,
    )

    async def resync() -> None:
        async with opened(server.database_url) as db, db.write() as work:
            await record_job_builds(work, JobRef(row.id, None), [again])

    run_async(resync)
    after = api.ok("GET", "/api/v1/analytics/metrics", params={**RANGE, "job": app})
    assert after["results"] == {"SUCCESS": 2, "FAILURE": 0, "UNSTABLE": 1, "ABORTED": 1, "NOT_BUILT": 0}
    assert after["totalBuilds"] == before["totalBuilds"] == 4
    assert after["avgDuration"] == before["avgDuration"] + (90_000 - 60_000) // 4
    # The rollups now hold exactly what a rebuild from the builds makes.

    async def rebuild() -> None:
        async with opened(server.database_url) as db, db.write() as work:
            await rollups.rebuild(work)

    run_async(rebuild)
    assert api.ok("GET", "/api/v1/analytics/metrics", params={**RANGE, "job": app}) == after


def _history(api: Api, resource: str) -> set[str]:
    """The ids of every event ``/v1/events?resource=`` lists for ``resource``."""
    found, params = set(), {"resource": resource, "limit": 100}
    while True:
        page = api.ok("GET", "/v1/events", params=params)
        found |= {event["id"] for event in page["events"]}
        if not page["has_more"]:
            return found
        params["cursor"] = page["next_cursor"]


def _build_ids(server: Server, connection: dict[str, Any]) -> set[str]:
    job_ids = [row.id for row in job_rows(server, connection).values()]
    return {
        ids.encode("build", row.id) for row in query(server, sa.select(builds.c.id).where(builds.c.job_id.in_(job_ids)))
    }


def test_after_a_purge_the_connection_its_jobs_and_builds_made_again_take_none_of_the_purged_ids(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    purged = connect(api, jenkins)
    sync(settings, purged["name"])
    purged_jobs = {ids.encode("j", row.id, "job") for row in job_rows(server, purged).values()}
    purged_builds = _build_ids(server, purged)
    purged_history = set().union(*(_history(api, build) for build in purged_builds))
    assert purged_history  # each synced build has its events
    assert api.http.delete(f"/api/v1/connections/{purged['id']}", params={"purge": "true"}).status_code == 204

    again = connect(api, jenkins)
    sync(settings, again["name"])
    assert again["id"] != purged["id"]
    jobs_again = {ids.encode("j", row.id, "job") for row in job_rows(server, again).values()}
    builds_again = _build_ids(server, again)
    assert len(jobs_again) == len(purged_jobs)
    assert len(builds_again) == len(purged_builds)
    assert not jobs_again & purged_jobs
    assert not builds_again & purged_builds
    # /v1/events?resource= of a new build lists its own events, none of a purged build's.
    for build in builds_again:
        history = _history(api, build)
        assert history
        assert not history & purged_history
