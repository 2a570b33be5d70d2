"""``ghee git secret``: the push URL and secret a build engineer pastes into the git host, and rotating it."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.butterstack import assert_error
from tests.support.servers import Server
from tests.support.vcs import SECRET_KEY, github_headers, payload, post_push
from tests.support.vcs_clients import run_ghee


def _secret_command(server: Server, *arguments: str) -> Any:
    env = {**server.env, "GHEE_SECRET_KEY": SECRET_KEY, "GHEE_PUBLIC_URL": server.base_url}
    return run_ghee(["git", "secret", *arguments], env)


def test_git_secret_shows_the_push_url_and_a_secret_the_server_accepts(api: Api, server: Server) -> None:
    project = api.new_project()
    shown = _secret_command(server, project["id"])
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == f"push URL: {server.base_url}/v1/projects/{project['id']}/git/push"
    secret = lines[-1]
    assert _secret_command(server, project["id"]).stdout.splitlines()[-1] == secret  # shown again, not replaced
    body = payload("github_push")
    assert post_push(server, project["id"], body, github_headers(body, secret)).status_code == 200


def test_rotating_the_secret_refuses_the_old_one(api: Api, server: Server) -> None:
    project = api.new_project()
    old = _secret_command(server, project["id"]).stdout.splitlines()[-1]
    rotated = _secret_command(server, project["id"], "--rotate")
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.splitlines()[-1]
    assert new != old
    body = payload("github_push")
    assert_error(post_push(server, project["id"], body, github_headers(body, old)), 401, "unauthorized")
    assert post_push(server, project["id"], body, github_headers(body, new)).status_code == 200


def test_git_secret_of_an_unknown_project_is_one_error_line(server: Server) -> None:
    shown = _secret_command(server, "proj_zzzzzzzz")
    assert shown.returncode == 1
    assert "not found" in shown.stderr
    assert "Traceback" not in shown.stderr
