"""buddybuild at /v1/apps (seeds 002/003): apps, their builds, branch triggers, and buddybuild's errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.api import Api
from tests.support.butterstack import Estate, MakeClient, fresh_number


def assert_buddybuild_error(response: httpx.Response, status: int, message: str | None = None) -> None:
    """A buddybuild error: the status, JSON, and a body of exactly ``{"error": "..."}``."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert isinstance(body["error"], str)
    assert body["error"]
    if message is not None:
        assert body["error"] == message


def _trigger(api: Api, app_id: str, branch: str) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("POST", f"/v1/apps/{app_id}/build", 201, json={"branch": branch})
    return result


def _builds(api: Api, app_id: str, **params: Any) -> list[dict[str, Any]]:
    body = api.ok("GET", f"/v1/apps/{app_id}/builds", params=params)
    assert isinstance(body, list)
    return body


def test_list_apps_is_a_json_array_of_apps(api: Api) -> None:
    project = api.new_project(engine="unity")
    apps = api.ok("GET", "/v1/apps")
    assert isinstance(apps, list)
    # The server is shared: past the first page, the new app is on a later one.
    offset = 0
    while not any(a["_id"] == project["id"] for a in apps):
        assert len(apps) == 100, "the new app is on no page"
        offset += len(apps)
        apps = api.ok("GET", "/v1/apps", params={"offset": offset})
    app = next(a for a in apps if a["_id"] == project["id"])
    assert app["app_name"] == project["name"]


def test_get_app(api: Api) -> None:
    project = api.new_project()
    app = api.ok("GET", f"/v1/apps/{project['id']}")
    assert (app["_id"], app["app_name"]) == (project["id"], project["name"])


def test_unknown_or_malformed_app_is_404_in_buddybuilds_envelope(api: Api) -> None:
    for app_id in ("proj_zzzzzzzz", "590a04f5ed80861900cbc773", "proj_"):
        assert_buddybuild_error(api.get(f"/v1/apps/{app_id}"), 404)
        assert_buddybuild_error(api.get(f"/v1/apps/{app_id}/builds"), 404)
        assert_buddybuild_error(api.post(f"/v1/apps/{app_id}/build", json={"branch": "main"}), 404)


def test_unknown_route_under_apps_is_404_in_buddybuilds_envelope(api: Api, estate: Estate) -> None:
    assert_buddybuild_error(api.get(f"/v1/apps/{estate.project['id']}/nothing"), 404)


def test_unsupported_method_under_apps_is_json_in_buddybuilds_envelope(api: Api) -> None:
    assert_buddybuild_error(api.http.delete("/v1/apps"), 405)


def test_trigger_build_returns_201_and_a_queued_build(api: Api) -> None:
    project = api.new_project()
    response = api.post(f"/v1/apps/{project['id']}/build", json={"branch": "develop"})
    assert response.status_code == 201, response.text
    build = response.json()
    assert build["build_status"] == "queued"
    assert build["_id"].startswith("build_")
    assert build["app_id"] == project["id"]
    assert build["commit_info"]["branch"] == "develop"


