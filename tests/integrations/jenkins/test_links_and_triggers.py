"""Linking a job to a project (PATCH /api/v1/jobs/:id) and building a linked project on Jenkins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.config import Settings
from ghee.core.builds.dispatches import MAX_ATTEMPTS
from ghee.db.tables import build_dispatches, builds
from tests.support.api import Api
from tests.support.fake_jenkins import FakeBuild, FakeJenkins, FakeJob
from tests.support.jenkins import assert_problem, connect, dispatch, execute, job_rows, query, sync
from tests.support.jenkins_estate import furnish
from tests.support.servers import Server


@pytest.fixture
def csrf_jenkins() -> Iterator[FakeJenkins]:
    fake = FakeJenkins(csrf=True).start()
    yield fake
    fake.stop()


def _linked(api: Api, server: Server, settings: Settings, jenkins: FakeJenkins) -> tuple[dict[str, object], str]:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    project = api.new_project()
    job_id = ids.encode("j", job_rows(server, made)["app"].id, "job")
    linked = api.ok("PATCH", f"/api/v1/jobs/{job_id}", json={"project": project["id"]})
    assert linked == {
        "id": job_id,
        "name": "app",
        "instance": made["name"],
        "folder": "/",
        "project": project["id"],
        "lastBuild": 4,
        "lastResult": "ABORTED",
    }
    return project, made["name"]


def test_linking_a_job_puts_its_builds_in_the_project(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    project, _ = _linked(api, server, settings, jenkins)
    listed = api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"]
    assert sorted(b["status"] for b in listed) == ["cancelled", "failed", "failed", "success"]
    assert {b["project_id"] for b in listed} == {project["id"]}


def test_link_errors(api: Api, server: Server, settings: Settings, jenkins: FakeJenkins) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    job_id = ids.encode("j", job_rows(server, made)["app"].id, "job")
    assert_problem(api.patch(f"/api/v1/jobs/{job_id}", json={"project": "proj_00000000"}), 404, "not_found")
    assert_problem(api.patch(f"/api/v1/jobs/{job_id}", json={}), 400, "bad_request")
    assert_problem(api.patch("/api/v1/jobs/j_zzzzzzzz", json={"project": None}), 404, "not_found")
    unlinked = api.ok("PATCH", f"/api/v1/jobs/{job_id}", json={"project": None})
    assert unlinked["project"] is None


def test_building_a_linked_project_queues_it_on_jenkins_with_a_crumb(
    api: Api, server: Server, settings: Settings, csrf_jenkins: FakeJenkins
) -> None:
    jenkins = csrf_jenkins
    project, name = _linked(api, server, settings, jenkins)
    body = {"platform": "win64", "configuration": "shipping", "changelist": "4242", "branch": "main"}
    build = api.ok("POST", f"/v1/projects/{project['id']}/builds", 201, json=body)
    # The request answered with the pending build before anything asked Jenkins.
    assert (build["status"], jenkins.triggered) == ("pending", [])
    dispatch(settings)
    [(job, parameters, headers)] = jenkins.triggered
    assert job == "app"
    assert parameters == {"PLATFORM": "win64", "CONFIGURATION": "shipping", "CHANGELIST": "4242"}
    assert headers == {"crumb": "c0ffee"}
    [row] = query(server, sa.select(builds).where(builds.c.id == ids.decode("build", build["id"], "build")))
    assert (row.number, row.queue_id, row.job_id is not None, row.status) == (5, 700, True, "running")
    assert row.url == f"{jenkins.url}job/app/5/"
    assert query(server, sa.select(build_dispatches)) == []

    app = jenkins.find(["app"])
    assert isinstance(app, FakeJob)
    app.builds[5].building = False
    sync(settings, name)
    done = api.ok("GET", f"/v1/builds/{build['id']}")
    assert done["status"] == "success"
    assert (done["id"], done["number"], done["job_name"]) == (build["id"], 5, "app")


def test_a_build_jenkins_starts_later_is_matched_by_its_queue_item(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    project, name = _linked(api, server, settings, jenkins)
    jenkins.start_queued = False  # the queue item waits (a quiet period): ghee answers before it has a number
    build = api.ok(
        "POST",
        f"/v1/projects/{project['id']}/builds",
        201,
        json={"platform": "ps5", "configuration": "debug", "changelist": None},
    )
    assert build["status"] == "pending"
    dispatch(settings, within=0.5)  # sent; the queue item still waits
    [waiting] = query(server, sa.select(build_dispatches))
    assert (waiting.state, waiting.queue_id) == ("queued", 700)
    app = jenkins.find(["app"])
    assert isinstance(app, FakeJob)
    app.add(FakeBuild(5, building=True, queue_id=700, parameters={"PLATFORM": "ps5", "CONFIGURATION": "debug"}))
    sync(settings, name)
    [row] = query(server, sa.select(builds).where(builds.c.id == ids.decode("build", build["id"], "build")))
    assert (row.number, row.status, row.platform) == (5, "running", "ps5")
    assert len(query(server, sa.select(builds.c.id).where(builds.c.job_id == row.job_id))) == 5
    dispatch(settings)  # the sync adopted the build: the dispatcher stops following its queue item
    assert query(server, sa.select(build_dispatches)) == []


def test_an_unreachable_jenkins_is_tried_again_then_the_build_is_cancelled(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    project, _ = _linked(api, server, settings, jenkins)
    jenkins.stop()
    build = api.ok(
        "POST",
        f"/v1/projects/{project['id']}/builds",
        201,
        json={"platform": "win64", "configuration": "shipping", "changelist": None},
    )
    dispatch(settings, within=0.5)
    [waiting] = query(server, sa.select(build_dispatches))
    assert (waiting.state, waiting.attempts) == ("waiting", 1)
    assert "cannot reach" in waiting.last_error
    assert api.ok("GET", f"/v1/builds/{build['id']}")["status"] == "pending"

    # The last attempt fails too: the build is cancelled, and the dispatch keeps why.
    row_id = ids.decode("build", build["id"], "build")
    execute(
        server,
        build_dispatches.update()
        .where(build_dispatches.c.build_id == row_id)
        .values(attempts=MAX_ATTEMPTS - 1, next_attempt_at=utcnow() - timedelta(hours=1)),
    )
    dispatch(settings, within=0.5)
    [failed] = query(server, sa.select(build_dispatches))
    assert (failed.state, failed.attempts) == ("failed", MAX_ATTEMPTS)
    assert api.ok("GET", f"/v1/builds/{build['id']}")["status"] == "cancelled"
    listed = api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"]
    assert len(listed) == 5


def test_builds_of_an_unlinked_job_are_no_project_builds(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    [(row_id,)] = query(
        server, sa.select(builds.c.id).where(builds.c.job_id == job_rows(server, made)["app"].id, builds.c.number == 1)
    )
    response = api.get(f"/v1/builds/{ids.encode('build', row_id)}")
    assert response.status_code == 404, response.text


def test_a_project_bound_token_cannot_claim_a_job_no_project_owns(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    """Job ids are alike in every installation: a bound token claiming one would read its logs (and secrets)."""
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    project = api.new_project()
    job_id = ids.encode("j", job_rows(server, made)["app"].id, "job")
    bound = Api(server, server.token("write", project_id=ids.decode("proj", project["id"], "project")))
    try:
        response = bound.patch(f"/api/v1/jobs/{job_id}", json={"project": project["id"]})
        assert_problem(response, 404, "not_found")  # as if it did not exist: ids cannot be probed
        assert job_rows(server, made)["app"].project_id is None

        # Once an unbound token linked it to the project, the bound token may unlink it.
        api.ok("PATCH", f"/api/v1/jobs/{job_id}", json={"project": project["id"]})
        assert bound.ok("PATCH", f"/api/v1/jobs/{job_id}", json={"project": None})["project"] is None
        response = bound.patch(f"/api/v1/jobs/{job_id}", json={"project": project["id"]})
        assert_problem(response, 404, "not_found")
    finally:
        bound.http.close()


def test_a_linked_jobs_history_is_listed_newest_first_among_reported_builds_in_every_dialect(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    project = api.new_project()
    body = {"platform": "win64", "configuration": "shipping", "changelist": None}
    reported = api.ok("POST", f"/v1/projects/{project['id']}/builds", 201, json=body)
    job_id = ids.encode("j", job_rows(server, made)["app"].id, "job")
    api.ok("PATCH", f"/api/v1/jobs/{job_id}", json={"project": project["id"]})
    latest = api.ok("POST", f"/v1/projects/{project['id']}/builds", 201, json=body)

    # The job ran its four builds long ago: they come after today's, newest first.
    listed = api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"]
    assert [(b["job_name"], b["number"]) for b in listed] == [
        (None, 2),
        (None, 1),
        ("app", 4),
        ("app", 3),
        ("app", 2),
        ("app", 1),
    ]
    assert [listed[0]["id"], listed[1]["id"]] == [latest["id"], reported["id"]]
    as_apps = api.ok("GET", f"/v1/apps/{project['id']}/builds")
    assert [b["_id"] for b in as_apps] == [b["id"] for b in listed]
    for build in listed[2:]:
        butler = api.ok("GET", f"/api/v1/builds/{build['id']}")
        assert (butler["number"], butler["jobId"]) == (build["number"], job_id)
        assert ids.decode("b", butler["id"], "build", coder_kind="build") == ids.decode("build", build["id"], "build")


def test_a_buddybuild_trigger_on_a_linked_project_is_started_on_jenkins_too(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    project, _ = _linked(api, server, settings, jenkins)
    jenkins.delay = 1.0  # Jenkins is slow: the trigger does not wait for it
    build = api.ok("POST", f"/v1/apps/{project['id']}/build", 201, json={"branch": "main"})
    assert (build["build_status"], jenkins.triggered) == ("queued", [])
    dispatch(settings, within=15)
    [(job, parameters, _)] = jenkins.triggered
    assert job == "app"
    assert set(parameters) == {"PLATFORM", "CONFIGURATION"}
    started = api.ok("GET", f"/v1/apps/{project['id']}/builds", params={"limit": 1})[0]
    assert (started["_id"], started["build_status"], started["build_number"]) == (build["_id"], "running", 5)
