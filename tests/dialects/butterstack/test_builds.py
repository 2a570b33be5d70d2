"""ButterStack /v1 builds: trigger, report, list, artifacts, and the events they record."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.butterstack import Estate, MakeClient, assert_error, at_once, events_of, fresh_number
from tests.support.servers import Server

BUILD_FIELDS = {
    "id",
    "project_id",
    "status",
    "duration_seconds",
    "started_at",
    "finished_at",
    "changelist",
    "artifacts",
}
ARTIFACT = {"name": "Game-Win64-Shipping.zip", "size_bytes": 1234567890, "url": "https://cdn.example.com/g.zip"}


def _report(api: Api, build: dict[str, Any], expect: int = 200, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("PATCH", f"/v1/builds/{build['id']}", expect, json=body)
    return result


def test_trigger_build_returns_201_and_a_pending_build(api: Api) -> None:
    project = api.new_project()
    body = {"platform": "win64", "configuration": "shipping", "changelist": "777"}
    response = api.post(f"/v1/projects/{project['id']}/builds", json=body)
    assert response.status_code == 201, response.text
    build = response.json()
    assert build["status"] == "pending"
    assert build["changelist"] == "777"
    assert build["id"].startswith("build_")
    assert (build["project_id"], build["platform"], build["configuration"]) == (project["id"], "win64", "shipping")
    assert (build["started_at"], build["finished_at"], build["duration_seconds"]) == (None, None, None)
    assert build["artifacts"] == []


def test_get_build_has_the_seed_shape(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    api.new_changelist(project["id"], number)
    build = api.new_build(project["id"], changelist=number)
    _report(
        api,
        build,
        status="success",
        started_at="2026-12-15T14:30:00Z",
        finished_at="2026-12-15T14:50:34Z",
        artifacts=[ARTIFACT],
    )
    body = api.ok("GET", f"/v1/builds/{build['id']}")
    assert set(body) >= BUILD_FIELDS
    assert body["id"] == build["id"]
    assert body["project_id"] == project["id"]
    assert body["status"] == "success"
    assert body["duration_seconds"] == 1234
    assert (body["started_at"], body["finished_at"]) == ("2026-12-15T14:30:00Z", "2026-12-15T14:50:34Z")
    assert body["changelist"] == str(number)
    assert body["artifacts"] == [ARTIFACT]


def test_latest_changelist_resolves_to_the_newest_number(api: Api) -> None:
    project = api.new_project()
    low, high = fresh_number(), fresh_number() + 1000
    api.new_changelist(project["id"], high)
    api.new_changelist(project["id"], low)
    build = api.new_build(project["id"], changelist="latest")
    assert build["changelist"] == str(high)


def test_changelist_defaults_to_latest(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    api.new_changelist(project["id"], number)
    build = api.ok(
        "POST", f"/v1/projects/{project['id']}/builds", 201, json={"platform": "ps5", "configuration": "development"}
    )
    assert build["changelist"] == str(number)


def test_latest_changelist_of_a_project_without_changelists_is_409(api: Api) -> None:
    project = api.new_project()
    response = api.post(
        f"/v1/projects/{project['id']}/builds",
        json={"platform": "win64", "configuration": "shipping", "changelist": "latest"},
    )
    assert_error(response, 409, "conflict")


@pytest.mark.parametrize("changelist", [12345, "12345"])
def test_explicit_changelist_number_is_kept_as_a_string(api: Api, changelist: object) -> None:
    project = api.new_project()
    assert api.new_build(project["id"], changelist=changelist)["changelist"] == "12345"


@pytest.mark.parametrize(
    "body",
    [
        {"configuration": "shipping"},
        {"platform": "win64"},
        {"platform": "", "configuration": "shipping"},
        {"platform": "win64", "configuration": "   "},
        {"platform": 64, "configuration": "shipping"},
        {"platform": "win64", "configuration": "shipping", "changelist": "newest"},
        {"platform": "win64", "configuration": "shipping", "changelist": -3},
        {"platform": "win64", "configuration": "shipping", "changelist": 1.5},
        {"platform": "w" * 61, "configuration": "shipping"},
        {"platform": "win64", "configuration": "shipping", "branch": ""},
        {"platform": "win\x0064", "configuration": "shipping", "changelist": None},
        {"platform": "win64", "configuration": "shipping", "changelist": None, "branch": "a\x00"},
        {"platform": "win64", "configuration": "shipping", "changelist": "9" * 20},
        {"platform": "win64", "configuration": "shipping", "changelist": 2**63},
        {"platform": "win64", "configuration": "shipping", "changelist": "\u00b2"},
        [],
    ],
    ids=[
        "no-platform",
        "no-configuration",
        "empty-platform",
        "blank-configuration",
        "int-platform",
        "word-changelist",
        "negative-changelist",
        "float-changelist",
        "long-platform",
        "empty-branch",
        "nul-platform",
        "nul-branch",
        "huge-changelist",
        "bigint-changelist",
        "superscript-changelist",
        "array",
    ],
)
def test_trigger_build_with_a_bad_body_is_400(api: Api, body: object) -> None:
    project = api.new_project()
    assert_error(api.post(f"/v1/projects/{project['id']}/builds", json=body), 400, "bad_request")


def test_trigger_build_with_invalid_json_is_400(api: Api) -> None:
    project = api.new_project()
    response = api.post(
        f"/v1/projects/{project['id']}/builds",
        content=b'{"platform": win64}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 400, "bad_request")


def test_trigger_build_on_an_unknown_project_is_404(api: Api) -> None:
    response = api.post("/v1/projects/proj_zzzzzzzz/builds", json={"platform": "win64", "configuration": "shipping"})
    assert_error(response, 404, "not_found")


def test_trigger_build_from_a_form_body(api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    api.new_changelist(project["id"], number)
    response = api.post(
        f"/v1/projects/{project['id']}/builds",
        data={"platform": "win64", "configuration": "shipping", "changelist": "latest"},
    )
    assert response.status_code == 201, response.text
    assert (response.json()["platform"], response.json()["changelist"]) == ("win64", str(number))


def test_status_moves_forward_from_pending_to_running_to_success(api: Api) -> None:
    build = api.new_build(api.new_project()["id"])
    running = _report(api, build, status="running")
    assert running["status"] == "running"
    assert running["started_at"] is not None
    assert running["finished_at"] is None
    done = _report(api, build, status="success")
    assert done["status"] == "success"
    assert done["finished_at"] is not None
    assert done["duration_seconds"] is not None
    assert done["duration_seconds"] >= 0
    assert api.ok("GET", f"/v1/builds/{build['id']}") == done


def test_simultaneous_triggers_get_consecutive_numbers(api: Api) -> None:
    project = api.new_project()
    body = {"platform": "win64", "configuration": "shipping", "changelist": None}
    responses = at_once([lambda: api.post(f"/v1/projects/{project['id']}/builds", json=body)] * 8)
    assert [r.status_code for r in responses] == [201] * 8
    assert sorted(r.json()["number"] for r in responses) == list(range(1, 9))


def test_simultaneous_finish_reports_let_one_outcome_win(server: Server, api: Api) -> None:
    build = api.new_build(api.new_project()["id"])
    outcomes = ["success", "failed"] * 4
    responses = at_once(
        [lambda status=status: api.patch(f"/v1/builds/{build['id']}", json={"status": status}) for status in outcomes]
    )
    final = api.ok("GET", f"/v1/builds/{build['id']}")["status"]
    for outcome, response in zip(outcomes, responses, strict=True):
        assert response.status_code == (200 if outcome == final else 409), response.text
    finished = [kind for kind, _ in events_of(server, [build["id"]]) if kind == "build.finished"]
    assert finished == ["build.finished"]


def test_pending_build_may_fail_without_running(api: Api) -> None:
    build = api.new_build(api.new_project()["id"])
    assert _report(api, build, status="failed")["status"] == "failed"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["running"], "pending"),
        (["success"], "running"),
        (["success"], "failed"),
        (["success"], "pending"),
        (["failed"], "success"),
        (["running", "failed"], "running"),
    ],
)
def test_status_never_moves_backwards_or_between_finished_states(api: Api, path: list[str], refused: str) -> None:
    build = api.new_build(api.new_project()["id"])
    for status in path:
        _report(api, build, status=status)
    response = api.patch(f"/v1/builds/{build['id']}", json={"status": refused})
    assert_error(response, 409, "conflict")
    assert api.ok("GET", f"/v1/builds/{build['id']}")["status"] == path[-1]


def test_reporting_the_current_status_again_changes_nothing(api: Api) -> None:
    build = api.new_build(api.new_project()["id"])
    first = _report(api, build, status="running")
    assert _report(api, build, status="running") == first


@pytest.mark.parametrize(
    "body",
    [
        {"status": "bogus"},
        {"status": 3},
        {"started_at": "yesterday"},
        {"started_at": "2026-12-15T14:50:00Z", "finished_at": "2026-12-15T14:30:00Z", "status": "success"},
        {"artifacts": [{"name": "a.zip", "size_bytes": -1, "url": "https://x"}]},
        {"artifacts": [{"name": "a.zip", "size_bytes": "big", "url": "https://x"}]},
        {"artifacts": [{"name": "", "size_bytes": 1, "url": "https://x"}]},
        {"artifacts": [{"name": "a.zip", "size_bytes": 1, "url": ""}]},
        {"artifacts": [{"name": "a.zip", "url": "https://x"}]},
        {"artifacts": {"name": "a.zip"}},
        {"artifacts": [{"name": "a\x00.zip", "size_bytes": 1, "url": "https://x"}]},
        {"artifacts": [{"name": "a.zip", "size_bytes": 1, "url": "https://x/\x00"}]},
        {"artifacts": [{"name": "a.zip", "size_bytes": 2**63, "url": "https://x"}]},
        {"started_at": "0001-01-01T00:00:00+01:00"},
        {"status": "success", "finished_at": "9999-12-31T23:59:59-01:00"},
    ],
    ids=[
        "unknown-status",
        "int-status",
        "bad-time",
        "finished-before-started",
        "negative-size",
        "word-size",
        "blank-name",
        "blank-url",
        "no-size",
        "artifacts-object",
        "nul-name",
        "nul-url",
        "huge-size",
        "before-year-1",
        "after-year-9999",
    ],
)
def test_report_with_a_bad_body_is_400_and_changes_nothing(api: Api, body: dict[str, Any]) -> None:
    build = api.new_build(api.new_project()["id"])
    assert_error(api.patch(f"/v1/builds/{build['id']}", json=body), 400, "bad_request")
    assert api.ok("GET", f"/v1/builds/{build['id']}") == build


def test_duration_is_derived_from_started_and_finished(api: Api) -> None:
    build = api.new_build(api.new_project()["id"])
    _report(api, build, status="running", started_at="2026-12-15T16:30:00+02:00")
    done = _report(api, build, status="failed", finished_at="2026-12-15T14:31:05Z")
    assert (done["started_at"], done["finished_at"]) == ("2026-12-15T14:30:00Z", "2026-12-15T14:31:05Z")
    assert done["duration_seconds"] == 65


def test_report_records_artifacts(api: Api) -> None:
    build = api.new_build(api.new_project()["id"])
    pdb = {"name": "Game.pdb", "size_bytes": 0, "url": "https://cdn.example.com/g.pdb"}
    body = _report(api, build, status="success", artifacts=[ARTIFACT, pdb])
    assert body["artifacts"] == [ARTIFACT, pdb]
    assert api.ok("GET", f"/v1/builds/{build['id']}")["artifacts"] == [ARTIFACT, pdb]


def test_reporting_an_artifact_again_by_name_replaces_it(api: Api) -> None:
    build = api.new_build(api.new_project()["id"])
    pdb = {"name": "Game.pdb", "size_bytes": 10, "url": "https://cdn.example.com/g.pdb"}
    _report(api, build, status="running", artifacts=[ARTIFACT, pdb])
    again = {**ARTIFACT, "size_bytes": 42, "url": "https://cdn.example.com/retry.zip"}
    body = _report(api, build, status="success", artifacts=[again])
    assert sorted(body["artifacts"], key=lambda a: a["name"]) == [again, pdb]


def test_report_from_a_form_body_with_nested_artifacts(api: Api) -> None:
    build = api.new_build(api.new_project()["id"])
    response = api.patch(
        f"/v1/builds/{build['id']}",
        data={
            "status": "success",
            "artifacts[0][name]": "Game-Win64-Shipping.zip",
            "artifacts[0][size_bytes]": "1234567890",
            "artifacts[0][url]": "https://cdn.example.com/g.zip",
            "artifacts[1][name]": "Symbols.zip",
            "artifacts[1][size_bytes]": "7",
            "artifacts[1][url]": "https://cdn.example.com/s.zip?a=1&b=2",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success"
    assert response.json()["artifacts"] == [
        ARTIFACT,
        {"name": "Symbols.zip", "size_bytes": 7, "url": "https://cdn.example.com/s.zip?a=1&b=2"},
    ]


@pytest.mark.parametrize("build_id", ["build_zzzzzzzz", "build_00000000", "build_", "deploy_abcdefgh", "1", "BUILD_X"])
def test_unknown_or_malformed_build_id_is_404(api: Api, build_id: str) -> None:
    assert_error(api.get(f"/v1/builds/{build_id}"), 404, "not_found")
    assert_error(api.patch(f"/v1/builds/{build_id}", json={"status": "running"}), 404, "not_found")


def test_list_builds_newest_first(api: Api) -> None:
    project = api.new_project()
    made = [api.new_build(project["id"])["id"] for _ in range(3)]
    body = api.ok("GET", f"/v1/projects/{project['id']}/builds")
    assert set(body) == {"builds", "limit", "offset", "has_more"}
    assert [b["id"] for b in body["builds"]] == made[::-1]
    assert set(body["builds"][0]) >= BUILD_FIELDS


def test_list_builds_filters_by_status(api: Api) -> None:
    project = api.new_project()
    pending = api.new_build(project["id"])
    running = api.new_build(project["id"])
    _report(api, running, status="running")
    success = api.finished_build(project["id"])
    failed = api.finished_build(project["id"], status="failed")
    for status, build in [("pending", pending), ("running", running), ("success", success), ("failed", failed)]:
        listed = api.ok("GET", f"/v1/projects/{project['id']}/builds", params={"status": status})["builds"]
        assert [b["id"] for b in listed] == [build["id"]]


@pytest.mark.parametrize("status", ["bogus", "queued", "SUCCESS", ""])
def test_list_builds_with_an_unknown_status_is_400(api: Api, status: str) -> None:
    project = api.new_project()
    response = api.get(f"/v1/projects/{project['id']}/builds", params={"status": status})
    assert_error(response, 400, "bad_request")


def test_list_builds_with_a_nul_in_the_branch_filter_is_400(api: Api) -> None:
    project = api.new_project()
    assert_error(api.get(f"/v1/projects/{project['id']}/builds?branch=main%00"), 400, "bad_request")


def test_list_builds_pages_20_by_default_up_to_100(api: Api) -> None:
    project = api.new_project()
    made = [api.new_build(project["id"])["id"] for _ in range(22)][::-1]
    url = f"/v1/projects/{project['id']}/builds"
    first = api.ok("GET", url)
    assert (len(first["builds"]), first["limit"], first["has_more"]) == (20, 20, True)
    rest = api.ok("GET", url, params={"offset": 20})
    assert ([b["id"] for b in rest["builds"]], rest["has_more"]) == (made[20:], False)
    window = api.ok("GET", url, params={"limit": 5, "offset": 3})
    assert [b["id"] for b in window["builds"]] == made[3:8]
    everything = api.ok("GET", url, params={"limit": 100})
    assert ([b["id"] for b in everything["builds"]], everything["has_more"]) == (made, False)
    exact = api.ok("GET", url, params={"limit": 22})
    assert exact["has_more"] is False


def test_list_builds_of_an_unknown_project_is_404(api: Api) -> None:
    assert_error(api.get("/v1/projects/proj_zzzzzzzz/builds"), 404, "not_found")


# Scopes


def test_read_token_can_get_and_list_builds(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    assert reader.ok("GET", f"/v1/builds/{estate.build['id']}")["id"] == estate.build["id"]
    listed = reader.ok("GET", f"/v1/projects/{estate.project['id']}/builds")["builds"]
    assert [b["id"] for b in listed] == [estate.build["id"]]


def test_read_token_cannot_trigger_a_build(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    response = reader.post(
        f"/v1/projects/{estate.project['id']}/builds", json={"platform": "win64", "configuration": "shipping"}
    )
    assert_error(response, 403, "forbidden")


def test_read_token_cannot_report_a_build(api: Api, client: MakeClient) -> None:
    build = api.new_build(api.new_project()["id"])
    reader = client("read")
    assert_error(reader.patch(f"/v1/builds/{build['id']}", json={"status": "running"}), 403, "forbidden")
    assert api.ok("GET", f"/v1/builds/{build['id']}")["status"] == "pending"


def test_read_token_is_refused_before_its_body_is_checked(estate: Estate, client: MakeClient) -> None:
    reader = client("read")
    assert_error(reader.post(f"/v1/projects/{estate.project['id']}/builds", json={}), 403, "forbidden")
    assert_error(reader.patch(f"/v1/builds/{estate.build['id']}", json={"status": "bogus"}), 403, "forbidden")


def test_write_token_can_trigger_and_report_builds(estate: Estate, client: MakeClient) -> None:
    writer = client("write")
    build = writer.new_build(estate.project["id"])
    assert writer.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "running"})["status"] == "running"


def test_project_bound_token_cannot_reach_other_projects_builds(estate: Estate, api: Api, client: MakeClient) -> None:
    bound = client("write", project=api.new_project())
    other_project, other_build = estate.project["id"], estate.build["id"]
    assert_error(bound.get(f"/v1/projects/{other_project}/builds"), 404, "not_found")
    assert_error(bound.get(f"/v1/builds/{other_build}"), 404, "not_found")
    assert_error(bound.patch(f"/v1/builds/{other_build}", json={"status": "failed"}), 404, "not_found")
    body = {"platform": "win64", "configuration": "shipping", "changelist": None}
    assert_error(bound.post(f"/v1/projects/{other_project}/builds", json=body), 404, "not_found")


def test_project_bound_token_works_on_its_own_builds(api: Api, client: MakeClient) -> None:
    project = api.new_project()
    bound = client("write", project=project)
    build = bound.new_build(project["id"])
    assert bound.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "success"})["status"] == "success"
    assert [b["id"] for b in bound.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"]] == [build["id"]]


# Events


def test_each_write_records_an_event(server: Server, api: Api) -> None:
    project = api.new_project()
    number = fresh_number()
    changelist = api.new_changelist(project["id"], number, [("//depot/Game/T_Hero_D.uasset", "add")])
    asset = api.ok("GET", f"/v1/projects/{project['id']}/assets")["assets"][0]
    api.ok("PATCH", f"/v1/assets/{asset['id']}", json={"approval_status": "approved"})
    build = api.new_build(project["id"], changelist="latest")
    _report(api, build, status="running")
    _report(api, build, status="success")
    deployment = api.ok("POST", f"/v1/builds/{build['id']}/deployments", 201, json={"platform": "steam"})
    api.ok("PATCH", f"/v1/deployments/{deployment['id']}", json={"status": "live"})
    api.ok("PATCH", f"/v1/assets/{asset['id']}", json={"approval_status": "approved"})  # no change, no event
    recorded = events_of(server, [project["id"], changelist["id"], asset["id"], build["id"], deployment["id"]])
    assert recorded == [
        ("project.created", project["id"]),
        ("changelist.created", changelist["id"]),
        ("asset.approval_changed", asset["id"]),
        ("build.created", build["id"]),
        ("build.updated", build["id"]),
        ("build.updated", build["id"]),
        ("build.finished", build["id"]),
        ("deployment.created", deployment["id"]),
        ("deployment.live", deployment["id"]),
    ]


def test_refused_writes_record_no_event(server: Server, api: Api) -> None:
    build = api.finished_build(api.new_project()["id"])
    api.patch(f"/v1/builds/{build['id']}", json={"status": "running"})
    api.patch(f"/v1/builds/{build['id']}", json={"status": "bogus"})
    assert [kind for kind, _ in events_of(server, [build["id"]])] == [
        "build.created",
        "build.updated",
        "build.finished",
    ]
