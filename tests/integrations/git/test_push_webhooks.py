"""Push webhooks of GitHub, GitLab and Gitea: verified first, each commit a changelist, re-deliveries harmless."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ghee.core.blog.posts import Post
from ghee.core.patch_notes import draft_patch_notes
from ghee.db.database import opened
from tests.support.api import Api
from tests.support.butterstack import assert_error
from tests.support.servers import Server
from tests.support.services import run_async
from tests.support.vcs import (
    commits_of,
    gitea_headers,
    github_headers,
    gitlab_headers,
    payload,
    post_push,
    push_secret,
)

Sign = Callable[[bytes, str], dict[str, str]]
HOSTS: dict[str, Sign] = {
    "github_push": github_headers,
    "gitlab_push": lambda _body, secret: gitlab_headers(secret),
    "gitea_push": gitea_headers,
}
ACTIONS = {"added": "add", "modified": "edit", "removed": "delete"}


def _listed(api: Api, project_id: str) -> list[dict[str, Any]]:
    return api.ok("GET", f"/v1/projects/{project_id}/changelists", params={"limit": 100})["changelists"]  # type: ignore[no-any-return]


def _expected_files(commit: dict[str, Any]) -> list[dict[str, str]]:
    return [{"path": p, "action": action} for key, action in ACTIONS.items() for p in commit[key]]


@pytest.mark.parametrize("host", list(HOSTS))
def test_a_signed_push_makes_a_changelist_of_each_commit(api: Api, server: Server, host: str) -> None:
    project = api.new_project()
    body = payload(host)
    response = post_push(server, project["id"], body, HOSTS[host](body, push_secret(server, project["id"])))
    assert response.status_code == 200, response.text
    commits = commits_of(host)
    answer = response.json()
    assert (answer["created"], len(answer["changelists"])) == (len(commits), len(commits))
    listed = list(reversed(_listed(api, project["id"])))  # oldest first, as pushed
    assert [c["revision"] for c in listed] == [commit["id"] for commit in commits]
    assert [c["number"] for c in listed] == list(range(1, len(commits) + 1))
    assert [c["id"] for c in listed] == answer["changelists"]
    for changelist, commit in zip(listed, commits, strict=True):
        assert changelist["author"] == commit["author"]["name"]
        assert changelist["description"] == commit["message"]
        assert changelist["files"] == _expected_files(commit)
    assets = api.ok("GET", f"/v1/projects/{project['id']}/assets", params={"include_deleted": True, "limit": 100})
    touched = {path for commit in commits for key in ACTIONS for path in commit[key]}
    assert {a["path"] for a in assets["assets"]} == touched
    removed = {path for commit in commits for path in commit["removed"]}
    assert {a["path"] for a in assets["assets"] if a["deleted"]} == removed


def test_the_commit_time_is_the_changelists_submission_time_in_utc(api: Api, server: Server) -> None:
    project = api.new_project()
    body = payload("github_push")
    post_push(server, project["id"], body, github_headers(body, push_secret(server, project["id"])))
    oldest = _listed(api, project["id"])[-1]
    assert oldest["submitted_at"] == "2026-12-01T09:15:02Z"  # 10:15:02+01:00


@pytest.mark.parametrize("host", list(HOSTS))
def test_a_redelivered_push_answers_200_and_changes_nothing(api: Api, server: Server, host: str) -> None:
    project = api.new_project()
    body = payload(host)
    headers = HOSTS[host](body, push_secret(server, project["id"]))
    first = post_push(server, project["id"], body, headers)
    before = _listed(api, project["id"])
    events = api.ok("GET", "/v1/events", params={"limit": 100})
    again = post_push(server, project["id"], body, headers)
    assert again.status_code == 200, again.text
    assert again.json() == {**first.json(), "created": 0}
    assert _listed(api, project["id"]) == before
    assert api.ok("GET", "/v1/events", params={"limit": 100}) == events


@pytest.mark.parametrize("host", list(HOSTS))
def test_a_bad_signature_answers_401_and_changes_nothing(api: Api, server: Server, host: str) -> None:
    project = api.new_project()
    body = payload(host)
    secret = push_secret(server, project["id"])
    forged = HOSTS[host](body, secret[:-2] + "xx")
    assert_error(post_push(server, project["id"], body, forged), 401, "unauthorized")
    # The right signature over a different body is as wrong.
    tampered = body.replace(b"Mira Okafor", b"Eve Mallory").replace(b"Jonas", b"Janus").replace(b"Ade", b"Eve")
    if host != "gitlab_push":  # GitLab signs nothing: its token proves only who sent the request
        assert_error(post_push(server, project["id"], tampered, HOSTS[host](body, secret)), 401, "unauthorized")
    assert _listed(api, project["id"]) == []
    assert api.ok("GET", f"/v1/projects/{project['id']}/assets")["assets"] == []


def test_a_push_without_a_signature_or_to_an_unknown_project_answers_401(api: Api, server: Server) -> None:
    project = api.new_project()
    body = payload("github_push")
    secret = push_secret(server, project["id"])
    unsigned = {k: v for k, v in github_headers(body, secret).items() if k != "X-Hub-Signature-256"}
    assert_error(post_push(server, project["id"], body, unsigned), 401, "unauthorized")
    for unknown in ("proj_zzzzzzzz", "not-a-project"):
        assert_error(post_push(server, unknown, body, github_headers(body, secret)), 401, "unauthorized")
    # A project that never had a secret made refuses every push.
    other = api.new_project()
    assert_error(post_push(server, other["id"], body, github_headers(body, secret)), 401, "unauthorized")
    assert _listed(api, project["id"]) == []


def test_a_secret_of_another_project_is_refused(api: Api, server: Server) -> None:
    first, second = api.new_project(), api.new_project()
    body = payload("gitea_push")
    assert_error(
        post_push(server, second["id"], body, gitea_headers(body, push_secret(server, first["id"]))),
        401,
        "unauthorized",
    )
    assert _listed(api, second["id"]) == []


@pytest.mark.parametrize(("ping", "sign"), [("github_ping", github_headers)])
def test_a_ping_is_acknowledged_and_ignored(api: Api, server: Server, ping: str, sign: Sign) -> None:
    project = api.new_project()
    body = payload(ping)
    response = post_push(
        server, project["id"], body, {**sign(body, push_secret(server, project["id"])), "X-GitHub-Event": "ping"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"event": "ping", "changelists": [], "created": 0}
    assert _listed(api, project["id"]) == []


def test_a_tag_push_from_gitlab_is_ignored(api: Api, server: Server) -> None:
    project = api.new_project()
    response = post_push(
        server,
        project["id"],
        payload("gitlab_push"),
        gitlab_headers(push_secret(server, project["id"]), "Tag Push Hook"),
    )
    assert (response.status_code, response.json()["created"]) == (200, 0)
    assert _listed(api, project["id"]) == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"commits": "many"}', b'{"commits": [{"id": "abc"}]}', b'{"commits": [{"message": "x"}]}'],
    ids=["broken", "array", "commits-string", "short-id", "no-id"],
)
def test_a_signed_body_that_is_not_a_push_answers_400(api: Api, server: Server, body: bytes) -> None:
    project = api.new_project()
    response = post_push(server, project["id"], body, github_headers(body, push_secret(server, project["id"])))
    assert_error(response, 400, "bad_request")
    assert _listed(api, project["id"]) == []


def test_a_push_past_the_size_limit_answers_413(api: Api, server: Server) -> None:
    project = api.new_project()
    body = b'{"commits": [], "padding": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    response = post_push(server, project["id"], body, github_headers(body, push_secret(server, project["id"])))
    assert_error(response, 413, "payload_too_large")


def test_changelist_latest_builds_the_last_pushed_commit(api: Api, server: Server) -> None:
    project = api.new_project()
    api.new_changelist(project["id"], 7, [("Config/DefaultEngine.ini", "edit")])  # an earlier Perforce-style number
    body = payload("gitlab_push")
    post_push(server, project["id"], body, gitlab_headers(push_secret(server, project["id"])))
    build = api.new_build(project["id"], changelist="latest")
    last = commits_of("gitlab_push")[-1]
    newest = _listed(api, project["id"])[0]
    assert (newest["revision"], newest["number"]) == (last["id"], 10)
    assert build["changelist"] == "10"


def test_the_push_secret_never_reaches_the_servers_log(api: Api, server: Server, tmp_path: Path) -> None:
    project = api.new_project()
    secret = push_secret(server, project["id"])
    body = payload("gitlab_push")
    post_push(server, project["id"], body, gitlab_headers(secret))
    post_push(server, project["id"], body, gitlab_headers(secret + "wrong"))
    logs = list(Path(server.env["GHEE_MEDIA_DIR"]).parent.glob("*.log"))
    assert logs
    assert all(secret not in log.read_text(errors="replace") for log in logs)


def test_pushed_commits_are_in_the_patch_notes_of_the_release_that_ships_them(api: Api, server: Server) -> None:
    project = api.new_project()
    body = payload("github_push")
    post_push(server, project["id"], body, github_headers(body, push_secret(server, project["id"])))
    build = api.finished_build(project["id"], changelist="latest")
    deployment = api.ok(
        "POST", f"/v1/builds/{build['id']}/deployments", 201, json={"platform": "steam", "branch": "main"}
    )
    api.ok("PATCH", f"/v1/deployments/{deployment['id']}", json={"status": "live"})

    async def draft() -> Post | None:  # what the worker does when deployment.live is handed on
        async with opened(server.database_url) as db, db.write() as work:
            return await draft_patch_notes(work, deployment["id"])

    notes = run_async(draft)
    assert notes is not None
    for commit in commits_of("github_push"):
        assert commit["message"].splitlines()[0] in notes.body


def test_a_commit_of_more_files_than_a_changelist_holds_keeps_its_first_10000(api: Api, server: Server) -> None:
    project = api.new_project()
    push = json.loads(payload("gitea_push"))
    push["commits"][0]["added"] = [f"ThirdParty/Vendor/file{i:05}.h" for i in range(10_001)]
    body = json.dumps(push).encode()
    response = post_push(server, project["id"], body, gitea_headers(body, push_secret(server, project["id"])))
    assert response.status_code == 200, response.text
    [changelist] = _listed(api, project["id"])
    assert len(changelist["files"]) == 10_000
    assert changelist["files"][-1] == {"path": "ThirdParty/Vendor/file09999.h", "action": "add"}
