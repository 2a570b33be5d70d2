"""BuildButler /api/v1/jobs: the seed's list shape, filters, pagination, success rate, details and health."""

from __future__ import annotations

import sqlalchemy as sa

from ghee.core.jobs.flaky import update_jobs
from ghee.core.jobs.model import job_public_id
from ghee.core.projects import project_row_id
from ghee.db.database import Write
from ghee.db.tables import builds
from tests.support.api import Api
from tests.support.buildbutler import MakeClient, assert_error
from tests.support.buildbutler_factory import in_db, new_build, new_connection, new_job
from tests.support.servers import Server

SEED_JOB_FIELDS = {"id", "name", "instance", "folder", "lastBuild", "lastResult", "successRate"}


def test_job_list_has_the_seed_shape(api: Api, server: Server) -> None:
    async def seed(work: Write) -> tuple[str, int]:
        connection_id, instance = await new_connection(work)
        job = await new_job(work, connection_id, "production-deploy", "/pipelines")
        for number, result in enumerate(["SUCCESS", "FAILURE", "SUCCESS", "SUCCESS"], start=39):
            await new_build(work, job, number, result)
        return instance, job

    instance, job = in_db(server, seed)
    body = api.ok("GET", "/api/v1/jobs", params={"instance": instance})
    assert body["meta"] == {"page": 1, "per_page": 25, "total": 1}
    [listed] = body["data"]
    assert set(listed) >= SEED_JOB_FIELDS
    assert listed["id"] == job_public_id(job)
    assert listed["id"].startswith("j_")
    assert (listed["name"], listed["instance"], listed["folder"]) == ("production-deploy", instance, "/pipelines")
    assert (listed["lastBuild"], listed["lastResult"]) == (42, "SUCCESS")
    assert listed["successRate"] == 0.75
    assert listed["flaky"] is False
    assert listed["url"].startswith("https://")


def test_success_rate_counts_finished_builds_only(api: Api, server: Server) -> None:
    async def seed(work: Write) -> str:
        connection_id, instance = await new_connection(work)
        job = await new_job(work, connection_id)
        await new_build(work, job, 1, "SUCCESS")
        await new_build(work, job, 2, "UNSTABLE")
        await new_build(work, job, 3, "ABORTED")
        await new_build(work, job, 4, "SUCCESS")
        await new_build(work, job, 5, None)  # running: left out
        await new_build(work, job, 6, "FAILURE", deleted=True)  # deleted: left out
        return instance

    [listed] = api.ok("GET", "/api/v1/jobs", params={"instance": in_db(server, seed)})["data"]
    assert listed["successRate"] == 0.5
    assert listed["lastBuild"] == 6


def test_success_rate_follows_builds_finishing_and_being_deleted(api: Api, server: Server) -> None:
    async def seed(work: Write) -> tuple[str, int, list[int]]:
        connection_id, instance = await new_connection(work)
        job = await new_job(work, connection_id)
        made = [await new_build(work, job, n, result) for n, result in enumerate(["SUCCESS", "FAILURE", None], 1)]
        return instance, job, made

    instance, job, (passed, _, running) = in_db(server, seed)

    def rate() -> float | None:
        [listed] = api.ok("GET", "/api/v1/jobs", params={"instance": instance})["data"]
        return listed["successRate"]  # type: ignore[no-any-return]

    assert rate() == 0.5

    async def finish(work: Write) -> None:
        await work.execute(builds.update().where(builds.c.id == running).values(result="SUCCESS"))

    in_db(server, finish)
    assert rate() == 0.6667

    async def forget(work: Write) -> None:
        await work.execute(builds.update().where(builds.c.id == passed).values(deleted=True))

    in_db(server, forget)
    assert rate() == 0.5

    async def remove(work: Write) -> None:
        await work.execute(builds.delete().where(builds.c.job_id == job, builds.c.deleted == sa.false()))

    in_db(server, remove)
    assert rate() is None


def test_a_job_without_finished_builds_has_no_success_rate(api: Api, server: Server) -> None:
    async def seed(work: Write) -> str:
        connection_id, instance = await new_connection(work)
        await new_job(work, connection_id)
        return instance

    [listed] = api.ok("GET", "/api/v1/jobs", params={"instance": in_db(server, seed)})["data"]
    assert (listed["successRate"], listed["lastBuild"], listed["lastResult"]) == (None, None, None)


def test_jobs_paginate_with_page_and_per_page(api: Api, server: Server) -> None:
    async def seed(work: Write) -> str:
        connection_id, instance = await new_connection(work)
        for index in range(7):
            await new_job(work, connection_id, f"job-{index:02}", "/games")
        return instance

    instance = in_db(server, seed)
    first = api.ok("GET", "/api/v1/jobs", params={"instance": instance, "per_page": 3})
    third = api.ok("GET", "/api/v1/jobs", params={"instance": instance, "per_page": 3, "page": 3})
    beyond = api.ok("GET", "/api/v1/jobs", params={"instance": instance, "per_page": 3, "page": 9})
    assert [j["name"] for j in first["data"]] == ["job-00", "job-01", "job-02"]
    assert first["meta"] == {"page": 1, "per_page": 3, "total": 7}
    assert [j["name"] for j in third["data"]] == ["job-06"]
    assert beyond == {"data": [], "meta": {"page": 9, "per_page": 3, "total": 7}}


