"""BuildButler builds: the seed's build shape with stages, a job's build list and its filters, the console log."""

from __future__ import annotations

from datetime import UTC, datetime

from ghee.core.builds.model import build_public_id
from ghee.core.jobs.model import job_public_id
from ghee.db.database import Write
from tests.support.api import Api
from tests.support.buildbutler import assert_error
from tests.support.buildbutler_factory import in_db, new_build, new_connection, new_job
from tests.support.servers import Server

SEED_BUILD_FIELDS = {
    "id",
    "jobId",
    "number",
    "result",
    "duration",
    "queueTime",
    "timestamp",
    "branch",
    "commit",
    "failureCategory",
    "stages",
}
FEATURE = "feature/find&replace"
SEED_STAGES = [("Checkout", "SUCCESS", 3000), ("Build", "SUCCESS", 45000), ("Test", "FAILED", 136000)]


def _job_with(server: Server, *builds: dict[str, object]) -> tuple[int, list[int]]:
    async def seed(work: Write) -> tuple[int, list[int]]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        made = [await new_build(work, job, **fields) for fields in builds]  # type: ignore[arg-type]
        return job, made

    return in_db(server, seed)


def test_build_details_have_the_seed_shape(api: Api, server: Server) -> None:
    job, [build] = _job_with(
        server,
        {
            "number": 42,
            "result": "FAILURE",
            "duration_ms": 184000,
            "queue_ms": 12000,
            "started_at": datetime(2025, 1, 15, 10, 32, tzinfo=UTC),
            "commit": "a1b2c3d",
            "stages": SEED_STAGES,
        },
    )
    body = api.ok("GET", f"/api/v1/builds/{build_public_id(build)}")
    assert set(body) >= SEED_BUILD_FIELDS
    assert body["id"].startswith("b_")
    assert body["jobId"] == job_public_id(job)
    assert (body["number"], body["result"], body["duration"], body["queueTime"]) == (42, "FAILURE", 184000, 12000)
    assert body["timestamp"] == "2025-01-15T10:32:00Z"
    assert (body["branch"], body["commit"]) == ("main", "a1b2c3d")
    assert body["stages"] == [
        {"name": "Checkout", "duration": 3000, "result": "SUCCESS"},
        {"name": "Build", "duration": 45000, "result": "SUCCESS"},
        {"name": "Test", "duration": 136000, "result": "FAILURE"},
    ]
    assert (body["building"], body["deleted"]) == (False, False)


def test_a_running_build_has_no_result_yet(api: Api, server: Server) -> None:
    _, [build] = _job_with(server, {"number": 1, "result": None})
    body = api.ok("GET", f"/api/v1/builds/{build_public_id(build)}")
    assert (body["result"], body["building"], body["duration"], body["failureCategory"]) == (None, True, None, None)


def test_b_and_build_ids_name_the_same_row(api: Api) -> None:
    project = api.new_project()
    made = api.finished_build(project["id"], status="failed")
    code = made["id"].removeprefix("build_")
    body = api.ok("GET", f"/api/v1/builds/b_{code}")
    assert (body["id"], body["jobId"], body["result"]) == (f"b_{code}", None, "FAILURE")
    assert api.ok("GET", f"/api/v1/builds/{made['id']}")["id"] == f"b_{code}"


def test_job_builds_are_newest_first_and_paginated(api: Api, server: Server) -> None:
    job, _ = _job_with(server, *({"number": n} for n in range(1, 8)))
    first = api.ok("GET", f"/api/v1/jobs/{job_public_id(job)}/builds", params={"per_page": 3})
    last = api.ok("GET", f"/api/v1/jobs/{job_public_id(job)}/builds", params={"per_page": 3, "page": 3})
    assert [b["number"] for b in first["data"]] == [7, 6, 5]
    assert first["meta"] == {"page": 1, "per_page": 3, "total": 7}
    assert [b["number"] for b in last["data"]] == [1]
    default = api.ok("GET", f"/api/v1/jobs/{job_public_id(job)}/builds")
    assert default["meta"] == {"page": 1, "per_page": 25, "total": 7}


def test_job_builds_filter_by_result_branch_and_time(api: Api, server: Server) -> None:
    job, _ = _job_with(
        server,
        {"number": 1, "result": "SUCCESS", "branch": "main", "started_at": datetime(2025, 1, 10, 9, tzinfo=UTC)},
        {"number": 2, "result": "FAILURE", "branch": "main", "started_at": datetime(2025, 1, 12, 9, tzinfo=UTC)},
        {
            "number": 3,
            "result": "FAILURE",
            "branch": "feature/find&replace",
            "started_at": datetime(2025, 1, 14, 9, tzinfo=UTC),
        },
        {"number": 4, "result": "UNSTABLE", "branch": "main", "started_at": datetime(2025, 1, 16, 9, tzinfo=UTC)},
    )
    path = f"/api/v1/jobs/{job_public_id(job)}/builds"

    def numbers(**params: str) -> list[int]:
        return [b["number"] for b in api.ok("GET", path, params=params)["data"]]

    assert numbers(result="FAILURE") == [3, 2]
    assert numbers(result="unstable") == [4]
    assert numbers(branch=FEATURE) == [3]
    assert numbers(since="2025-01-12T09:00:00Z") == [4, 3, 2]
    assert numbers(until="2025-01-12T09:00:00Z") == [1]
    assert numbers(since="2025-01-11", until="2025-01-15T00:00:00+00:00") == [3, 2]
    assert numbers(since="2025-01-12T10:00:00+01:00", result="FAILURE", branch="main") == [2]


