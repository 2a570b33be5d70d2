"""ButterStack /v1 projects, and what every /v1 endpoint shares: tokens, scopes, errors, rate limits, paging."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.butterstack import Estate, MakeClient, assert_error, at_once, revoke_newest_token
from tests.support.servers import Server

LISTS = ["/v1/projects", "/v1/projects/{p}/builds", "/v1/projects/{p}/changelists", "/v1/projects/{p}/assets"]
LISTS += ["/v1/projects/{p}/deployments"]


def _every_project(api: Api) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        body = api.ok("GET", "/v1/projects", params={"limit": 100, "offset": len(found)})
        found += body["projects"]
        if not body["has_more"]:
            return found


def test_list_projects_wraps_them_in_a_projects_object(api: Api) -> None:
    project = api.new_project(engine="unity")
    body = api.ok("GET", "/v1/projects")
    assert set(body) == {"projects", "limit", "offset", "has_more"}
    assert project in _every_project(api)


def test_paging_through_projects_lists_each_once(api: Api) -> None:
    made = [api.new_project()["id"] for _ in range(2)]
    every = [p["id"] for p in _every_project(api)]
    assert len(set(every)) == len(every)
    assert set(made) <= set(every)


def test_get_project_has_the_seed_shape(api: Api) -> None:
    name = f"MyGame {uuid.uuid4().hex[:8]}"
    project = api.new_project(engine="unreal", name=name)
    body = api.ok("GET", f"/v1/projects/{project['id']}")
    assert set(body) == {"id", "name", "engine", "created_at"}
    assert body["id"].startswith("proj_")
    assert (body["name"], body["engine"]) == (name, "unreal")
    assert time.strptime(body["created_at"], "%Y-%m-%dT%H:%M:%SZ")


def test_create_project_returns_201_and_the_project(api: Api) -> None:
    name = f"Padded {uuid.uuid4().hex[:8]}"
    response = api.post("/v1/projects", json={"name": f"  {name}  ", "engine": "godot"})
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["engine"]) == (name, "godot")
    assert api.ok("GET", f"/v1/projects/{body['id']}") == body


def test_create_project_from_a_form_body(api: Api) -> None:
    name = f"Form Made {uuid.uuid4().hex[:8]}"
    response = api.post("/v1/projects", data={"name": name, "engine": "unity"})
    assert response.status_code == 201, response.text
    assert (response.json()["name"], response.json()["engine"]) == (name, "unity")


def test_create_project_with_a_taken_name_is_409(api: Api) -> None:
    project = api.new_project()
    response = api.post("/v1/projects", json={"name": project["name"], "engine": "unreal"})
    assert_error(response, 409, "conflict")


def test_simultaneous_creates_of_one_name_make_one_project(api: Api) -> None:
    name = f"Race {uuid.uuid4().hex[:8]}"
    responses = at_once([lambda: api.post("/v1/projects", json={"name": name})] * 6)
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409, 409]
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "conflict")


@pytest.mark.parametrize(
    "body",
    [
        {"engine": "unreal"},
        {"name": "", "engine": "unreal"},
        {"name": "   ", "engine": "unreal"},
        {"name": "x" * 201, "engine": "unreal"},
        {"name": "Bad Engine", "engine": "cobol"},
        {"name": "Nul\x00Game", "engine": "unreal"},
        {"name": 42, "engine": "unreal"},
        {"name": ["a"], "engine": "unreal"},
        ["name", "engine"],
        "a string",
    ],
    ids=[
        "missing-name",
        "empty",
        "blank",
        "too-long",
        "unknown-engine",
        "nul",
        "int-name",
        "list-name",
        "array",
        "string",
    ],
)
def test_create_project_with_a_bad_body_is_400(api: Api, body: object) -> None:
    assert_error(api.post("/v1/projects", json=body), 400, "bad_request")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "body: is required"),
        (b"{}", "name: is required"),
        (b'{"name": 3}', "name: Expected `str`, got `int`"),
        (b"[1]", "body: Expected `object`, got `array`"),
    ],
)
def test_a_bad_body_is_named_in_the_message(api: Api, raw: bytes, message: str) -> None:
    response = api.post("/v1/projects", content=raw, headers={"Content-Type": "application/json"})
    assert assert_error(response, 400, "bad_request")["message"] == message


@pytest.mark.parametrize("raw", [b"{", b"", b"{'name': 'single quotes'}", b'{"name": "x",}'])
def test_create_project_with_invalid_json_is_400(api: Api, raw: bytes) -> None:
    response = api.post("/v1/projects", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("project_id", ["proj_zzzzzzzz", "proj_00000000", "proj_", "proj_abc", "build_abcdefgh", "42"])
def test_unknown_or_malformed_project_id_is_404(api: Api, project_id: str) -> None:
    assert_error(api.get(f"/v1/projects/{project_id}"), 404, "not_found")


@pytest.mark.parametrize("path", ["/v1/nowhere", "/v1/projects/x/y/z", "/v1/builds", "/v3/projects"])
def test_unknown_route_is_a_json_404(api: Api, path: str) -> None:
    assert_error(api.get(path), 404, "not_found")


def test_unsupported_method_is_a_json_error_not_html(api: Api) -> None:
    response = api.http.delete("/v1/projects")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"error", "message"}


def test_project_list_pages_with_limit_offset_and_has_more(api: Api) -> None:
    for _ in range(3):
        api.new_project()
    first = api.ok("GET", "/v1/projects", params={"limit": 2})
    second = api.ok("GET", "/v1/projects", params={"limit": 2, "offset": 2})
    assert (first["limit"], first["offset"], first["has_more"]) == (2, 0, True)
    assert len(first["projects"]) == 2
    assert second["offset"] == 2
    assert not {p["id"] for p in first["projects"]} & {p["id"] for p in second["projects"]}
    total = len(_every_project(api))
    beyond = api.ok("GET", "/v1/projects", params={"limit": 100, "offset": total})
    assert (beyond["projects"], beyond["has_more"]) == ([], False)


def test_project_list_defaults_to_20(api: Api) -> None:
    body = api.ok("GET", "/v1/projects")
    assert (body["limit"], body["offset"]) == (20, 0)
    assert len(body["projects"]) <= 20


BAD_PAGING = [{"limit": 0}, {"limit": -1}, {"limit": "ten"}, {"limit": "1.5"}, {"offset": -1}]
BAD_PAGING += [{"offset": "x"}, {"limit": ""}]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_refuses_out_of_bounds_paging_with_400(api: Api, estate: Estate, path: str) -> None:
    for params in BAD_PAGING:
        response = api.get(path.format(p=estate.project["id"]), params=params)
        assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("path", LISTS)
def test_every_list_accepts_limit_1_and_100(estate: Estate, client: MakeClient, path: str) -> None:
    bound = client("read", project=estate.project)  # sees one project, so no list has more than 100 rows
    url = path.format(p=estate.project["id"])
    one = bound.ok("GET", url, params={"limit": 1})
    hundred = bound.ok("GET", url, params={"limit": 100, "offset": 0})
    more = bound.ok("GET", url, params={"limit": 1000, "offset": 0})  # over the seed's maximum: taken as it
    assert (one["limit"], hundred["limit"], more["limit"]) == (1, 100, 100)
    assert hundred["has_more"] is False
    assert more == hundred


# Tokens


@pytest.mark.parametrize("path", ["/v1/projects", "/v1/projects/proj_zzzzzzzz", "/v1/builds/build_zzzzzzzz"])
def test_request_without_a_token_is_401(anonymous: Api, path: str) -> None:
    body = assert_error(anonymous.get(path), 401, "unauthorized")
    assert body["message"] == "No authorization token was found"


def test_write_without_a_token_is_401_not_403(anonymous: Api) -> None:
    assert_error(anonymous.post("/v1/projects", json={"name": "n", "engine": "unreal"}), 401, "unauthorized")


def test_bad_body_without_a_token_is_401_not_400(anonymous: Api) -> None:
    assert_error(anonymous.post("/v1/projects", json={"engine": 3}), 401, "unauthorized")


def test_invalid_json_without_a_token_is_401_not_400(anonymous: Api) -> None:
    response = anonymous.post("/v1/projects", content=b"{", headers={"Content-Type": "application/json"})
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer", "Bearer ghee_" + "A" * 43, "Basic dXNlcjpwYXNz"])
def test_request_with_an_invalid_token_is_401(anonymous: Api, header: str) -> None:
    response = anonymous.get("/v1/projects", headers={"Authorization": header})
    body = assert_error(response, 401, "unauthorized")
    assert body["message"] == "Invalid authorization token"


def test_revoked_token_is_401(server: Server, client: MakeClient) -> None:
    reader = client("read")
    assert reader.get("/v1/projects").status_code == 200
    revoke_newest_token(server)
    body = assert_error(reader.get("/v1/projects"), 401, "unauthorized")
    assert body["message"] == "Invalid authorization token"


def test_write_token_cannot_create_a_project(client: MakeClient) -> None:
    writer = client("write")
    assert_error(writer.post("/v1/projects", json={"name": "Not Mine", "engine": "unreal"}), 403, "forbidden")


def test_read_token_cannot_create_a_project(client: MakeClient) -> None:
    reader = client("read")
    assert_error(reader.post("/v1/projects", json={"name": "Not Mine", "engine": "unreal"}), 403, "forbidden")


def test_project_bound_admin_token_cannot_create_a_project(api: Api, client: MakeClient) -> None:
    bound = client("admin", project=api.new_project())
    assert_error(bound.post("/v1/projects", json={"name": "Escape", "engine": "unreal"}), 403, "forbidden")


def test_forbidden_is_checked_before_the_body(client: MakeClient) -> None:
    reader = client("read")
    assert_error(reader.post("/v1/projects", json={}), 403, "forbidden")


def test_read_token_can_list_and_get_projects(api: Api, client: MakeClient) -> None:
    project = api.new_project()
    reader = client("read")
    assert project in _every_project(reader)
    assert reader.ok("GET", f"/v1/projects/{project['id']}") == project


def test_project_bound_token_sees_only_its_project(api: Api, client: MakeClient) -> None:
    mine, other = api.new_project(), api.new_project()
    bound = client("write", project=mine)
    assert bound.ok("GET", "/v1/projects")["projects"] == [mine]
    assert bound.ok("GET", f"/v1/projects/{mine['id']}") == mine
    assert_error(bound.get(f"/v1/projects/{other['id']}"), 404, "not_found")


# Rate limits


def test_token_over_its_rate_limit_gets_429_with_retry_after(client: MakeClient) -> None:
    limited = client("read", rate_limit="2/minute")
    first, second, third = (limited.get("/v1/projects") for _ in range(3))
    assert (first.status_code, second.status_code) == (200, 200)
    assert [r.headers["X-RateLimit-Limit"] for r in (first, second)] == ["2", "2"]
    assert [r.headers["X-RateLimit-Remaining"] for r in (first, second)] == ["1", "0"]
    assert int(first.headers["X-RateLimit-Reset"]) >= int(time.time())
    assert_error(third, 429, "rate_limited")
    assert 1 <= int(third.headers["Retry-After"]) <= 60
    assert third.headers["X-RateLimit-Limit"] == "2"
    assert third.headers["X-RateLimit-Remaining"] == "0"
    assert int(third.headers["X-RateLimit-Reset"]) >= int(time.time())


def test_every_response_carries_rate_limit_headers(client: MakeClient) -> None:
    reader = client("read", rate_limit="60/minute;10/second")
    for response in (reader.get("/v1/projects"), reader.get("/v1/projects/proj_zzzzzzzz")):
        assert response.headers["X-RateLimit-Limit"] == "60"
        assert int(response.headers["X-RateLimit-Remaining"]) < 60
