"""Every example of seed 001 (BuildButler), sent against what a real sync pass stored: the seed's shapes."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from ghee.config import Settings
from tests.support.api import Api
from tests.support.fake_jenkins import FakeJenkins
from tests.support.jenkins import connect, sync
from tests.support.jenkins_estate import furnish

JOB_KEYS = {"id", "name", "instance", "folder", "lastBuild", "lastResult", "successRate"}
BUILD_KEYS = {
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
METRICS_KEYS = {"successRate", "avgDuration", "p95Duration", "avgQueueTime", "totalBuilds"}
DECEMBER = {"from": "2025-12-01T00:00:00Z", "to": "2025-12-31T00:00:00Z"}


def _synced(api: Api, settings: Settings, jenkins: FakeJenkins) -> dict[str, Any]:
    made = connect(api, furnish(jenkins))
    sync(settings, made["name"])
    return made


def _job(api: Api, instance: str, name: str) -> dict[str, Any]:
    listed = api.ok("GET", "/api/v1/jobs", params={"instance": instance, "per_page": 100})["data"]
    return next(job for job in listed if job["name"] == name)


def test_list_jobs(api: Api, settings: Settings, jenkins: FakeJenkins) -> None:
    made = _synced(api, settings, jenkins)
    body = api.ok("GET", "/api/v1/jobs", params={"instance": made["name"]})
    assert set(body) == {"data", "meta"}
    assert body["meta"] == {"page": 1, "per_page": 25, "total": 5}
    assert all(set(job) >= JOB_KEYS for job in body["data"])
    app = _job(api, made["name"], "app")
    assert app["id"].startswith("j_")
    assert (app["instance"], app["lastBuild"], app["lastResult"], app["successRate"]) == (
        made["name"],
        4,
        "ABORTED",
        0.25,
    )
    deploy = _job(api, made["name"], "deploy")
    assert deploy["folder"] == "/pipelines"
    in_folder = api.ok("GET", "/api/v1/jobs", params={"instance": made["name"], "folder": "/pipelines"})["data"]
    assert [job["name"] for job in in_folder] == ["deploy", "tool"]  # the folder and every folder below it
    assert all(job["folder"].startswith("/pipelines") for job in in_folder)


def test_get_job_details(api: Api, settings: Settings, jenkins: FakeJenkins) -> None:
    made = _synced(api, settings, jenkins)
    app = _job(api, made["name"], "app")
    detail = api.ok("GET", f"/api/v1/jobs/{app['id']}")
    assert set(detail) >= JOB_KEYS
    assert detail["id"] == app["id"]


def test_list_builds_for_a_job_with_filters(api: Api, settings: Settings, jenkins: FakeJenkins) -> None:
    made = _synced(api, settings, jenkins)
    app = _job(api, made["name"], "app")
    body = api.ok("GET", f"/api/v1/jobs/{app['id']}/builds")
    assert set(body) == {"data", "meta"}
    assert body["meta"]["total"] == 4
    assert all(set(build) >= BUILD_KEYS for build in body["data"])
    failed = api.ok("GET", f"/api/v1/jobs/{app['id']}/builds", params={"result": "FAILURE"})["data"]
    assert [build["number"] for build in failed] == [2]
    on_main = api.ok("GET", f"/api/v1/jobs/{app['id']}/builds", params={"branch": "main"})["data"]
    assert [build["number"] for build in on_main] == [1]
    window = {"since": "2025-12-06T05:50:00Z", "until": "2025-12-06T06:20:00Z"}
    timed = api.ok("GET", f"/api/v1/jobs/{app['id']}/builds", params=window)["data"]
    assert timed, "the window holds some of the job's builds"
    assert {build["number"] for build in timed} < {1, 2, 3, 4}


def test_get_build_details_matches_the_seed_example(api: Api, settings: Settings, jenkins: FakeJenkins) -> None:
    made = _synced(api, settings, jenkins)
    deploy = _job(api, made["name"], "deploy")
    [listed] = api.ok("GET", f"/api/v1/jobs/{deploy['id']}/builds")["data"]
    build = api.ok("GET", f"/api/v1/builds/{listed['id']}")
    assert set(build) >= BUILD_KEYS
    assert build["id"].startswith("b_")
    seen = (build["jobId"], build["number"], build["result"], build["duration"])
    assert seen == (deploy["id"], 1, "FAILURE", 184_000)
    assert build["timestamp"].endswith("Z")
    assert build["failureCategory"] is not None
    assert build["stages"], "a pipeline build has its stages"
    assert all(set(stage) >= {"name", "duration", "result"} for stage in build["stages"])


def test_get_build_log(api: Api, settings: Settings, jenkins: FakeJenkins) -> None:
    made = _synced(api, settings, jenkins)
    app = _job(api, made["name"], "app")
    [second] = api.ok("GET", f"/api/v1/jobs/{app['id']}/builds", params={"result": "FAILURE"})["data"]
    response = api.get(f"/api/v1/builds/{second['id']}/log")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "error: boom\nFinished: FAILURE\n"


def test_aggregate_metrics(api: Api, settings: Settings, jenkins: FakeJenkins) -> None:
    made = _synced(api, settings, jenkins)
    app = _job(api, made["name"], "app")
    body = api.ok("GET", "/api/v1/analytics/metrics", params={**DECEMBER, "job": app["id"]})
    assert set(body) >= METRICS_KEYS
    assert (body["totalBuilds"], body["successRate"]) == (4, 0.25)
    grouped = api.ok("GET", "/api/v1/analytics/metrics", params={**DECEMBER, "group_by": "job"})
    assert set(grouped) >= METRICS_KEYS
    for range_name in ("24h", "7d", "30d"):
        assert set(api.ok("GET", "/api/v1/analytics/metrics", params={"range": range_name})) >= METRICS_KEYS


def test_export_data(api: Api, settings: Settings, jenkins: FakeJenkins) -> None:
    made = _synced(api, settings, jenkins)
    app = _job(api, made["name"], "app")
    params = {**DECEMBER, "job": app["id"]}
    csv = api.get("/api/v1/analytics/export", params={**params, "format": "csv"})
    assert csv.status_code == 200
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.text.splitlines()[0].count(",") >= 4
    json_rows = api.get("/api/v1/analytics/export", params={**params, "format": "json"})
    assert json_rows.status_code == 200
    assert json_rows.headers["content-type"].startswith("application/json")
    png = api.get("/api/v1/analytics/export", params={**params, "format": "png"})
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size[0] >= 800


def test_connections_list_create_delete(api: Api, jenkins: FakeJenkins) -> None:
    made = connect(api, jenkins, name="Production Jenkins seed001")
    assert {"id", "name", "url", "username"} <= set(made)
    assert "token" not in made
    listed = _every_connection(api)
    assert any(c["id"] == made["id"] for c in listed)
    assert all("token" not in c for c in listed)
    assert api.http.delete(f"/api/v1/connections/{made['id']}").status_code in (200, 204)
    assert all(c["id"] != made["id"] for c in _every_connection(api))


def _every_connection(api: Api) -> list[dict[str, object]]:
    """Every page of the list: other tests on the shared server add connections that sort before this one."""
    listed: list[dict[str, object]] = []
    page = 1
    while True:
        body = api.ok("GET", "/api/v1/connections", params={"page": page, "per_page": 100})
        listed += body["data"]
        if page * 100 >= body["meta"]["total"]:
            return listed
        page += 1


def test_errors_have_the_seed_envelope(api: Api) -> None:
    body = api.ok("GET", "/api/v1/jobs/j_zzzzzzzz", expect=404)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "not_found"
    bad = api.ok("GET", "/api/v1/jobs", expect=400, params={"per_page": 0})
    assert bad["error"]["code"] == "bad_request"
    anonymous = api.http.get("/api/v1/jobs", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