def test_bad_build_filters_are_400s(api: Api, server: Server) -> None:
    job, _ = _job_with(server, {"number": 1})
    path = f"/api/v1/jobs/{job_public_id(job)}/builds"
    body = assert_error(api.get(path, params={"result": "PASSED"}), 400, "bad_request")
    assert body["error"]["details"] == {"field": "result"}
    assert "SUCCESS" in body["error"]["message"]
    assert_error(api.get(path, params={"since": "last tuesday"}), 400, "bad_request")
    assert_error(api.get(path, params={"since": "2025-02-01", "until": "2025-01-01"}), 400, "bad_request")
    assert_error(api.get(path, params={"per_page": 0}), 400, "bad_request")


def test_deleted_builds_are_hidden_from_lists_and_marked_on_direct_get(api: Api, server: Server) -> None:
    job, [_, gone] = _job_with(server, {"number": 1}, {"number": 2, "deleted": True})
    path = f"/api/v1/jobs/{job_public_id(job)}/builds"
    assert [b["number"] for b in api.ok("GET", path)["data"]] == [1]
    assert [b["number"] for b in api.ok("GET", path, params={"include_deleted": "true"})["data"]] == [2, 1]
    assert api.ok("GET", f"/api/v1/builds/{build_public_id(gone)}")["deleted"] is True


def test_unknown_builds_are_404(api: Api) -> None:
    assert_error(api.get("/api/v1/builds/b_zzzzzzzz"), 404, "not_found")
    assert_error(api.get("/api/v1/builds/x"), 404, "not_found")
    assert_error(api.get("/api/v1/builds/b_zzzzzzzz/log"), 404, "not_found")


LOG = "".join(f"[Pipeline] echo line {n:05} of the console\n" for n in range(3000))


def test_log_is_the_whole_console_text_across_chunks(api: Api, server: Server) -> None:
    _, [build] = _job_with(server, {"number": 1, "result": "SUCCESS", "log": LOG, "chunk_size": 1000})
    response = api.get(f"/api/v1/builds/{build_public_id(build)}/log")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"  # the charset named once
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["x-more-data"] == "false"
    assert response.text == LOG


def test_log_ranges_answer_206_with_content_range(api: Api, server: Server) -> None:
    _, [build] = _job_with(server, {"number": 1, "result": "SUCCESS", "log": LOG, "chunk_size": 1000})
    path = f"/api/v1/builds/{build_public_id(build)}/log"
    size = len(LOG.encode())
    middle = api.get(path, headers={"Range": "bytes=990-2010"})
    assert middle.status_code == 206
    assert middle.headers["content-range"] == f"bytes 990-2010/{size}"
    assert middle.text == LOG[990:2011]
    tail = api.get(path, headers={"Range": "bytes=-100"})
    assert (tail.status_code, tail.text) == (206, LOG[-100:])
    rest = api.get(path, headers={"Range": f"bytes={size - 5}-"})
    assert (rest.status_code, rest.text) == (206, LOG[-5:])
    beyond_end = api.get(path, headers={"Range": f"bytes=10-{size * 2}"})
    assert (beyond_end.status_code, beyond_end.text) == (206, LOG[10:])
    several = api.get(path, headers={"Range": "bytes=0-1,5-6"})  # not served: the whole log
    assert (several.status_code, several.text) == (200, LOG)


def test_a_range_past_the_end_is_416(api: Api, server: Server) -> None:
    _, [build] = _job_with(server, {"number": 1, "log": "short log\n"})
    response = api.get(f"/api/v1/builds/{build_public_id(build)}/log", headers={"Range": "bytes=100-"})
    assert_error(response, 416, "range_not_satisfiable")
    assert response.headers["content-range"] == "bytes */10"


def test_a_running_build_log_says_more_is_coming(api: Api, server: Server) -> None:
    _, [build] = _job_with(server, {"number": 1, "result": None, "log": "Started by user admin\n"})
    response = api.get(f"/api/v1/builds/{build_public_id(build)}/log")
    assert (response.status_code, response.text) == (200, "Started by user admin\n")
    assert response.headers["x-more-data"] == "true"


def test_a_build_without_a_log_has_an_empty_one(api: Api, server: Server) -> None:
    _, [build] = _job_with(server, {"number": 1})
    response = api.get(f"/api/v1/builds/{build_public_id(build)}/log")
    assert (response.status_code, response.text) == (200, "")