def test_folder_filter_includes_subfolders_but_not_lookalikes(api: Api, server: Server) -> None:
    async def seed(work: Write) -> str:
        connection_id, instance = await new_connection(work)
        await new_job(work, connection_id, "deploy", "/pipelines")
        await new_job(work, connection_id, "nightly", "/pipelines/nightly")
        await new_job(work, connection_id, "other", "/pipelines-old")
        await new_job(work, connection_id, "top", "/")
        return instance

    instance = in_db(server, seed)
    pipelines = api.ok("GET", "/api/v1/jobs", params={"instance": instance, "folder": "/pipelines"})
    assert [j["name"] for j in pipelines["data"]] == ["deploy", "nightly"]
    slashless = api.ok("GET", "/api/v1/jobs", params={"instance": instance, "folder": "pipelines/nightly/"})
    assert [j["name"] for j in slashless["data"]] == ["nightly"]
    everything = api.ok("GET", "/api/v1/jobs", params={"instance": instance, "folder": "/"})
    assert everything["meta"]["total"] == 4


def test_deleted_jobs_are_hidden_from_the_list_but_found_directly(api: Api, server: Server) -> None:
    async def seed(work: Write) -> tuple[str, int]:
        connection_id, instance = await new_connection(work)
        await new_job(work, connection_id, "alive")
        return instance, await new_job(work, connection_id, "gone", deleted=True)

    instance, gone = in_db(server, seed)
    listed = api.ok("GET", "/api/v1/jobs", params={"instance": instance})["data"]
    assert [j["name"] for j in listed] == ["alive"]
    with_deleted = api.ok("GET", "/api/v1/jobs", params={"instance": instance, "include_deleted": "true"})["data"]
    assert [(j["name"], j["deleted"]) for j in with_deleted] == [("alive", False), ("gone", True)]
    detail = api.ok("GET", f"/api/v1/jobs/{job_public_id(gone)}")
    assert detail["deleted"] is True


def test_job_details_show_recent_builds_and_health(api: Api, server: Server) -> None:
    async def seed(work: Write) -> int:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id, "game-ci", "/studio")
        for number in range(1, 13):
            await new_build(work, job, number, "SUCCESS" if number % 2 else "FAILURE", commit=f"c{number:06}")
        await update_jobs(work, [job])
        return job

    job = in_db(server, seed)
    detail = api.ok("GET", f"/api/v1/jobs/{job_public_id(job)}")
    assert set(detail) >= SEED_JOB_FIELDS | {"health", "recentBuilds", "fullName", "kind"}
    assert detail["fullName"] == "studio/game-ci"
    assert [b["number"] for b in detail["recentBuilds"]] == list(range(12, 2, -1))
    assert detail["recentBuilds"][0]["jobId"] == detail["id"]
    health = detail["health"]
    assert (health["successRate"], health["finishedBuilds"], health["successfulBuilds"]) == (0.5, 12, 6)
    assert health["flaky"] is True
    assert health["flakyReason"] == "11 flips between passing and failing in the last 12 finished builds"
    assert health["flakySince"].endswith("Z")


def test_a_project_bound_token_sees_only_its_projects_jobs(api: Api, server: Server, client: MakeClient) -> None:
    project = api.new_project()
    row = project_row_id(project["id"])

    async def seed(work: Write) -> tuple[str, int, int]:
        connection_id, instance = await new_connection(work)
        mine = await new_job(work, connection_id, "mine", project_id=row)
        theirs = await new_job(work, connection_id, "theirs")
        return instance, mine, theirs

    instance, mine, theirs = in_db(server, seed)
    bound = client("read", project_id=row)
    listed = bound.ok("GET", "/api/v1/jobs", params={"instance": instance})["data"]
    assert [(j["name"], j["project"]) for j in listed] == [("mine", project["id"])]
    bound.ok("GET", f"/api/v1/jobs/{job_public_id(mine)}")
    assert_error(bound.get(f"/api/v1/jobs/{job_public_id(theirs)}"), 404, "not_found")


def test_unknown_and_malformed_job_ids_are_404(api: Api) -> None:
    assert_error(api.get("/api/v1/jobs/j_zzzzzzzz"), 404, "not_found")
    assert_error(api.get("/api/v1/jobs/nope"), 404, "not_found")
    assert_error(api.get("/api/v1/jobs/j_zzzzzzzz/builds"), 404, "not_found")


def test_bad_pagination_is_a_400_in_the_seed_envelope(api: Api) -> None:
    body = assert_error(api.get("/api/v1/jobs", params={"per_page": 0}), 400, "bad_request")
    assert body["error"]["details"] == {"field": "per_page"}
    assert_error(api.get("/api/v1/jobs", params={"page": 0}), 400, "bad_request")
    assert_error(api.get("/api/v1/jobs", params={"page": "two"}), 400, "bad_request")
    assert_error(api.get("/api/v1/jobs", params={"folder": "a\x00b"}), 400, "bad_request")


def test_jobs_need_a_token(anonymous: Api) -> None:
    assert_error(anonymous.get("/api/v1/jobs"), 401, "unauthorized")
