"""ButterStack /v1 deployments: only successful builds deploy, pending → live | failed, live ones supersede."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.butterstack import Estate, MakeClient, assert_error, at_once


def _deploy(api: Api, build: dict[str, Any], platform: str = "steam", branch: str = "beta") -> dict[str, Any]:
    body = {"platform": platform, "branch": branch}
    result: dict[str, Any] = api.ok("POST", f"/v1/builds/{build['id']}/deployments", 201, json=body)
    return result


def _move(api: Api, deployment: dict[str, Any], status: str) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("PATCH", f"/v1/deployments/{deployment['id']}", json={"status": status})
    return result


def _listed(api: Api, project: dict[str, Any], **params: Any) -> list[str]:
    body = api.ok("GET", f"/v1/projects/{project['id']}/deployments", params=params)
    assert set(body) == {"deployments", "limit", "offset", "has_more"}
    return [d["id"] for d in body["deployments"]]


def test_deploying_a_successful_build_returns_201_pending(api: Api) -> None:
    project = api.new_project()
    build = api.finished_build(project["id"])
    response = api.post(f"/v1/builds/{build['id']}/deployments", json={"platform": "steam", "branch": "beta"})
    assert response.status_code == 201, response.text
    deployment = response.json()
    assert deployment["id"].startswith("deploy_")
    assert (deployment["build_id"], deployment["project_id"]) == (build["id"], project["id"])
    assert (deployment["platform"], deployment["branch"], deployment["status"]) == ("steam", "beta", "pending")
    assert deployment["deployed_at"] is None


def test_get_deployment_has_the_seed_shape(api: Api) -> None:
    build = api.finished_build(api.new_project()["id"])
    deployment = _move(api, _deploy(api, build), "live")
    body = api.ok("GET", f"/v1/deployments/{deployment['id']}")
    assert set(body) >= {"id", "build_id", "platform", "status", "branch", "deployed_at"}
    assert body == deployment
    assert (body["build_id"], body["platform"], body["status"], body["branch"]) == (
        build["id"],
        "steam",
        "live",
        "beta",
    )
    deployed = time.strptime(body["deployed_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs(time.mktime(deployed) - time.mktime(time.gmtime())) < 120


@pytest.mark.parametrize("status", ["pending", "running", "failed"])
def test_deploying_a_build_that_did_not_succeed_is_409(api: Api, status: str) -> None:
    build = api.new_build(api.new_project()["id"])
    if status != "pending":
        api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": status})
    response = api.post(f"/v1/builds/{build['id']}/deployments", json={"platform": "steam", "branch": "beta"})
    assert_error(response, 409, "conflict")
    assert _listed(api, {"id": build["project_id"]}) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"branch": "beta"},
        {"platform": ""},
        {"platform": "  ", "branch": "beta"},
        {"platform": 1},
        {"platform": "p" * 61, "branch": "beta"},
        {"platform": "steam", "branch": "b" * 256},
        {"platform": "steam", "branch": "beta\x00"},
        ["steam"],
    ],
    ids=[
        "empty",
        "no-platform",
        "empty-platform",
        "blank-platform",
        "int-platform",
        "long-platform",
        "long-branch",
        "nul-branch",
        "array",
    ],
)
def test_deploy_with_a_bad_body_is_400(api: Api, estate: Estate, body: object) -> None:
    assert_error(api.post(f"/v1/builds/{estate.build['id']}/deployments", json=body), 400, "bad_request")


def test_deploy_from_a_form_body(api: Api, estate: Estate) -> None:
    response = api.post(f"/v1/builds/{estate.build['id']}/deployments", data={"platform": "itch", "branch": "qa/rc 1"})
    assert response.status_code == 201, response.text
    assert (response.json()["platform"], response.json()["branch"]) == ("itch", "qa/rc 1")


def test_deploying_an_unknown_build_is_404(api: Api) -> None:
    response = api.post("/v1/builds/build_zzzzzzzz/deployments", json={"platform": "steam", "branch": "beta"})
    assert_error(response, 404, "not_found")


def test_pending_deployment_goes_live(api: Api, estate: Estate) -> None:
    live = _move(api, estate.deployment, "live")
    assert live["status"] == "live"
    assert live["deployed_at"] is not None
    assert api.ok("GET", f"/v1/deployments/{estate.deployment['id']}") == live


def test_pending_deployment_can_fail(api: Api, estate: Estate) -> None:
    failed = _move(api, estate.deployment, "failed")
    assert (failed["status"], failed["deployed_at"]) == ("failed", None)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["live"], "failed"),
        (["live"], "pending"),
        (["failed"], "live"),
        (["failed"], "pending"),
        ([], "superseded"),
        (["live"], "superseded"),
    ],
)
def test_other_status_moves_are_409(api: Api, estate: Estate, path: list[str], refused: str) -> None:
    for status in path:
        _move(api, estate.deployment, status)
    response = api.patch(f"/v1/deployments/{estate.deployment['id']}", json={"status": refused})
    assert_error(response, 409, "conflict")
    assert api.ok("GET", f"/v1/deployments/{estate.deployment['id']}")["status"] == (path or ["pending"])[-1]


@pytest.mark.parametrize("body", [{"status": "bogus"}, {"status": "LIVE"}, {"status": 1}, {}])
def test_unknown_deployment_status_is_400(api: Api, estate: Estate, body: dict[str, Any]) -> None:
    assert_error(api.patch(f"/v1/deployments/{estate.deployment['id']}", json=body), 400, "bad_request")


def test_deployment_status_from_a_form_body(api: Api, estate: Estate) -> None:
    response = api.patch(f"/v1/deployments/{estate.deployment['id']}", data={"status": "live"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "live"


def test_newer_live_deployment_supersedes_the_older_on_the_same_platform_and_branch(api: Api) -> None:
    project = api.new_project()
    old_build, new_build = api.finished_build(project["id"]), api.finished_build(project["id"])
    older = _move(api, _deploy(api, old_build), "live")
    other_branch = _move(api, _deploy(api, old_build, branch="default"), "live")
    other_platform = _move(api, _deploy(api, old_build, platform="epic"), "live")
    newer = _deploy(api, new_build)
    assert api.ok("GET", f"/v1/deployments/{older['id']}")["status"] == "live"
    _move(api, newer, "live")
    superseded = api.ok("GET", f"/v1/deployments/{older['id']}")
    assert superseded["status"] == "superseded"
    assert superseded["superseded_at"] is not None
    for untouched in (other_branch, other_platform):
        assert api.ok("GET", f"/v1/deployments/{untouched['id']}")["status"] == "live"
    assert _listed(api, project, platform="steam", branch="beta", status="live") == [newer["id"]]


def test_simultaneous_go_lives_on_one_target_leave_exactly_one_live(api: Api) -> None:
    project = api.new_project()
    build = api.finished_build(project["id"])
    made = [_deploy(api, build) for _ in range(6)]
    responses = at_once([lambda d=d: api.patch(f"/v1/deployments/{d['id']}", json={"status": "live"}) for d in made])
    assert [r.status_code for r in responses] == [200] * 6
    assert len(_listed(api, project, status="live")) == 1
    assert len(_listed(api, project, status="superseded")) == 5


def test_simultaneous_live_and_failed_reports_let_one_win(api: Api, estate: Estate) -> None:
    url = f"/v1/deployments/{estate.deployment['id']}"
    outcomes = ["live", "failed"] * 3
    responses = at_once([lambda status=status: api.patch(url, json={"status": status}) for status in outcomes])
    final = api.ok("GET", url)["status"]
    for outcome, response in zip(outcomes, responses, strict=True):
        assert response.status_code == (200 if outcome == final else 409), response.text


def test_a_failed_deployment_supersedes_nothing(api: Api) -> None:
    project = api.new_project()
    build = api.finished_build(project["id"])
    live = _move(api, _deploy(api, build), "live")
    _move(api, _deploy(api, build), "failed")
    assert api.ok("GET", f"/v1/deployments/{live['id']}")["status"] == "live"


def test_deployments_of_another_project_are_never_superseded(api: Api) -> None:
    first, second = api.new_project(), api.new_project()
    live = _move(api, _deploy(api, api.finished_build(first["id"])), "live")
    _move(api, _deploy(api, api.finished_build(second["id"])), "live")
    assert api.ok("GET", f"/v1/deployments/{live['id']}")["status"] == "live"


def test_list_deployments_newest_first_with_filters(api: Api) -> None:
    project = api.new_project()
    build = api.finished_build(project["id"])
    steam_beta = _deploy(api, build)
    steam_main = _move(api, _deploy(api, build, branch="main"), "live")
    epic_beta = _move(api, _deploy(api, build, platform="epic"), "failed")
    assert _listed(api, project) == [epic_beta["id"], steam_main["id"], steam_beta["id"]]
    assert _listed(api, project, platform="steam") == [steam_main["id"], steam_beta["id"]]
    assert _listed(api, project, branch="beta") == [epic_beta["id"], steam_beta["id"]]
    assert _listed(api, project, status="live") == [steam_main["id"]]
    assert _listed(api, project, status="pending") == [steam_beta["id"]]
    assert _listed(api, project, platform="epic", status="failed") == [epic_beta["id"]]
    assert _listed(api, project, platform="switch") == []


def test_branch_filter_round_trips_reserved_characters(api: Api, estate: Estate) -> None:
    branch = "feature/find&replace"
    deployment = _deploy(api, estate.build, branch=branch)
    response = api.get(f"/v1/projects/{estate.project['id']}/deployments?branch=feature%2Ffind%26replace")
    assert [d["id"] for d in response.json()["deployments"]] == [deployment["id"]]


@pytest.mark.parametrize("status", ["bogus", "Live", ""])
def test_unknown_status_filter_is_400(api: Api, estate: Estate, status: str) -> None:
    response = api.get(f"/v1/projects/{estate.project['id']}/deployments", params={"status": status})
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("query", ["platform=steam%00", "branch=%00"])
def test_a_nul_in_a_filter_is_400(api: Api, estate: Estate, query: str) -> None:
    assert_error(api.get(f"/v1/projects/{estate.project['id']}/deployments?{query}"), 400, "bad_request")


def test_deployment_list_pages(api: Api) -> None:
    project = api.new_project()
    build = api.finished_build(project["id"])
    made = [_deploy(api, build, branch=f"b{n}")["id"] for n in range(22)][::-1]
    url = f"/v1/projects/{project['id']}/deployments"
    first = api.ok("GET", url)
    assert ([d["id"] for d in first["deployments"]], first["limit"], first["has_more"]) == (made[:20], 20, True)
    rest = api.ok("GET", url, params={"offset": 20})
    assert ([d["id"] for d in rest["deployments"]], rest["has_more"]) == (made[20:], False)
    assert [d["id"] for d in api.ok("GET", url, params={"limit": 2, "offset": 5})["deployments"]] == made[5:7]


@pytest.mark.parametrize("deployment_id", ["deploy_zzzzzzzz", "deploy_00000000", "deploy_", "build_abcdefgh", "3"])
def test_unknown_or_malformed_deployment_id_is_404(api: Api, deployment_id: str) -> None:
    assert_error(api.get(f"/v1/deployments/{deployment_id}"), 404, "not_found")
    assert_error(api.patch(f"/v1/deployments/{deployment_id}", json={"status": "live"}), 404, "not_found")


def test_deployments_of_an_unknown_project_are_404(api: Api) -> None:
    assert_error(api.get("/v1/projects/proj_zzzzzzzz/deployments"), 404, "not_found")


# Scopes


def test_read_token_can_list_and_get_deployments(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    assert reader.ok("GET", f"/v1/deployments/{estate.deployment['id']}") == estate.deployment
    assert reader.ok("GET", f"/v1/projects/{estate.project['id']}/deployments")["deployments"] == [estate.deployment]


def test_read_token_cannot_deploy_or_move_a_deployment(api: Api, estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    body = {"platform": "steam", "branch": "beta"}
    assert_error(reader.post(f"/v1/builds/{estate.build['id']}/deployments", json=body), 403, "forbidden")
    response = reader.patch(f"/v1/deployments/{estate.deployment['id']}", json={"status": "live"})
    assert_error(response, 403, "forbidden")
    assert api.ok("GET", f"/v1/deployments/{estate.deployment['id']}")["status"] == "pending"


def test_write_token_can_deploy_and_go_live(estate: Estate, client: MakeClient) -> None:
    writer = client("write")
    deployment = _deploy(writer, estate.build, branch="release")
    assert _move(writer, deployment, "live")["status"] == "live"


def test_project_bound_token_cannot_reach_other_projects_deployments(
    estate: Estate, api: Api, client: MakeClient
) -> None:
    bound = client("write", project=api.new_project())
    assert_error(bound.get(f"/v1/deployments/{estate.deployment['id']}"), 404, "not_found")
    assert_error(bound.get(f"/v1/projects/{estate.project['id']}/deployments"), 404, "not_found")
    response = bound.patch(f"/v1/deployments/{estate.deployment['id']}", json={"status": "live"})
    assert_error(response, 404, "not_found")
    body = {"platform": "steam", "branch": "beta"}
    assert_error(bound.post(f"/v1/builds/{estate.build['id']}/deployments", json=body), 404, "not_found")