def test_trigger_builds_the_newest_changelist_with_the_last_platform(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    api.new_changelist(project["id"], number)
    api.new_build(project["id"], platform="ps5", configuration="debug")
    build = _trigger(api, project["id"], "main")
    assert (build["platform"], build["scheme"]) == ("ps5", "debug")
    assert api.ok("GET", f"/v1/builds/{build['_id']}")["changelist"] == str(number)


def test_trigger_from_a_form_body(api: Api) -> None:
    project = api.new_project()
    response = api.post(f"/v1/apps/{project['id']}/build", data={"branch": "release/1.0"})
    assert response.status_code == 201, response.text
    assert response.json()["branch"] == "release/1.0"


@pytest.mark.parametrize(
    "body", [{}, {"branch": ""}, {"branch": "  "}, {"branch": 5}, {"branch": "b" * 256}, {"branch": "main\x00"}]
)
def test_trigger_with_a_bad_body_is_400(api: Api, body: dict[str, Any]) -> None:
    project = api.new_project()
    assert_buddybuild_error(api.post(f"/v1/apps/{project['id']}/build", json=body), 400)


def test_trigger_with_invalid_json_is_400(api: Api) -> None:
    project = api.new_project()
    response = api.post(
        f"/v1/apps/{project['id']}/build", content=b"{branch}", headers={"Content-Type": "application/json"}
    )
    assert_buddybuild_error(response, 400)


def test_percent_encoded_branch_round_trips(api: Api) -> None:
    project = api.new_project()
    other = _trigger(api, project["id"], "feature/find")
    build = _trigger(api, project["id"], "feature/find&replace")
    assert build["branch"] == "feature/find&replace"
    query = "?branch=feature%2Ffind%26replace"
    assert [b["_id"] for b in api.ok("GET", f"/v1/apps/{project['id']}/builds{query}")] == [build["_id"]]
    listed = api.ok("GET", f"/v1/projects/{project['id']}/builds{query}")["builds"]
    assert [b["id"] for b in listed] == [build["_id"]]
    assert [b["_id"] for b in _builds(api, project["id"], branch="feature/find")] == [other["_id"]]


def test_a_build_is_the_same_row_through_apps_and_builds(api: Api) -> None:
    project = api.new_project()
    build = _trigger(api, project["id"], "main")
    api.ok("PATCH", f"/v1/builds/{build['_id']}", json={"status": "running"})
    [seen] = _builds(api, project["id"])
    butterstack = api.ok("GET", f"/v1/builds/{build['_id']}")
    assert seen["_id"] == butterstack["id"]
    assert seen["build_status"] == butterstack["status"] == "running"
    assert seen["started_at"] == butterstack["started_at"]
    assert seen["build_number"] == build["build_number"]


def test_pending_builds_show_as_queued_and_filter_as_queued(api: Api) -> None:
    project = api.new_project()
    queued = _trigger(api, project["id"], "main")
    done = _trigger(api, project["id"], "main")
    api.ok("PATCH", f"/v1/builds/{done['_id']}", json={"status": "success"})
    assert (
        api.ok("GET", f"/v1/projects/{project['id']}/builds", params={"status": "pending"})["builds"][0]["id"]
        == (queued["_id"])
    )
    assert [b["_id"] for b in _builds(api, project["id"], status="queued")] == [queued["_id"]]
    assert [b["_id"] for b in _builds(api, project["id"], status="success")] == [done["_id"]]
    assert [b["build_status"] for b in _builds(api, project["id"])] == ["success", "queued"]


@pytest.mark.parametrize("status", ["cancelled", "failed", "queued", "running", "success"])
def test_every_buddybuild_status_filters(api: Api, status: str) -> None:
    project = api.new_project()
    build = _trigger(api, project["id"], "main")
    if status != "queued":
        api.ok("PATCH", f"/v1/builds/{build['_id']}", json={"status": status})
    assert [b["build_status"] for b in _builds(api, project["id"], status=status)] == [status]


def test_scheme_filters_by_configuration(api: Api) -> None:
    project = api.new_project()
    debug = api.new_build(project["id"], configuration="debug")
    api.new_build(project["id"], configuration="shipping")
    assert [b["_id"] for b in _builds(api, project["id"], scheme="debug")] == [debug["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"status": "bogus"},
        {"limit": 0},
        {"limit": "x"},
        {"offset": -1},
        {"branch": "\x00"},
        {"scheme": "debug\x00"},
    ],
)
def test_bad_build_list_parameters_are_400(api: Api, estate: Estate, params: dict[str, Any]) -> None:
    assert_buddybuild_error(api.get(f"/v1/apps/{estate.project['id']}/builds", params=params), 400)


def test_build_list_defaults_to_10_newest_first_up_to_100(api: Api) -> None:
    project = api.new_project()
    made = [_trigger(api, project["id"], "main")["_id"] for _ in range(12)][::-1]
    assert [b["_id"] for b in _builds(api, project["id"])] == made[:10]
    assert [b["_id"] for b in _builds(api, project["id"], limit=100)] == made
    assert [b["_id"] for b in _builds(api, project["id"], limit=1000)] == made  # over 100: taken as 100
    assert [b["_id"] for b in _builds(api, project["id"], limit=3, offset=2)] == made[2:5]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": -1}, {"offset": -1}])
def test_bad_app_list_parameters_are_400(api: Api, params: dict[str, Any]) -> None:
    assert_buddybuild_error(api.get("/v1/apps", params=params), 400)


# Tokens and scopes


@pytest.mark.parametrize("path", ["/v1/apps", "/v1/apps/proj_zzzzzzzz", "/v1/apps/proj_zzzzzzzz/builds"])
def test_missing_token_is_401_with_buddybuilds_exact_message(anonymous: Api, path: str) -> None:
    assert_buddybuild_error(anonymous.get(path), 401, "No authorization token was found")


@pytest.mark.parametrize("header", ["Bearer INVALID_TOKEN", "Bearer ghee_nope", "Basic dXNlcjpwYXNz"])
def test_invalid_token_is_401_with_buddybuilds_exact_message(anonymous: Api, header: str) -> None:
    response = anonymous.get("/v1/apps", headers={"Authorization": header})
    assert_buddybuild_error(response, 401, "Invalid authorization token")


def test_trigger_without_a_token_is_401(anonymous: Api) -> None:
    response = anonymous.post("/v1/apps/proj_zzzzzzzz/build", json={"branch": "main"})
    assert_buddybuild_error(response, 401, "No authorization token was found")


def test_read_token_can_list_apps_and_builds(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    assert reader.ok("GET", f"/v1/apps/{estate.project['id']}")["_id"] == estate.project["id"]
    assert [b["_id"] for b in _builds(reader, estate.project["id"])] == [estate.build["id"]]


def test_read_token_cannot_trigger_a_build(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    assert_buddybuild_error(reader.post(f"/v1/apps/{estate.project['id']}/build", json={"branch": "main"}), 403)
    assert_buddybuild_error(reader.post(f"/v1/apps/{estate.project['id']}/build", json={}), 403)


def test_write_token_can_trigger_a_build(estate: Estate, client: MakeClient) -> None:
    writer = client("write")
    assert _trigger(writer, estate.project["id"], "main")["build_status"] == "queued"


def test_project_bound_token_sees_only_its_app(estate: Estate, api: Api, client: MakeClient) -> None:
    mine = api.new_project()
    bound = client("write", project=mine)
    assert [a["_id"] for a in bound.ok("GET", "/v1/apps")] == [mine["id"]]
    other = estate.project["id"]
    assert_buddybuild_error(bound.get(f"/v1/apps/{other}"), 404)
    assert_buddybuild_error(bound.get(f"/v1/apps/{other}/builds"), 404)
    assert_buddybuild_error(bound.post(f"/v1/apps/{other}/build", json={"branch": "main"}), 404)
    assert _trigger(bound, mine["id"], "main")["app_id"] == mine["id"]


def test_rate_limited_token_gets_429_in_buddybuilds_envelope(client: MakeClient) -> None:
    limited = client("read", rate_limit="1/minute")
    assert limited.get("/v1/apps").status_code == 200
    refused = limited.get("/v1/apps")
    assert_buddybuild_error(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Remaining"] == "0"
