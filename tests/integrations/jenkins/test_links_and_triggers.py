"""Linking a job to a project (PATCH /api/v1/jobs/:id) and building a linked project on Jenkins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ghee import ids
from ghee.config import Settings
from ghee.db.tables import builds
from tests.support.api import Api
from tests.support.fake_jenkins import FakeJenkins, FakeJob
from tests.support.jenkins import assert_problem, connect, job_rows, query, sync
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
    [(job, parameters, headers)] = jenkins.triggered
    assert job == "app"
    assert parameters == {"PLATFORM": "win64", "CONFIGURATION": "shipping", "CHANGELIST": "4242"}
    assert headers == {"crumb": "c0ffee"}
    [row] = query(server, sa.select(builds).where(builds.c.id == ids.decode("build", build["id"], "build")))
    assert (row.number, row.queue_id, row.job_id is not None, row.status) == (5, 700, True, "pending")

    app = jenkins.find(["app"])
    assert isinstance(app, FakeJob)
    app.builds[5].building = False
    sync(settings, name)
    done = api.ok("GET", f"/v1/builds/{build['id']}")
    assert done["status"] == "success"
    assert done["id"] == build["id"]


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
    app = jenkins.find(["app"])
    assert isinstance(app, FakeJob)
    from tests.support.fake_jenkins import FakeBuild  # noqa: PLC0415

    app.add(FakeBuild(5, building=True, queue_id=700, parameters={"PLATFORM": "ps5", "CONFIGURATION": "debug"}))
    sync(settings, name)
    [row] = query(server, sa.select(builds).where(builds.c.id == ids.decode("build", build["id"], "build")))
    assert (row.number, row.status, row.platform) == (5, "running", "ps5")
    assert len(query(server, sa.select(builds.c.id).where(builds.c.job_id == row.job_id))) == 5


def test_unreachable_jenkins_fails_the_trigger_and_stores_nothing(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    project, _ = _linked(api, server, settings, jenkins)
    jenkins.stop()
    response = api.post(
        f"/v1/projects/{project['id']}/builds",
        json={"platform": "win64", "configuration": "shipping", "changelist": None},
    )
    assert response.status_code == 503, response.text
    listed = api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"]
    assert len(listed) == 4


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
