"""A connection's link rules: jobs belong to projects by the folder they sit in, now and as new jobs appear."""

from __future__ import annotations

from typing import Any

from ghee import ids
from ghee.config import Settings
from tests.support.api import Api
from tests.support.fake_jenkins import PIPELINE, T0, FakeBuild, FakeJenkins, FakeJob
from tests.support.jenkins import assert_problem, connect, job_rows, sync
from tests.support.jenkins_estate import DEEP, furnish
from tests.support.servers import Server


def _projects_of(server: Server, made: dict[str, Any]) -> dict[str, str | None]:
    return {
        name: None if row.project_id is None else ids.encode("proj", row.project_id)
        for name, row in job_rows(server, made).items()
    }


def test_rules_link_a_folder_and_each_top_folder_with_their_history_newest_first(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    game = api.new_project()
    rules = [{"folder": "game", "project": game["id"]}, {"eachTopFolder": True}]
    saved = api.ok("PUT", f"/api/v1/connections/{made['id']}/link-rules", json={"rules": rules})
    assert saved == {"rules": rules, "linked": 4}
    assert api.ok("GET", f"/api/v1/connections/{made['id']}/link-rules") == {"rules": rules, "linked": None}

    linked = _projects_of(server, made)
    assert linked["game/main"] == linked["game/feature%2Flogin"] == game["id"]
    # "pipelines" became a project of that name, holding every job below it.
    [pipelines] = [
        p for p in api.ok("GET", "/v1/projects", params={"limit": 100})["projects"] if p["name"] == "pipelines"
    ]
    assert linked["pipelines/deploy"] == linked[f"{DEEP}/tool"] == pipelines["id"]
    assert linked["app"] is None  # a top-level job is in no folder: no rule says where it goes

    # The multibranch project's history moved into the project, newest first by queue time.
    listed = api.ok("GET", f"/v1/projects/{game['id']}/builds")["builds"]
    assert len(listed) == 2
    assert [b["created_at"] for b in listed] == sorted((b["created_at"] for b in listed), reverse=True)
    assert {b["job_name"] for b in listed} == {"game/main", "game/feature%2Flogin"}


def test_the_deepest_folder_wins_and_new_jobs_follow_the_rules_while_hand_made_links_stay(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(api, jenkins)
    sync(settings, made["name"])
    outer, inner = api.new_project(), api.new_project()
    rules = [{"folder": "pipelines", "project": outer["id"]}, {"folder": "pipelines/nested", "project": inner["id"]}]
    assert api.ok("PUT", f"/api/v1/connections/{made['id']}/link-rules", json={"rules": rules})["linked"] == 2
    linked = _projects_of(server, made)
    assert (linked["pipelines/deploy"], linked[f"{DEEP}/tool"]) == (outer["id"], inner["id"])

    # Unlinked by hand: the next pass leaves it alone; a job new to a ruled folder is linked as it is found.
    deploy = ids.encode("j", job_rows(server, made)["pipelines/deploy"].id, "job")
    api.ok("PATCH", f"/api/v1/jobs/{deploy}", json={"project": None})
    jenkins.put("pipelines/package", FakeJob(PIPELINE, label=None)).add(FakeBuild(1, "SUCCESS", timestamp=T0 + 5))
    sync(settings, made["name"])
    linked = _projects_of(server, made)
    assert (linked["pipelines/deploy"], linked["pipelines/package"]) == (None, outer["id"])
    [build] = api.ok("GET", f"/v1/projects/{outer['id']}/builds")["builds"]
    assert build["job_name"] == "pipelines/package"


def test_bad_rules_are_refused_whole(api: Api, server: Server, jenkins: FakeJenkins) -> None:
    made = connect(api, jenkins)
    path = f"/api/v1/connections/{made['id']}/link-rules"
    project = api.new_project()
    for rules, field in [
        ([{"folder": "game"}], "rules[0]"),
        ([{"project": project["id"]}], "rules[0]"),
        ([{"folder": "game", "project": project["id"], "eachTopFolder": True}], "rules[0]"),
        ([{"folder": "game", "project": "proj_zzzzzzzz"}], "rules"),
        ([{"folder": "game", "project": "not-an-id"}], "rules"),
        ([{"folder": "x", "project": project["id"]}] * 51, "rules"),
    ]:
        assert_problem(api.put(path, json={"rules": rules}), 400, "bad_request", field)
    assert_problem(
        api.put(path, json={"rules": [{"folder": "a", "project": project["id"], "extra": 1}]}), 400, "bad_request"
    )
    assert api.ok("GET", path) == {"rules": [], "linked": None}
    assert_problem(api.put("/api/v1/connections/conn_zzzzzzzz/link-rules", json={"rules": []}), 404, "not_found")
    writer = Api(server, server.token("write"))
    try:
        assert_problem(writer.put(path, json={"rules": []}), 403, "forbidden")
    finally:
        writer.http.close()
